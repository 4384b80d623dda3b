//! One run (`/ops/runs/{run_id}`): its counts and progress, the actions its state allows, its
//! sweep plan while the sweep waits or runs, its batches, rejected records and dead letters.
//!
//! Cost: in Redis one `GETEX` (the session); in MySQL five statements (the run, its progress,
//! a page of batches, a page of rejected records, its dead letters), one more for a completed
//! full run that swept rows (what undo would restore), and four more while its sweep is held or
//! running (the run for the planner, then the plan's two counts and its page of keys).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query};
use serde::Deserialize;

use records::{RunMode, RunStatus};
use store::ops::dead_letters::{dead_letters_page, DeadLetterFilter};
use store::ops::detail::{batches_page, rejected_page, restorable_rows, BatchRow, RejectedRow};
use store::ops::runs::{run_row, RunRow};
use store::ops::{Page, Paging};
use store::sweep::plan_sweep;

use super::dead_letters::DeadLetterLine;
use super::error::OpsError;
use super::format::{count, percent, when};
use super::operator::{Chrome, OpsSession};
use super::views::{Allowed, RunLine};
use crate::app::AppState;
use crate::routes::find_run;

const BATCHES_PER_PAGE: u32 = 20;
const REJECTED_PER_PAGE: u32 = 20;
const DEAD_LETTERS_SHOWN: u32 = 20;
const PLAN_KEYS_SHOWN: i64 = 20;

#[derive(Deserialize)]
pub struct RunQuery {
    batches: Option<u32>,
    rejected: Option<u32>,
    done: Option<Done>,
    n: Option<u64>,
}

/// What the action that led here did, said once at the top of the page.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Done {
    Approved,
    Aborted,
    Undone,
    Replayed,
}

impl Done {
    fn notice(self, n: Option<u64>) -> String {
        let n = n.unwrap_or(0);
        match self {
            Done::Approved => "Sweep approved: it is queued and starts within seconds.".into(),
            Done::Aborted => "Run aborted: it will never delete anything.".into(),
            Done::Undone => format!("Sweep undone: {} rows restored.", count(n as i64)),
            Done::Replayed => format!("{} dead letter(s) put back on the queue.", count(n as i64)),
        }
    }
}

pub struct PlanView {
    pub would_delete: String,
    pub rows_in_table: String,
    pub share: String,
    pub max_share: String,
    pub needs_approval: bool,
    pub keys: Vec<i64>,
    pub more_keys: bool,
}

pub struct BatchLine {
    pub seq: i64,
    pub records: String,
    pub accepted: String,
    pub rejected: String,
    pub jobs: String,
    pub state: String,
    pub received: String,
}

pub struct RejectedLine {
    pub place: String,
    pub erp_id: String,
    pub stage: String,
    pub reasons: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "ops/run.html")]
struct RunPage {
    chrome: Chrome,
    run: RunLine,
    allowed: Allowed,
    plan: Option<PlanView>,
    batches: Vec<BatchLine>,
    batches_pages: Pager,
    rejected: Vec<RejectedLine>,
    rejected_pages: Pager,
    dead_letters: Vec<DeadLetterLine>,
    more_dead_letters: bool,
}

/// Links to the neighbouring pages of one listing of the run page, the other listing kept.
pub struct Pager {
    pub page: u32,
    pub previous: Option<String>,
    pub next: Option<String>,
}

pub async fn run_page(
    OpsSession {
        app: state,
        operator,
        ..
    }: OpsSession,
    Path(run_id): Path<i64>,
    Query(query): Query<RunQuery>,
) -> Result<impl axum::response::IntoResponse, OpsError> {
    let run = run_row(&state.pool, run_id)
        .await?
        .ok_or_else(|| OpsError::not_found(format!("run {run_id} does not exist")))?;
    let batch_paging = Paging::new(query.batches, BATCHES_PER_PAGE);
    let rejected_paging = Paging::new(query.rejected, REJECTED_PER_PAGE);
    let letters_filter = DeadLetterFilter {
        pending_only: false,
        run_id: Some(run_id),
    };
    let batches = batches_page(&state.pool, run_id, batch_paging).await?;
    let rejected = rejected_page(&state.pool, run_id, rejected_paging).await?;
    let letters = dead_letters_page(
        &state.pool,
        letters_filter,
        Paging::new(None, DEAD_LETTERS_SHOWN),
    )
    .await?;
    let restorable = if run.mode == RunMode::Full && run.swept_rows > 0 {
        restorable_rows(&state.pool, run.entity, run_id).await?
    } else {
        0
    };
    let pending_letters = letters.items.iter().filter(|l| l.replayed_at.is_none());
    let mut chrome = operator.chrome("runs");
    chrome.notice = query.done.map(|done| done.notice(query.n));
    let link = |batches: u32, rejected: u32| {
        format!("/ops/runs/{run_id}?batches={batches}&rejected={rejected}")
    };
    Ok(RunPage {
        chrome,
        allowed: Allowed::for_run(&run, restorable, pending_letters.count()),
        plan: sweep_plan(&state, &run).await?,
        batches_pages: pager(&batches, |p| link(p, rejected_paging.page)),
        batches: batches.items.iter().map(batch_line).collect(),
        rejected_pages: pager(&rejected, |p| link(batch_paging.page, p)),
        rejected: rejected.items.iter().map(rejected_line).collect(),
        more_dead_letters: letters.has_next,
        dead_letters: letters.items.iter().map(DeadLetterLine::from).collect(),
        run: RunLine::from(&run),
    })
}

/// The dry run of the sweep, while it waits for an operator or runs; nothing is deleted.
async fn sweep_plan(state: &AppState, run: &RunRow) -> Result<Option<PlanView>, OpsError> {
    if !matches!(run.status, RunStatus::Held | RunStatus::Sweeping) {
        return Ok(None);
    }
    let view = find_run(state, run.run_id).await?;
    let plan = plan_sweep(
        &state.pool,
        &view,
        state.sweep_max_share,
        0,
        PLAN_KEYS_SHOWN,
    )
    .await?;
    Ok(Some(PlanView {
        would_delete: count(plan.would_delete),
        rows_in_table: count(plan.rows_in_table),
        share: percent(plan.share),
        max_share: percent(plan.max_share),
        needs_approval: plan.needs_approval,
        more_keys: plan.next_after.is_some(),
        keys: plan.keys,
    }))
}

fn pager<T>(page: &Page<T>, link: impl Fn(u32) -> String) -> Pager {
    Pager {
        page: page.page,
        previous: page.has_previous().then(|| link(page.page - 1)),
        next: page.has_next.then(|| link(page.page + 1)),
    }
}

fn batch_line(batch: &BatchRow) -> BatchLine {
    BatchLine {
        seq: batch.seq,
        records: count(batch.records),
        accepted: count(batch.accepted),
        rejected: count(batch.rejected),
        jobs: format!("{} of {}", count(batch.jobs_applied), count(batch.jobs)),
        state: batch.state.clone(),
        received: when(batch.received_at),
    }
}

fn rejected_line(row: &RejectedRow) -> RejectedLine {
    RejectedLine {
        place: format!("batch {} · record {}", row.batch_seq, row.record_index),
        erp_id: row.erp_id.map_or_else(|| "—".to_owned(), |k| k.to_string()),
        stage: row.stage.clone(),
        reasons: row.reasons(),
    }
}
