//! The live page (`/ops`): the apply and sweep queues with their workers, the dead letters that
//! wait, and the runs in progress. Its panel (`/ops/queues/panel`) is fetched again every few
//! seconds by `ops.js`; the page works without it, only less fresh.
//!
//! Cost of one refresh: one HTTP request; in Redis one `GETEX` (the session) and one script per
//! queue; in MySQL three statements (dead letters waiting, unfinished runs, their progress).

use askama::Template;
use askama_web::WebTemplate;

use queue::inspect::{inspect, QueueSnapshot, WorkerSnapshot};
use store::ops::dead_letters::pending_count;
use store::ops::runs::unfinished_runs;

use super::error::OpsError;
use super::format::{count, duration};
use super::operator::{Chrome, OpsSession};
use super::views::{Count, RunLine};
use crate::app::AppState;

/// How often the page asks for a fresh panel.
pub const REFRESH_SECONDS: u32 = 5;

pub struct QueueView {
    pub label: &'static str,
    pub pending: Count,
    pub scheduled: Count,
    pub running: Count,
    pub done_recently: Count,
    pub dead: Count,
    pub oldest_pending: String,
    pub workers: Vec<WorkerView>,
}

pub struct WorkerView {
    pub name: String,
    pub host: String,
    pub pid: String,
    pub restarts: String,
    pub last_seen: String,
    pub running: u64,
    pub silent: bool,
}

pub struct Panel {
    pub queues: Vec<QueueView>,
    pub dead_letters: Count,
    pub runs: Vec<RunLine>,
    pub refresh_seconds: u32,
    /// When the API read it (UTC): the page shows its panel is fresh.
    pub read_at: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "ops/queues.html")]
struct QueuesPage {
    chrome: Chrome,
    panel: Panel,
}

#[derive(Template, WebTemplate)]
#[template(path = "ops/queue_panel.html")]
struct QueuePanel {
    panel: Panel,
}

pub async fn queues_page(
    OpsSession {
        app: state,
        operator,
        ..
    }: OpsSession,
) -> Result<impl axum::response::IntoResponse, OpsError> {
    Ok(QueuesPage {
        chrome: operator.chrome("queues"),
        panel: read_panel(&state).await?,
    })
}

pub async fn queue_panel(
    OpsSession { app: state, .. }: OpsSession,
) -> Result<impl axum::response::IntoResponse, OpsError> {
    Ok(QueuePanel {
        panel: read_panel(&state).await?,
    })
}

async fn read_panel(state: &AppState) -> Result<Panel, OpsError> {
    let (mut apply_conn, mut sweep_conn) = (state.redis.clone(), state.redis.clone());
    let (applies, sweeps, dead_letters, runs) = tokio::join!(
        inspect(&mut apply_conn, state.applies.get_config()),
        inspect(&mut sweep_conn, state.sweeps.get_config()),
        pending_count(&state.pool),
        unfinished_runs(&state.pool),
    );
    Ok(Panel {
        queues: vec![
            queue_view("apply", &applies?),
            queue_view("sweep", &sweeps?),
        ],
        dead_letters: Count::of(dead_letters?),
        runs: runs?.iter().map(RunLine::from).collect(),
        refresh_seconds: REFRESH_SECONDS,
        read_at: chrono::Utc::now().format("%H:%M:%S%.3f").to_string(),
    })
}

fn queue_view(label: &'static str, queue: &QueueSnapshot) -> QueueView {
    let of = |n: u64| Count::of(i64::try_from(n).unwrap_or(i64::MAX));
    QueueView {
        label,
        pending: of(queue.pending),
        scheduled: of(queue.scheduled),
        running: of(queue.running),
        done_recently: of(queue.done_recently),
        dead: of(queue.dead),
        oldest_pending: queue
            .oldest_pending_age
            .map_or_else(|| "—".to_owned(), duration),
        workers: queue.workers.iter().map(worker_view).collect(),
    }
}

fn worker_view(worker: &WorkerSnapshot) -> WorkerView {
    let or_dash = |v: Option<String>| v.unwrap_or_else(|| "—".to_owned());
    WorkerView {
        name: worker.name.clone(),
        host: or_dash(worker.host.clone()),
        pid: or_dash(worker.pid.map(|p| p.to_string())),
        restarts: or_dash(worker.restarts.map(|r| count(i64::from(r)))),
        last_seen: format!("{} ago", duration(worker.since_heartbeat)),
        running: worker.running,
        silent: worker.silent,
    }
}
