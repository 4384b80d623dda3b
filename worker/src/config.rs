//! How a worker retries: attempts and backoff, read from the settings.

use std::time::Duration;

use backon::ExponentialBuilder;

use crate::settings::Settings;

/// Retry settings of the apply job.
#[derive(Debug, Clone, Copy)]
pub struct RetryConfig {
    /// Attempts in all, the first included, before the job goes to the dead-letter table.
    pub attempts: u32,
    /// Delay before the second attempt; doubled each time, with jitter, up to `max_delay`.
    pub first_delay: Duration,
    pub max_delay: Duration,
}

impl RetryConfig {
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            attempts: settings.job_attempts.max(1),
            ..Self::default()
        }
    }

    pub fn backoff(&self) -> ExponentialBuilder {
        ExponentialBuilder::new()
            .with_min_delay(self.first_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(self.attempts.saturating_sub(1) as usize)
            .with_jitter()
    }
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            attempts: 5,
            first_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
        }
    }
}
