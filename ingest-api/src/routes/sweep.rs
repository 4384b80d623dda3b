//! The sweep of a full run, for operators: the dry run, the approval of a held sweep, and undo.

use axum::Json;
use serde::Deserialize;

use records::api::{ErrorCode, SweepApproved, SweepPlan, SweepUndone};
use records::{RunMode, RunStatus};
use store::sweep::plan_sweep;

use super::find_run;
use crate::actions;
use crate::auth::{Ops, Reader};
use crate::error::{ApiError, ApiPath, ApiQuery};

#[derive(Deserialize)]
pub struct KeyPage {
    after: Option<i64>,
    limit: Option<i64>,
}

/// What the sweep of this run would delete, if it ran now. Deletes nothing.
pub async fn sweep_plan(
    Reader { app, .. }: Reader,
    ApiPath(run_id): ApiPath<i64>,
    ApiQuery(page): ApiQuery<KeyPage>,
) -> Result<Json<SweepPlan>, ApiError> {
    let run = find_run(&app, run_id).await?;
    if run.mode != RunMode::Full {
        return Err(ApiError::conflict(
            ErrorCode::NotAFullRun,
            format!("run {run_id} is incremental: it never deletes"),
        ));
    }
    let limit = page.limit.unwrap_or(1000).clamp(1, 10_000);
    let after = page.after.unwrap_or(0);
    let plan = plan_sweep(&app.pool, &run, app.sweep_max_share, after, limit).await?;
    Ok(Json(plan))
}

/// Lets a held sweep go ahead: the run goes back to `sweeping` and its sweep is enqueued again.
#[tracing::instrument(skip_all, fields(run_id = run_id))]
pub async fn approve_sweep(
    Ops { app, caller }: Ops,
    ApiPath(run_id): ApiPath<i64>,
) -> Result<Json<SweepApproved>, ApiError> {
    actions::approve_sweep(&app, run_id, &caller.name).await?;
    Ok(Json(SweepApproved {
        run_id,
        status: RunStatus::Sweeping,
        approved_by: caller.name,
    }))
}

/// Restores every row this run's sweep deleted, from the audit table.
#[tracing::instrument(skip_all, fields(run_id = run_id))]
pub async fn undo(
    Ops { app, caller }: Ops,
    ApiPath(run_id): ApiPath<i64>,
) -> Result<Json<SweepUndone>, ApiError> {
    let restored = actions::undo_run_sweep(&app, run_id, &caller.name).await?;
    Ok(Json(SweepUndone { run_id, restored }))
}
