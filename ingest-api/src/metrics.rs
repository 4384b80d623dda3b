//! The API's `/metrics` (on `DIS_LISTEN`, and alone on `DIS_METRICS_LISTEN` when set), and the
//! middleware that counts its HTTP requests.
//!
//! Besides this process's counters, a scrape reads the state every process shares — the queues
//! in Redis, the runs and dead letters in MySQL — and exports it as gauges. Only the API does, so
//! a Prometheus that scrapes every process sees each gauge once per API replica, with the same
//! value (the alert rules take `max`). Cost of one scrape: one script per queue in Redis (as the
//! dashboard's queue panel) and two statements in MySQL, run at once.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics::gauge;

use queue::inspect::{inspect, QueueSnapshot};
use records::{Entity, RunStatus};
use startup::metrics as m;
use store::ops::dead_letters::pending_count;
use store::ops::gauges::{runs_by_status, RunsInStatus};

use crate::app::AppState;
use crate::events::RequestServed;

/// Prometheus metrics
///
/// The gauges read now (queues, runs, dead letters), then every series of this process.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "service",
    responses((
        status = 200,
        description = "Prometheus's text format: this process's series, and gauges of the queues, runs and dead letters",
        content_type = "text/plain; version=0.0.4",
        body = String
    ))
)]
pub async fn metrics(State(state): State<AppState>) -> Response {
    read_gauges(&state).await;
    ([(CONTENT_TYPE, m::CONTENT_TYPE)], m::render()).into_response()
}

/// Reads the queues, the runs and the dead letters, and sets their gauges. What cannot be read
/// keeps its last value, and `dis_api_ready` says 0: MySQL or Redis did not answer.
async fn read_gauges(state: &AppState) {
    let (mut apply_conn, mut sweep_conn) = (state.redis.clone(), state.redis.clone());
    let (applies, sweeps, runs, letters) = tokio::join!(
        inspect(&mut apply_conn, state.applies.get_config()),
        inspect(&mut sweep_conn, state.sweeps.get_config()),
        runs_by_status(&state.pool),
        pending_count(&state.pool),
    );
    let mut ready = true;
    for (queue, snapshot) in [("apply", applies), ("sweep", sweeps)] {
        match snapshot {
            Ok(snapshot) => set_queue(queue, &snapshot),
            Err(error) => {
                tracing::warn!(queue, %error, "metrics: the queue could not be read from Redis");
                ready = false;
            }
        }
    }
    match (runs, letters) {
        (Ok(runs), Ok(letters)) => {
            set_runs(&runs);
            gauge!(m::DEAD_LETTERS_PENDING).set(letters as f64);
        }
        (Err(error), _) | (_, Err(error)) => {
            tracing::warn!(%error, "metrics: the runs could not be read from MySQL");
            ready = false;
        }
    }
    gauge!(m::API_READY).set(if ready { 1.0 } else { 0.0 });
}

fn set_queue(queue: &'static str, snapshot: &QueueSnapshot) {
    let states = [
        ("pending", snapshot.pending),
        ("scheduled", snapshot.scheduled),
        ("running", snapshot.running),
        ("done", snapshot.done_recently),
        ("dead", snapshot.dead),
    ];
    for (state, jobs) in states {
        gauge!(m::QUEUE_JOBS, "queue" => queue, "state" => state).set(jobs as f64);
    }
    let oldest = snapshot.oldest_pending_age.unwrap_or_default();
    gauge!(m::QUEUE_OLDEST_PENDING, "queue" => queue).set(oldest.as_secs_f64());
    let silent = snapshot.workers.iter().filter(|w| w.silent).count();
    let live = snapshot.workers.len() - silent;
    gauge!(m::QUEUE_WORKERS, "queue" => queue, "state" => "live").set(live as f64);
    gauge!(m::QUEUE_WORKERS, "queue" => queue, "state" => "silent").set(silent as f64);
}

/// Every entity in every status, zero included: a count that falls to nothing must read 0, not
/// keep its last value.
fn set_runs(runs: &[RunsInStatus]) {
    for entity in Entity::ALL {
        for status in RunStatus::ALL {
            let found = runs
                .iter()
                .find(|r| r.entity == entity && r.status == status);
            let count = found.map_or(0, |r| r.runs);
            gauge!(m::RUNS, "entity" => entity.as_str(), "status" => status.as_str())
                .set(count as f64);
            if let Some(age) = found.and_then(|r| r.full_run_age_seconds) {
                gauge!(m::LAST_COMPLETED_FULL_RUN_AGE, "entity" => entity.as_str()).set(age);
            }
        }
    }
}

/// Counts every request by the route that matched it, its method and its status, and times it.
pub async fn track(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let response = next.run(request).await;
    RequestServed {
        route: &route,
        method: &method,
        status: response.status().as_u16(),
        elapsed: started.elapsed(),
    }
    .emit();
    response
}
