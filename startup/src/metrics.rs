//! Prometheus metrics: the catalogue of every series the API and the worker export (one name,
//! one `HELP`, one kind each, every name prefixed `dis_`), and the process's one recorder.
//!
//! The values are written where things happen, by each binary's `events` module (one struct per
//! event whose `emit()` writes the log line and moves the counter, so the two never disagree), and
//! by the API's scrape-time gauges; this module only knows the names and renders them.
//!
//! The recorder is global to the process (the `metrics` facade has one). It is installed once,
//! whoever asks first; the end-to-end tests, which run an API and workers in one process, share
//! it, which is why the test that compares counters with MySQL runs the worker as a process of
//! its own.

use std::sync::OnceLock;
use std::time::Duration;

use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

// ---- counters ----
pub const RECORDS_RECEIVED: &str = "dis_records_received_total";
pub const RECORDS_ACCEPTED: &str = "dis_records_accepted_total";
pub const RECORDS_REJECTED: &str = "dis_records_rejected_total";
pub const RECORDS_APPLIED: &str = "dis_records_applied_total";
pub const RECORDS_SWEPT: &str = "dis_records_swept_total";
pub const JOBS_APPLIED: &str = "dis_jobs_applied_total";
pub const JOBS_RETRIED: &str = "dis_jobs_retried_total";
pub const JOBS_ISOLATED: &str = "dis_jobs_isolated_total";
pub const JOBS_DEAD_LETTERED: &str = "dis_jobs_dead_lettered_total";
pub const HTTP_REQUESTS: &str = "dis_http_requests_total";
// ---- histograms ----
pub const APPLY_DURATION: &str = "dis_apply_duration_seconds";
pub const SWEEP_DURATION: &str = "dis_sweep_duration_seconds";
pub const HTTP_REQUEST_DURATION: &str = "dis_http_request_duration_seconds";
// ---- gauges (the API's, read at scrape time) ----
pub const QUEUE_JOBS: &str = "dis_queue_jobs";
pub const QUEUE_OLDEST_PENDING: &str = "dis_queue_oldest_pending_seconds";
pub const QUEUE_WORKERS: &str = "dis_queue_workers";
pub const RUNS: &str = "dis_runs";
pub const LAST_COMPLETED_FULL_RUN_AGE: &str = "dis_last_completed_full_run_age_seconds";
pub const DEAD_LETTERS_PENDING: &str = "dis_dead_letters_pending";
pub const API_READY: &str = "dis_api_ready";

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram(&'static [f64]),
}

/// One series: its name, its kind and what `HELP` says of it.
#[derive(Debug, Clone, Copy)]
pub struct Series {
    pub name: &'static str,
    pub kind: Kind,
    pub help: &'static str,
}

const fn counter(name: &'static str, help: &'static str) -> Series {
    Series {
        name,
        kind: Kind::Counter,
        help,
    }
}

const fn gauge(name: &'static str, help: &'static str) -> Series {
    Series {
        name,
        kind: Kind::Gauge,
        help,
    }
}

const fn histogram(name: &'static str, buckets: &'static [f64], help: &'static str) -> Series {
    Series {
        name,
        kind: Kind::Histogram(buckets),
        help,
    }
}

