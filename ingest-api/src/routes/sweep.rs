//! The sweep of a full run, for operators: the dry run, the approval of a held sweep, and undo.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use records::RunMode;
use store::sweep::{plan_sweep, SweepPlan};

use super::find_run;
use crate::actions;
use crate::app::AppState;
use crate::auth::{Caller, Scope};
use crate::error::{ApiError, ApiPath, ApiQuery};

#[derive(Deserialize)]
pub struct KeyPage {
    after: Option<i64>,
    limit: Option<i64>,
}

/// What the sweep of this run would delete, if it ran now. Deletes nothing.
pub async fn sweep_plan(
    State(state): State<AppState>,
    _caller: Caller,
    ApiPath(run_id): ApiPath<i64>,
    ApiQuery(page): ApiQuery<KeyPage>,
) -> Result<Json<SweepPlan>, ApiError> {
    let run = find_run(&state, run_id).await?;
    if run.mode != RunMode::Full {
        return Err(ApiError::conflict(
            "not_a_full_run",
            format!("run {run_id} is incremental: it never deletes"),
        ));
    }
    let limit = page.limit.unwrap_or(1000).clamp(1, 10_000);
    Ok(Json(
        plan_sweep(
            &state.pool,
            &run,
            state.sweep_max_share,
            page.after.unwrap_or(0),
            limit,
        )
        .await?,
    ))
}

/// Lets a held sweep go ahead: the run goes back to `sweeping` and its sweep is enqueued again.
pub async fn approve_sweep(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(run_id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    caller.require(&[Scope::Ops])?;
    actions::approve_sweep(&state, run_id, &caller.name).await?;
    Ok(Json(
        json!({ "run_id": run_id, "status": "sweeping", "approved_by": caller.name }),
    ))
}

/// Restores every row this run's sweep deleted, from the audit table.
pub async fn undo(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(run_id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    caller.require(&[Scope::Ops])?;
    let restored = actions::undo_run_sweep(&state, run_id, &caller.name).await?;
    Ok(Json(json!({ "run_id": run_id, "restored": restored })))
}
