//! Runs: create, read, list, complete, abort, and their rejected records.

use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;

use queue::enqueue_sweep;
use records::api::{DeclaredEnd, NewRun, RejectedRecord, RunView};
use records::api::{ErrorBody, ErrorCode};
use records::{Entity, RunStatus};
use store::batches::rejected_records_of_run;
use store::lifecycle::{advance_closing_run, fail_abandoned_runs, Advance};
use store::runs::{self, declare_end, CreateRunError};

use super::{find_run, RunId};
use crate::actions;
use crate::app::AppState;
use crate::auth::{Ingest, IngestOrOps, Reader};
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery};
use crate::openapi::{BadRequest, Forbidden, Internal, PayloadTooLarge, Unauthorized, Unavailable};

/// Open a run
///
/// A full run is refused while another full run of the entity is not finished; one idle longer
/// than `DIS_RUN_IDLE_LIMIT` is failed first, so a crashed extractor's run does not hold the
/// entity.
#[utoipa::path(
    post,
    path = "/runs",
    tag = "runs",
    security(("ingest_key" = [])),
    request_body = NewRun,
    responses(
        (status = 201, description = "The run, open", body = RunView, links(
            ("ReadRun" = (operation_id = "get_run", parameters(("run_id" = "$response.body#/run_id")))),
            ("SendBatch" = (operation_id = "put_batch", parameters(("run_id" = "$response.body#/run_id")))),
            ("DeclareEnd" = (operation_id = "complete_run", parameters(("run_id" = "$response.body#/run_id")))),
            ("AbortRun" = (operation_id = "abort_run", parameters(("run_id" = "$response.body#/run_id")))),
            ("RejectedRecords" = (operation_id = "rejected_records", parameters(("run_id" = "$response.body#/run_id")))),
            ("SweepPlan" = (operation_id = "sweep_plan", parameters(("run_id" = "$response.body#/run_id")))),
            ("ApproveSweep" = (operation_id = "approve_sweep", parameters(("run_id" = "$response.body#/run_id")))),
            ("UndoSweep" = (operation_id = "undo_sweep", parameters(("run_id" = "$response.body#/run_id")))),
        )),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, description = "A full run of this entity is not finished yet (code `full_run_open`)", body = ErrorBody),
        (status = 413, response = PayloadTooLarge),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    )
)]
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

/// Read a run
#[utoipa::path(
    get,
    path = "/runs/{run_id}",
    tag = "runs",
    security(("ingest_key" = []), ("ops_key" = [])),
    params(RunId),
    responses(
        (status = 200, description = "The run", body = RunView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, description = "No run has this id (code `not_found`)", body = ErrorBody),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    )
)]
pub async fn get_run(
    Reader { app, .. }: Reader,
    ApiPath(run_id): ApiPath<i64>,
) -> Result<Json<RunView>, ApiError> {
    Ok(Json(find_run(&app, run_id).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunFilter {
    /// Only runs of this entity
    #[param(nullable = false)]
    entity: Option<Entity>,
    /// Only runs in this status
    #[param(nullable = false)]
    status: Option<RunStatus>,
    /// At most this many runs, newest first (default 50; below 1 counts as 1, above 500 as 500)
    #[param(nullable = false)]
    limit: Option<i64>,
}

/// List runs
///
/// The latest runs, newest first.
#[utoipa::path(
    get,
    path = "/runs",
    tag = "runs",
    security(("ingest_key" = []), ("ops_key" = [])),
    params(RunFilter),
    responses(
        (status = 200, description = "The runs", body = Vec<RunView>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    )
)]
pub async fn list_runs(
    Reader { app, .. }: Reader,
    ApiQuery(filter): ApiQuery<RunFilter>,
) -> Result<Json<Vec<RunView>>, ApiError> {
    let limit = filter.limit.unwrap_or(50).clamp(1, 500);
    Ok(Json(
        runs::list_runs(&app.pool, filter.entity, filter.status, limit).await?,
    ))
}

/// Declare a run's end
///
/// What the client sent in all: the run goes to `closing`, and on once every job is applied (a
/// full run then sweeps). Repeating the same declaration answers the same.
#[utoipa::path(
    post,
    path = "/runs/{run_id}/complete",
    tag = "runs",
    security(("ingest_key" = [])),
    params(RunId),
    request_body = DeclaredEnd,
    responses(
        (status = 202, description = "The run, `closing` or further on", body = RunView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, description = "No run has this id (code `not_found`)", body = ErrorBody),
        (status = 409, description = "The run is no longer open, and was not declared with these counts (code `run_not_open`)", body = ErrorBody),
        (status = 413, response = PayloadTooLarge),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    )
)]
// Moves the run to `closing` and tries to move it on at once: its last job may already be applied.
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

/// Abort a run
///
/// An open, closing or held run is aborted and never deletes anything. Aborting an aborted run
/// again answers the same.
#[utoipa::path(
    post,
    path = "/runs/{run_id}/abort",
    tag = "runs",
    security(("ingest_key" = []), ("ops_key" = [])),
    params(RunId),
    responses(
        (status = 200, description = "The run, aborted", body = RunView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, description = "No run has this id (code `not_found`)", body = ErrorBody),
        (status = 409, description = "The run is sweeping or finished otherwise (code `run_not_abortable`)", body = ErrorBody),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    )
)]
pub async fn abort_run(
    IngestOrOps { app, caller }: IngestOrOps,
    ApiPath(run_id): ApiPath<i64>,
) -> Result<Json<RunView>, ApiError> {
    Ok(Json(actions::abort_run(&app, run_id, &caller.name).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Page {
    /// At most this many records, in the order received (default 100; below 1 counts as 1,
    /// above 1000 as 1000)
    #[param(nullable = false)]
    limit: Option<i64>,
}

/// List a run's rejected records
///
/// The records of a run refused by validation or by the database, with every problem of each,
/// as they came.
#[utoipa::path(
    get,
    path = "/runs/{run_id}/rejected",
    tag = "runs",
    security(("ingest_key" = []), ("ops_key" = [])),
    params(RunId, Page),
    responses(
        (status = 200, description = "The rejected records", body = Vec<RejectedRecord>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, description = "No run has this id (code `not_found`)", body = ErrorBody),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    )
)]
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
