//! `extractor check` on the ERP side: connect, read the clock, and run every configured statement
//! for a few rows, saying what came back.

use records::Entity;

use super::connection::ErpConnection;
use super::errors::ErpError;
use super::pages::{PageReader, Window};
use super::readonly::VerifiedSelect;
use super::rows::ErpRecord;
use super::time::{format_utc, to_utc};
use super::ErpSource;

/// Rows each statement is asked for.
const CHECK_ROWS: u32 = 5;

/// One thing checked and what was found, or what went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub subject: String,
    pub outcome: Result<String, String>,
}

impl Finding {
    fn new(subject: impl Into<String>, outcome: Result<String, String>) -> Self {
        Self {
            subject: subject.into(),
            outcome,
        }
    }

    pub fn ok(&self) -> bool {
        self.outcome.is_ok()
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.outcome {
            Ok(found) => write!(f, "ok    {}: {found}", self.subject),
            Err(problem) => write!(f, "FAIL  {}: {problem}", self.subject),
        }
    }
}

/// Connects to the ERP and runs each statement with `TOP 5`; stops at the first failure that
/// leaves nothing else to try (no connection, no clock).
pub async fn check_erp(source: &ErpSource) -> Vec<Finding> {
    let config = source.config();
    let subject = format!("ERP {}", config.address());
    let mut connection = match source.connect().await {
        Ok(connection) => connection,
        Err(error) => return vec![Finding::new(subject, Err(error.to_string()))],
    };
    let connected = format!(
        "connected to database {} as {} (read-only intent, {})",
        config.database,
        config.user,
        if config.encrypt { "TLS" } else { "no TLS" }
    );
    let mut findings = vec![Finding::new(subject, Ok(connected))];
    let now = match source.erp_now(&mut connection).await {
        Ok(now) => now,
        Err(error) => {
            findings.push(Finding::new("ERP clock", Err(error.to_string())));
            return findings;
        }
    };
    let utc = to_utc(&now, source.zone()).map(|t| format_utc(&t));
    findings.push(Finding::new(
        "ERP clock",
        utc.map(|utc| format!("{now} in {} = {utc}", source.zone())),
    ));
    for entity in Entity::ALL {
        let statements = source.statements().of(entity);
        let window = source.window(entity, &now).map_err(|e| e.to_string());
        let plan: [(&VerifiedSelect, Option<Result<Window, String>>); 2] = [
            (&statements.full, None),
            (&statements.incremental, Some(window)),
        ];
        for (statement, window) in plan {
            let (finding, back) = sample(source, connection, entity, statement, window).await;
            findings.push(finding);
            match back {
                Some(back) => connection = back,
                None => return findings,
            }
        }
    }
    findings
}

/// Runs one statement for a few rows; gives the connection back unless it broke.
async fn sample(
    source: &ErpSource,
    connection: ErpConnection,
    entity: Entity,
    statement: &VerifiedSelect,
    window: Option<Result<Window, String>>,
) -> (Finding, Option<ErpConnection>) {
    let window = match window.transpose() {
        Ok(window) => window,
        Err(problem) => {
            return (
                Finding::new(statement.name(), Err(problem)),
                Some(connection),
            )
        }
    };
    let since = window
        .as_ref()
        .map(|w| format!(" (changed since {})", w.from))
        .unwrap_or_default();
    let mut reader = PageReader::new(
        connection,
        statement.clone(),
        entity,
        source.zone(),
        CHECK_ROWS,
        window,
    );
    let result = reader.next_page().await;
    // After a timeout or a lost connection, the connection is out of step with the server.
    let broken = matches!(
        &result,
        Err(ErpError::Connection { .. } | ErpError::QueryTimedOut { .. })
    );
    let outcome = result
        .map(|page| describe(&page.unwrap_or_default(), &since))
        .map_err(|error| error.to_string());
    let back = (!broken).then(|| reader.into_connection());
    (Finding::new(statement.name(), outcome), back)
}

fn describe(page: &[ErpRecord], since: &str) -> String {
    let keys: Vec<String> = page
        .iter()
        .filter_map(|r| r.erp_id().map(|k| k.to_string()))
        .collect();
    let first = page
        .first()
        .map(|r| format!("; first: {}", serde_json::to_string(r).unwrap_or_default()))
        .unwrap_or_default();
    format!(
        "{} rows{since}, keys [{}]{first}",
        page.len(),
        keys.join(", ")
    )
}
