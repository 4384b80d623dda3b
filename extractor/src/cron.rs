//! A job run on a cron expression, one run at a time: the engine of `extractor schedule` (the
//! command itself is `cli::schedule`). A tick that finds the previous run still going is skipped
//! and logged, a failed run is logged and tried again at the next tick, and ticks never queue up
//! behind a slow run.

use std::fmt::Display;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chrono_tz::Tz;
use tokio::task::JoinHandle;
use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};

/// What a tick did.
#[derive(Debug)]
pub enum Tick {
    /// A run started; the handle ends with it.
    Started(JoinHandle<()>),
    /// The previous run was still going, so none started.
    Skipped,
}

/// A job that never runs twice at once: the core of the scheduler, driven by cron or by a test.
pub struct OneAtATime<F> {
    name: String,
    job: F,
    busy: Arc<AtomicBool>,
}

/// Frees the job when its run ends, even by a panic.
struct Release(Arc<AtomicBool>);

impl Drop for Release {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl<F, Fut, E> OneAtATime<F>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
    E: Display + Send + 'static,
{
    /// `name` labels the logs, such as `influencers, contracts (full)`.
    pub fn new(name: impl Into<String>, job: F) -> Self {
        Self {
            name: name.into(),
            job,
            busy: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Starts a run unless one is going. Must be called inside a tokio runtime.
    pub fn tick(&self) -> Tick {
        if self
            .busy
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            tracing::warn!(job = %self.name, "the previous run is still going; this tick is skipped");
            return Tick::Skipped;
        }
        let release = Release(Arc::clone(&self.busy));
        let run = (self.job)();
        let name = self.name.clone();
        tracing::info!(job = %name, "scheduled run starting");
        Tick::Started(tokio::spawn(async move {
            let _release = release;
            match run.await {
                Ok(()) => tracing::info!(job = %name, "scheduled run finished"),
                Err(error) => tracing::error!(
                    job = %name,
                    %error,
                    "scheduled run failed; it is tried again at the next tick"
                ),
            }
        }))
    }

    /// Whether a run is going.
    pub fn busy(&self) -> bool {
        self.busy.load(Ordering::Acquire)
    }
}

/// Checks a cron expression (six fields, seconds first: `0 0 3 * * *` is 03:00 every day).
pub fn validate_cron(cron: &str, zone: Tz) -> Result<(), JobSchedulerError> {
    Job::new_async_tz(cron, zone, |_, _| Box::pin(async {})).map(|_| ())
}

/// Ticks `job` on `cron` in `zone` until the returned scheduler is shut down.
pub async fn start_on_cron<F, Fut, E>(
    cron: &str,
    zone: Tz,
    job: Arc<OneAtATime<F>>,
) -> Result<JobScheduler, JobSchedulerError>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
    E: Display + Send + 'static,
{
    let scheduler = JobScheduler::new().await?;
    let cron_job = Job::new_async_tz(cron, zone, move |_, _| {
        // The tick only spawns the run, so the scheduler is never held up by a slow one.
        job.tick();
        Box::pin(async {})
    })?;
    scheduler.add(cron_job).await?;
    scheduler.start().await?;
    Ok(scheduler)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_tick_while_the_job_runs_is_skipped_and_the_next_free_tick_runs_again() {
        let (release, wait) = tokio::sync::watch::channel(false);
        let job = OneAtATime::new("test", move || {
            let mut wait = wait.clone();
            async move {
                wait.wait_for(|go| *go)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
        });
        let Tick::Started(first) = job.tick() else {
            panic!("the first tick must start a run");
        };
        assert!(matches!(job.tick(), Tick::Skipped));
        release.send(true).unwrap();
        first.await.unwrap();
        assert!(!job.busy());
        assert!(matches!(job.tick(), Tick::Started(_)));
    }

    #[test]
    fn a_cron_expression_with_seconds_is_valid_and_nonsense_is_not() {
        let zone = chrono_tz::America::Sao_Paulo;
        assert!(validate_cron("0 0 3 * * *", zone).is_ok());
        assert!(validate_cron("every night", zone).is_err());
    }
}