/// A job takes tens of milliseconds; one waiting out a MySQL outage can take minutes.
const APPLY_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0,
];
/// A sweep deletes in chunks of 1,000 rows: seconds to an hour on a large deletion.
const SWEEP_BUCKETS: &[f64] = &[
    0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0,
];
/// A batch of 1,000 records is answered in tens of milliseconds; a page in a few.
const HTTP_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Every series of dis-sync. Which process exports which: the API the records received,
/// accepted and rejected by validation, the HTTP series and every gauge; the worker the rest.
pub const CATALOGUE: &[Series] = &[
    counter(
        RECORDS_RECEIVED,
        "Records received by the API in batches, by entity (a batch sent again is counted once).",
    ),
    counter(
        RECORDS_ACCEPTED,
        "Records the API accepted and queued, by entity.",
    ),
    counter(
        RECORDS_REJECTED,
        "Records rejected, by entity and stage: validation (by the API) or database (refused by MySQL, found by isolating a job's rows).",
    ),
    counter(
        RECORDS_APPLIED,
        "Records written to MySQL by jobs, by entity.",
    ),
    counter(
        RECORDS_SWEPT,
        "Rows deleted by reconciliation sweeps (and kept in the audit table), by entity.",
    ),
    counter(
        JOBS_APPLIED,
        "Jobs applied and counted in their run, those with rows rejected by the database included.",
    ),
    counter(
        JOBS_RETRIED,
        "Tries of a job again after a transient failure (deadlock, lock wait, lost connection) or while MySQL was unreachable.",
    ),
    counter(
        JOBS_ISOLATED,
        "Jobs applied row by row because the database refused some of their rows.",
    ),
    counter(
        JOBS_DEAD_LETTERED,
        "Jobs that failed for good and went to the dead-letter table.",
    ),
    counter(
        HTTP_REQUESTS,
        "HTTP requests answered by the API, by matched route, method and status.",
    ),
    histogram(
        APPLY_DURATION,
        APPLY_BUCKETS,
        "Seconds from a job's start in a worker to its outcome recorded in MySQL (applied, rows rejected, or dead letter), retries included.",
    ),
    histogram(
        SWEEP_DURATION,
        SWEEP_BUCKETS,
        "Seconds a sweep job took, from its start to its outcome (swept, held, or nothing to do).",
    ),
    histogram(
        HTTP_REQUEST_DURATION,
        HTTP_BUCKETS,
        "Seconds the API took to answer a request, by matched route and method.",
    ),
    gauge(
        QUEUE_JOBS,
        "Jobs in a queue (apply, sweep) by state: pending, scheduled (retries not yet due), running, done (in the last hour), dead; read from Redis when scraped.",
    ),
    gauge(
        QUEUE_OLDEST_PENDING,
        "Seconds the oldest pending job of a queue has waited; 0 when none waits.",
    ),
    gauge(
        QUEUE_WORKERS,
        "Workers registered on a queue, by state: live, or silent (no heartbeat for 30 s).",
    ),
    gauge(
        RUNS,
        "Runs in MySQL by entity and status.",
    ),
    gauge(
        LAST_COMPLETED_FULL_RUN_AGE,
        "Seconds since the last full run of an entity completed; no series for an entity that never completed one.",
    ),
    gauge(
        DEAD_LETTERS_PENDING,
        "Dead letters not replayed yet.",
    ),
    gauge(
        API_READY,
        "1 when this API replica reaches MySQL and Redis, 0 otherwise.",
    ),
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// How often histograms are drained and idle series tidied, off any async runtime.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// The process's recorder, installed on first use with every series described and every
/// histogram given its buckets (without them they would render as summaries).
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let builder =
            CATALOGUE
                .iter()
                .fold(PrometheusBuilder::new(), |builder, series| {
                    match series.kind {
                        Kind::Histogram(buckets) => builder
                            .set_buckets_for_metric(Matcher::Full(series.name.to_owned()), buckets)
                            .expect("the catalogue's buckets are not empty"),
                        Kind::Counter | Kind::Gauge => builder,
                    }
                });
        let handle = builder
            .install_recorder()
            .expect("no other metrics recorder is installed in this process");
        describe();
        let upkeep = handle.clone();
        // A thread, not a task: tests start and end many runtimes in one process.
        std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || loop {
                std::thread::sleep(UPKEEP_EVERY);
                upkeep.run_upkeep();
            })
            .expect("a thread starts");
        handle
    })
}

fn describe() {
    for series in CATALOGUE {
        match series.kind {
            Kind::Counter => describe_counter!(series.name, series.help),
            Kind::Gauge => describe_gauge!(series.name, series.help),
            Kind::Histogram(_) => describe_histogram!(series.name, Unit::Seconds, series.help),
        }
    }
}

/// This process's series in Prometheus's text format.
pub fn render() -> String {
    install().render()
}

/// The `Content-Type` of [`render`]'s text.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_series_is_named_dis_something_once_with_help() {
        let mut names: Vec<&str> = CATALOGUE.iter().map(|s| s.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CATALOGUE.len(), "a name is listed twice");
        for series in CATALOGUE {
            assert!(series.name.starts_with("dis_"), "{}", series.name);
            assert!(series.help.ends_with('.'), "{}", series.name);
            let counter = series.name.ends_with("_total");
            assert_eq!(counter, series.kind == Kind::Counter, "{}", series.name);
        }
    }

    #[test]
    fn histograms_have_rising_buckets_in_seconds() {
        for series in CATALOGUE {
            if let Kind::Histogram(buckets) = series.kind {
                assert!(series.name.ends_with("_seconds"), "{}", series.name);
                assert!(buckets.windows(2).all(|w| w[0] < w[1]), "{}", series.name);
            }
        }
    }
}
