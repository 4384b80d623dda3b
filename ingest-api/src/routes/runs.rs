//! Runs: create, read, list, complete, abort, and their rejected records.

use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

use queue::enqueue_sweep;
use records::api::ErrorCode;
use records::api::{DeclaredEnd, NewRun, RejectedRecord, RunView};
use records::{Entity, RunStatus};
use store::batches::rejected_records_of_run;
use store::lifecycle::{advance_closing_run, fail_abandoned_runs, Advance};
use store::runs::{self, declare_end, CreateRunError};

use super::find_run;
use crate::actions;
use crate::app::AppState;
use crate::auth::{Ingest, IngestOrOps, Reader};
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery};

pub async fn create_run(
    Ingest { app, caller }: Ingest,
    ApiJson(new): ApiJson<NewRun>,
) -> Result<(StatusCode, Json<RunView>), ApiError> {
    // A crashed extractor's run must not hold the entity until the workers' next look.
    fail_abandoned_runs(&app.pool, app.run_idle_limit, Some(new.entity)).await?;
    match runs::create_run(&app.pool, new.entity, new.mode).await {
        Ok(run) => {
            tracing::info!(run_id = run.run_id, entity = %new.entity, mode = new.mode.as_str(), caller = %caller.name, "run created");
            Ok((StatusCode::CREATED, Json(run)))
        }
        Err(e @ CreateRunError::FullRunAlreadyOpen { .. }) => {
            Err(ApiError::conflict(ErrorCode::FullRunOpen, e.to_string()))
        }
        Err(CreateRunError::Database(e)) => Err(e.into()),
    }
}

pub async fn get_run(
    Reader { app, .. }: Reader,
    ApiPath(run_id): ApiPath<i64>,
) -> Result<Json<RunView>, ApiError> {
    Ok(Json(find_run(&app, run_id).await?))
}

#[derive(Deserialize)]
pub struct RunFilter {
    entity: Option<Entity>,
    status: Option<RunStatus>,
    limit: Option<i64>,
}

pub async fn list_runs(
    Reader { app, .. }: Reader,
    ApiQuery(filter): ApiQuery<RunFilter>,
) -> Result<Json<Vec<RunView>>, ApiError> {
    let limit = filter.limit.unwrap_or(50).clamp(1, 500);
    Ok(Json(
        runs::list_runs(&app.pool, filter.entity, filter.status, limit).await?,
    ))
}

/// Moves an open run to `closing` and tries to move it on at once: its last job may already be
/// applied.
#[tracing::instrument(skip_all, fields(run_id = run_id))]
pub async fn complete_run(
    Ingest { app, .. }: Ingest,
    ApiPath(run_id): ApiPath<i64>,
    ApiJson(end): ApiJson<DeclaredEnd>,
) -> Result<(StatusCode, Json<RunView>), ApiError> {
    if end.batches < 0 || end.records < 0 {
        return Err(ApiError::BadRequest(
            "batches and records must be 0 or more".into(),
        ));
    }
    let run = find_run(&app, run_id).await?;
    let same_declaration =
        run.declared_batches == Some(end.batches) && run.declared_records == Some(end.records);
    // Repeating the same declaration is answered like the first one (the client may have retried).
    let repeated = same_declaration
        && matches!(
            run.status,
            RunStatus::Closing | RunStatus::Sweeping | RunStatus::Held | RunStatus::Completed
        );
    if !repeated && !declare_end(&app.pool, run_id, end.batches, end.records).await? {
        return Err(ApiError::conflict(
            ErrorCode::RunNotOpen,
            format!("run {run_id} is {} and cannot be completed", run.status),
        ));
    }
    advance_and_follow_up(&app, run_id).await?;
    Ok((StatusCode::ACCEPTED, Json(find_run(&app, run_id).await?)))
}

/// Moves a closing run on and, when it is a full run ready to sweep, enqueues its sweep.
pub(crate) async fn advance_and_follow_up(app: &AppState, run_id: i64) -> Result<(), ApiError> {
    if advance_closing_run(&app.pool, run_id).await? == Advance::ReadyToSweep {
        let nonce = runs::get_run_head(&app.pool, run_id)
            .await?
            .map(|run| run.nonce)
            .unwrap_or_default();
        enqueue_sweep(&mut app.sweeps.clone(), run_id, &nonce, false)
            .await
            .map_err(|e| ApiError::Unavailable(format!("the queue is unavailable: {e}")))?;
    }
    Ok(())
}

pub async fn abort_run(
    IngestOrOps { app, caller }: IngestOrOps,
    ApiPath(run_id): ApiPath<i64>,
) -> Result<Json<RunView>, ApiError> {
    Ok(Json(actions::abort_run(&app, run_id, &caller.name).await?))
}

#[derive(Deserialize)]
pub struct Page {
    limit: Option<i64>,
}

pub async fn rejected_records(
    Reader { app, .. }: Reader,
    ApiPath(run_id): ApiPath<i64>,
    ApiQuery(page): ApiQuery<Page>,
) -> Result<Json<Vec<RejectedRecord>>, ApiError> {
    find_run(&app, run_id).await?;
    let limit = page.limit.unwrap_or(100).clamp(1, 1000);
    Ok(Json(
        rejected_records_of_run(&app.pool, run_id, limit).await?,
    ))
}
