//! The scheduler under fast ticks: never two runs at once, skipped ticks do not pile up, and a
//! failed run does not stop the next.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use extractor::cron::{start_on_cron, OneAtATime, Tick};

/// Counts runs going at once, the most ever seen, and runs started.
#[derive(Default)]
struct Gauge {
    running: AtomicUsize,
    most: AtomicUsize,
    started: AtomicUsize,
}

impl Gauge {
    /// A job that takes `length` and fails every `fail_every`th time.
    fn job(
        self: &Arc<Self>,
        length: Duration,
        fail_every: usize,
    ) -> impl Fn() -> futures::future::BoxFuture<'static, Result<(), String>> + Send + Sync + 'static
    {
        let gauge = Arc::clone(self);
        move || {
            let gauge = Arc::clone(&gauge);
            Box::pin(async move {
                let run = gauge.started.fetch_add(1, Ordering::SeqCst) + 1;
                let now = gauge.running.fetch_add(1, Ordering::SeqCst) + 1;
                gauge.most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(length).await;
                gauge.running.fetch_sub(1, Ordering::SeqCst);
                if run.is_multiple_of(fail_every) {
                    Err(format!("run {run} failed"))
                } else {
                    Ok(())
                }
            })
        }
    }
}

#[tokio::test]
async fn ticks_every_five_milliseconds_never_run_two_jobs_at_once_and_failures_do_not_stop_it() {
    let gauge = Arc::new(Gauge::default());
    let job = OneAtATime::new("slow job", gauge.job(Duration::from_millis(30), 3));
    let mut skipped = 0;
    let mut last = None;
    for _ in 0..100 {
        match job.tick() {
            Tick::Started(handle) => last = Some(handle),
            Tick::Skipped => skipped += 1,
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    last.unwrap().await.unwrap();

    let started = gauge.started.load(Ordering::SeqCst);
    assert_eq!(gauge.most.load(Ordering::SeqCst), 1, "two runs overlapped");
    assert!(
        started >= 6,
        "only {started} runs: failed runs must not stop later ticks"
    );
    assert_eq!(
        started + skipped,
        100,
        "every tick either started a run or was skipped"
    );
    assert!(
        skipped >= 50,
        "ticks during a run are skipped, not queued: {skipped}"
    );
}

#[tokio::test]
async fn the_cron_scheduler_ticking_every_second_skips_ticks_while_a_long_run_goes_on() {
    let gauge = Arc::new(Gauge::default());
    let job = Arc::new(OneAtATime::new(
        "cron job",
        gauge.job(Duration::from_millis(1500), 2),
    ));
    let mut scheduler = start_on_cron("* * * * * *", chrono_tz::UTC, Arc::clone(&job))
        .await
        .unwrap();

    tokio::time::sleep(Duration::from_millis(4300)).await;
    scheduler.shutdown().await.unwrap();

    let started = gauge.started.load(Ordering::SeqCst);
    assert_eq!(gauge.most.load(Ordering::SeqCst), 1, "two runs overlapped");
    // About four ticks, each run spanning two of them: two runs, never four.
    assert!((2..=3).contains(&started), "{started} runs started");
}
