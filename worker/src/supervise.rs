//! Keeping a queue worker alive: an apalis worker stops for good on its first backend error (a
//! Redis timeout, a heartbeat that finds it deregistered, an ack for a task already handed
//! elsewhere), which would leave its queue unserved and its runs closing for ever.
//!
//! apalis-core 1.0's `Monitor::should_restart` does not cover it, as its source shows: the
//! callback is asked only when a worker's future ends with an error (or panics), so a worker that
//! hangs without failing — which apalis 1.0 can do — is never restarted; and a restart it allows
//! happens at once, in the same poll, with no pause, so a Redis that is down makes it spin. This
//! supervisor also restarts a worker that stops beating, and waits longer after each failure.

use std::future::Future;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use apalis::prelude::WorkerError;
use tokio_util::sync::CancellationToken;

/// First pause before a failed worker is started again; it doubles up to [`MAX_RESTART_DELAY`].
const FIRST_RESTART_DELAY: Duration = Duration::from_millis(500);
const MAX_RESTART_DELAY: Duration = Duration::from_secs(30);
/// A worker that ran this long before failing was healthy: the next failure starts from the first delay.
const HEALTHY_RUN: Duration = Duration::from_mins(1);
/// A worker beats every heartbeat (100 ms) however busy its jobs are; one silent this long is
/// hung, not slow (apalis 1.0 can stall for good when its event channel fills during a fetch).
pub const STALLED_AFTER: Duration = Duration::from_secs(15);

/// When a worker last showed a sign of life; shared between the worker's event listener and its
/// supervisor.
#[derive(Clone)]
pub struct Liveness {
    // tokio's clock, so tests with paused time see the silence too.
    started: tokio::time::Instant,
    last_beat_ms: Arc<AtomicU64>,
}

impl Liveness {
    fn new() -> Self {
        Self {
            started: tokio::time::Instant::now(),
            last_beat_ms: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Records a sign of life: call it from the worker's event listener.
    pub fn beat(&self) {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_beat_ms.store(now, Ordering::Relaxed);
    }

    fn silent_for(&self) -> Duration {
        let last = Duration::from_millis(self.last_beat_ms.load(Ordering::Relaxed));
        self.started.elapsed().saturating_sub(last)
    }

    /// Resolves once the worker has been silent for `limit`.
    async fn stalled(&self, limit: Duration) {
        while let Some(left) = limit
            .checked_sub(self.silent_for())
            .filter(|d| !d.is_zero())
        {
            tokio::time::sleep(left).await;
        }
    }
}

/// A name no other live worker of the queue has: this host, this process, this call, this start.
///
/// apalis-redis refuses to register a name whose last heartbeat is recent, and re-delivers the
/// jobs of a name that stopped beating; so two processes (or two starts in one process) must never
/// share one, and a restarted worker takes a new one while the old one's jobs come back to the queue.
pub fn worker_name(kind: &str, instance: u32, start: u32) -> String {
    let host = gethostname::gethostname();
    format!(
        "{kind}@{}:{}:{instance}#{start}",
        host.to_string_lossy(),
        std::process::id()
    )
}

/// A number unique to each call in this process, for [`worker_name`].
pub fn next_instance() -> u32 {
    static INSTANCES: AtomicU32 = AtomicU32::new(0);
    INSTANCES.fetch_add(1, Ordering::Relaxed)
}

/// Runs the worker that `start` builds until `stop` is cancelled, starting a new one (with a new
/// start number) after each failure or stall, with a growing pause so a Redis outage is not a
/// busy loop. The worker must call [`Liveness::beat`] on its events.
pub async fn supervise<F, Fut>(kind: &'static str, stop: CancellationToken, mut start: F)
where
    F: FnMut(u32, CancellationToken, Liveness) -> Fut,
    Fut: Future<Output = Result<(), WorkerError>>,
{
    let mut delay = FIRST_RESTART_DELAY;
    for starts in 0u32.. {
        let started = Instant::now();
        let liveness = Liveness::new();
        let result = tokio::select! {
            result = start(starts, stop.clone(), liveness.clone()) => result,
            () = liveness.stalled(STALLED_AFTER) => Err(WorkerError::BackendError(
                format!("no sign of life for {STALLED_AFTER:?}: the worker is hung").into(),
            )),
        };
        if stop.is_cancelled() {
            return;
        }
        if let Err(e) = result {
            tracing::error!(worker = kind, error = %e, "worker failed; starting it again");
        } else {
            tracing::warn!(
                worker = kind,
                "worker stopped on its own; starting it again"
            );
        }
        if started.elapsed() >= HEALTHY_RUN {
            delay = FIRST_RESTART_DELAY;
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(delay) => {}
        }
        delay = (delay * 2).min(MAX_RESTART_DELAY);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_differ_between_instances_and_starts_of_one_process() {
        let a = worker_name("apply", next_instance(), 0);
        let b = worker_name("apply", next_instance(), 0);
        assert_ne!(a, b);
        assert_ne!(
            worker_name("apply", 7, 0),
            worker_name("apply", 7, 1),
            "a restarted worker must not reuse the name of the one that failed"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_worker_is_started_again_until_stopped() {
        let stop = CancellationToken::new();
        let starts = Arc::new(AtomicU32::new(0));
        let seen = starts.clone();
        let stopper = stop.clone();
        supervise("test", stop, move |n, _, _| {
            seen.fetch_add(1, Ordering::Relaxed);
            if n == 3 {
                stopper.cancel();
            }
            async { Err(WorkerError::BackendError("redis went away".into())) }
        })
        .await;
        assert_eq!(starts.load(Ordering::Relaxed), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn a_worker_that_stops_showing_signs_of_life_is_started_again() {
        let stop = CancellationToken::new();
        let starts = Arc::new(AtomicU32::new(0));
        let seen = starts.clone();
        let stopper = stop.clone();
        supervise("test", stop, move |n, _, liveness| {
            seen.fetch_add(1, Ordering::Relaxed);
            if n == 2 {
                stopper.cancel();
            }
            async move {
                // Beats for a while, then hangs without failing, as a stalled apalis worker does.
                for _ in 0..10 {
                    liveness.beat();
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                std::future::pending::<Result<(), WorkerError>>().await
            }
        })
        .await;
        assert_eq!(starts.load(Ordering::Relaxed), 3);
    }
}
