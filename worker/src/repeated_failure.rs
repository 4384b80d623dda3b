//! The log of a task that runs on a timer and fails on every tick while MySQL or Redis is down:
//! a warning when it starts failing, then one at most every [`REPEAT_EVERY`] with the count, and a
//! line when it works again. The run watch ticks 10 times a second; a warning a tick buried the
//! rest of a worker's log during an outage.

use std::fmt::Display;
use std::time::{Duration, Instant};

/// How often a failure that goes on is logged again.
pub const REPEAT_EVERY: Duration = Duration::from_secs(30);

/// The failures of one periodic task, for its log.
#[derive(Debug)]
pub struct RepeatedFailure {
    what: &'static str,
    failing: Option<Failing>,
}

#[derive(Debug)]
struct Failing {
    since: Instant,
    last_logged: Instant,
    failures: u64,
}

impl RepeatedFailure {
    /// `what` names the task in the log: "moving runs on".
    pub const fn new(what: &'static str) -> Self {
        Self {
            what,
            failing: None,
        }
    }

    /// Logs the outcome of one tick, as its rules say.
    pub fn record<T, E: Display>(&mut self, outcome: &Result<T, E>) {
        let now = Instant::now();
        match outcome {
            Ok(_) => {
                if let Some(failing) = self.succeeded() {
                    tracing::info!(
                        failures = failing.failures,
                        seconds = now.duration_since(failing.since).as_secs(),
                        "{} works again",
                        self.what
                    );
                }
            }
            Err(error) => {
                if let Some(failures) = self.failed_at(now) {
                    tracing::warn!(
                        %error, failures,
                        "{} failed; trying again every tick, logging this every {} s",
                        self.what, REPEAT_EVERY.as_secs()
                    );
                }
            }
        }
    }

    /// Counts a failure; returns the count when this one is to be logged.
    fn failed_at(&mut self, now: Instant) -> Option<u64> {
        match &mut self.failing {
            None => {
                self.failing = Some(Failing {
                    since: now,
                    last_logged: now,
                    failures: 1,
                });
                Some(1)
            }
            Some(failing) => {
                failing.failures += 1;
                if now.duration_since(failing.last_logged) < REPEAT_EVERY {
                    return None;
                }
                failing.last_logged = now;
                Some(failing.failures)
            }
        }
    }

    fn succeeded(&mut self) -> Option<Failing> {
        self.failing.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_failure_is_logged_and_the_next_ones_only_every_thirty_seconds_with_their_count() {
        let mut log = RepeatedFailure::new("moving runs on");
        let start = Instant::now();
        assert_eq!(log.failed_at(start), Some(1));
        let logged: Vec<_> = (1..=300)
            .filter_map(|tick| log.failed_at(start + Duration::from_millis(100 * tick)))
            .collect();
        assert_eq!(logged, vec![301]);
    }

    #[test]
    fn a_success_ends_the_failure_and_the_next_failure_is_logged_at_once() {
        let mut log = RepeatedFailure::new("moving runs on");
        let start = Instant::now();
        log.failed_at(start);
        log.failed_at(start + Duration::from_secs(1));
        assert_eq!(log.succeeded().map(|f| f.failures), Some(2));
        assert!(
            log.succeeded().is_none(),
            "a second success has nothing to report"
        );
        assert_eq!(log.failed_at(start + Duration::from_secs(2)), Some(1));
    }
}
