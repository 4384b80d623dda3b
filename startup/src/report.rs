//! How a binary reports the error it stops on: once, with each cause that adds something, and
//! never a cause its parent's message already shows (sqlx, redis and io errors often repeat their
//! source in their own text, which printed "Connection refused" twice).

use std::error::Error;
use std::process::ExitCode;

/// The message of `error`, then each cause whose text is not already shown, outermost first.
pub fn messages(error: &(dyn Error + 'static)) -> Vec<String> {
    let mut shown: Vec<String> = Vec::new();
    let mut next = Some(error);
    while let Some(current) = next {
        let text = current.to_string();
        if !text.is_empty() && !shown.iter().any(|s| s.contains(&text)) {
            shown.push(text);
        }
        next = current.source();
    }
    shown
}

/// `error: …` and a `caused by: …` line per further cause, for a terminal.
pub fn render(error: &(dyn Error + 'static)) -> String {
    let mut lines = messages(error).into_iter();
    let mut text = format!("error: {}", lines.next().unwrap_or_default());
    for cause in lines {
        text.push_str("\n  caused by: ");
        text.push_str(&cause);
    }
    text
}

/// The whole chain on one line, for a cron mail or a log field.
pub fn one_line(error: &(dyn Error + 'static)) -> String {
    messages(error).join(": ")
}

/// Reports the error the process stops on, as a JSON log line when logs are JSON and as text
/// otherwise, and returns the failure exit code (1).
pub fn fail(error: &(dyn Error + 'static)) -> ExitCode {
    if crate::telemetry::is_json() {
        tracing::error!(error = %one_line(error), "stopped on an error");
    } else {
        eprintln!("{}", render(error));
    }
    ExitCode::FAILURE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("error communicating with database: {0}")]
    struct Repeats(#[source] std::io::Error);

    #[derive(Debug, thiserror::Error)]
    #[error("starting the worker")]
    struct Context(#[source] Repeats);

    #[test]
    fn a_cause_already_in_its_parents_message_is_not_repeated() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        let error = Context(Repeats(refused));
        let shown = render(&error);
        assert_eq!(shown.matches("connection refused").count(), 1, "{shown}");
        assert_eq!(
            messages(&error),
            [
                "starting the worker",
                "error communicating with database: connection refused"
            ]
        );
    }
}
