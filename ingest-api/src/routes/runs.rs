//! Runs: create, read, list, complete, abort, and their rejected records.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

use queue::enqueue_sweep;
use records::{Entity, RunMode, RunStatus};
use store::batches::{rejected_records_of_run, RejectedRecord};
use store::lifecycle::{fail_abandoned_runs, settle_run, Settled};
use store::runs::{self, declare_end, CreateRunError, RunView};

use super::find_run;
use crate::actions;
use crate::app::AppState;
use crate::auth::{Caller, Scope};
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRun {
    entity: Entity,
    mode: RunMode,
}

pub async fn create_run(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(new): ApiJson<NewRun>,
) -> Result<(StatusCode, Json<RunView>), ApiError> {
    caller.require(&[Scope::Ingest])?;
    // A crashed extractor's run must not hold the entity until the workers' next look.
    fail_abandoned_runs(&state.pool, state.run_idle_limit, Some(new.entity)).await?;
    match runs::create_run(&state.pool, new.entity, new.mode).await {
        Ok(run) => {
            tracing::info!(run_id = run.run_id, entity = %new.entity, mode = new.mode.as_str(), caller = %caller.name, "run created");
            Ok((StatusCode::CREATED, Json(run)))
        }
        Err(e @ CreateRunError::FullRunAlreadyOpen { .. }) => {
            Err(ApiError::conflict("full_run_open", e.to_string()))
        }
        Err(CreateRunError::Database(e)) => Err(e.into()),
    }
}

pub async fn get_run(
    State(state): State<AppState>,
    _caller: Caller,
    ApiPath(run_id): ApiPath<i64>,
) -> Result<Json<RunView>, ApiError> {
    Ok(Json(find_run(&state, run_id).await?))
}

#[derive(Deserialize)]
pub struct RunFilter {
    entity: Option<Entity>,
    status: Option<RunStatus>,
    limit: Option<i64>,
}

pub async fn list_runs(
    State(state): State<AppState>,
    _caller: Caller,
    ApiQuery(filter): ApiQuery<RunFilter>,
) -> Result<Json<Vec<RunView>>, ApiError> {
    let limit = filter.limit.unwrap_or(50).clamp(1, 500);
    Ok(Json(
        runs::list_runs(&state.pool, filter.entity, filter.status, limit).await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclaredEnd {
    batches: i64,
    records: i64,
}

/// Moves an open run to `closing` and settles it at once: the last job may already be applied.
pub async fn complete_run(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(run_id): ApiPath<i64>,
    ApiJson(end): ApiJson<DeclaredEnd>,
) -> Result<(StatusCode, Json<RunView>), ApiError> {
    caller.require(&[Scope::Ingest])?;
    if end.batches < 0 || end.records < 0 {
        return Err(ApiError::BadRequest(
            "batches and records must be 0 or more".into(),
        ));
    }
    let run = find_run(&state, run_id).await?;
    let same_declaration =
        run.declared_batches == Some(end.batches) && run.declared_records == Some(end.records);
    // Repeating the same declaration is answered like the first one (the client may have retried).
    let repeated = same_declaration
        && matches!(
            run.status,
            RunStatus::Closing | RunStatus::Sweeping | RunStatus::Held | RunStatus::Completed
        );
    if !repeated && !declare_end(&state.pool, run_id, end.batches, end.records).await? {
        return Err(ApiError::conflict(
            "run_not_open",
            format!("run {run_id} is {} and cannot be completed", run.status),
        ));
    }
    settle_and_follow_up(&state, run_id, &run.nonce).await?;
    Ok((StatusCode::ACCEPTED, Json(find_run(&state, run_id).await?)))
}

/// Settles a closing run and, when it is a full run ready to sweep, enqueues its sweep.
pub(crate) async fn settle_and_follow_up(
    state: &AppState,
    run_id: i64,
    run_nonce: &str,
) -> Result<(), ApiError> {
    if settle_run(&state.pool, run_id).await? == Settled::ReadyToSweep {
        enqueue_sweep(&mut state.sweeps.clone(), run_id, run_nonce, false)
            .await
            .map_err(|e| ApiError::Unavailable(format!("the queue is unavailable: {e}")))?;
    }
    Ok(())
}

pub async fn abort_run(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(run_id): ApiPath<i64>,
) -> Result<Json<RunView>, ApiError> {
    caller.require(&[Scope::Ingest, Scope::Ops])?;
    Ok(Json(
        actions::abort_run(&state, run_id, &caller.name).await?,
    ))
}

#[derive(Deserialize)]
pub struct Page {
    limit: Option<i64>,
}

pub async fn rejected_records(
    State(state): State<AppState>,
    _caller: Caller,
    ApiPath(run_id): ApiPath<i64>,
    ApiQuery(page): ApiQuery<Page>,
) -> Result<Json<Vec<RejectedRecord>>, ApiError> {
    find_run(&state, run_id).await?;
    let limit = page.limit.unwrap_or(100).clamp(1, 1000);
    Ok(Json(
        rejected_records_of_run(&state.pool, run_id, limit).await?,
    ))
}
