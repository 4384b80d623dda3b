//! The sweep of a full run, for operators: the dry run, the approval of a held sweep, and undo.

use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;

use records::api::{ErrorBody, ErrorCode, SweepApproved, SweepPlan, SweepUndone};
use records::{RunMode, RunStatus};
use store::sweep::plan_sweep;

use super::{find_run, RunId};
use crate::actions;
use crate::auth::{Ops, Reader};
use crate::error::{ApiError, ApiPath, ApiQuery};
use crate::openapi::{BadRequest, Forbidden, Internal, Unauthorized, Unavailable};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KeyPage {
    /// Keys above this one only: the `next_after` of the page before (default 0)
    #[param(nullable = false)]
    after: Option<i64>,
    /// At most this many keys (default 1000; below 1 counts as 1, above 10000 as 10000)
    #[param(nullable = false)]
    limit: Option<i64>,
}

/// Dry-run a full run's sweep
///
/// What the sweep of this full run would delete, if it ran now: how many rows, their share of
/// the table, and one page of their keys. Deletes nothing.
#[utoipa::path(
    get,
    path = "/runs/{run_id}/sweep-plan",
    tag = "sweep",
    security(("ingest_key" = []), ("ops_key" = [])),
    params(RunId, KeyPage),
    responses(
        (status = 200, description = "The sweep's dry run", body = SweepPlan),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, description = "No run has this id (code `not_found`)", body = ErrorBody),
        (status = 409, description = "The run is incremental: it never deletes (code `not_a_full_run`)", body = ErrorBody),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    )
)]
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

/// Approve a held sweep
///
/// A sweep over `DIS_SWEEP_MAX_SHARE` waits for this: the run goes back to `sweeping` and its
/// sweep is enqueued again.
#[utoipa::path(
    post,
    path = "/runs/{run_id}/sweep/approve",
    tag = "sweep",
    security(("ops_key" = [])),
    params(RunId),
    responses(
        (status = 200, description = "The sweep goes ahead", body = SweepApproved),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, description = "No run has this id (code `not_found`)", body = ErrorBody),
        (status = 409, description = "The run is not held (code `run_not_held`)", body = ErrorBody),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    )
)]
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

/// Undo a sweep
///
/// Restores every row this completed full run's sweep deleted, from the audit table.
#[utoipa::path(
    post,
    path = "/runs/{run_id}/sweep/undo",
    tag = "sweep",
    operation_id = "undo_sweep",
    security(("ops_key" = [])),
    params(RunId),
    responses(
        (status = 200, description = "The rows are back", body = SweepUndone),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, description = "No run has this id (code `not_found`)", body = ErrorBody),
        (status = 409, description = "The run is not a completed full run (code `nothing_to_undo`)", body = ErrorBody),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    )
)]
#[tracing::instrument(skip_all, fields(run_id = run_id))]
pub async fn undo(
    Ops { app, caller }: Ops,
    ApiPath(run_id): ApiPath<i64>,
) -> Result<Json<SweepUndone>, ApiError> {
    let restored = actions::undo_run_sweep(&app, run_id, &caller.name).await?;
    Ok(Json(SweepUndone { run_id, restored }))
}
