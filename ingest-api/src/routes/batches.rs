//! `PUT /v1/runs/{run_id}/batches/{seq}`: idempotent receipt of one batch of records.

use apalis::prelude::{TaskBuilder, TaskSink};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures::stream;
use sha2::{Digest, Sha256};

use queue::ApplyBatch;
use records::api::{BatchReceipt, ErrorBody, ErrorCode};
use records::RunStatus;
use store::batches::{file_pending_batch, find_batch, mark_batch_enqueued, StoredBatch};
use store::runs::{get_run_head, RunHead};

use super::runs::advance_and_follow_up;
use super::RunId;
use crate::app::AppState;
use crate::auth::{BodyLimit, Ingest};
use crate::error::{ApiError, ApiPath};
use crate::events::BatchReceived;
use crate::intake::{take_in, BatchBody, Intake};
use crate::openapi::{BadRequest, Forbidden, Internal, PayloadTooLarge, Unauthorized, Unavailable};

fn stored_answer(stored: &StoredBatch) -> Response {
    (
        StatusCode::ACCEPTED,
        [("content-type", "application/json")],
        stored.response.clone(),
    )
        .into_response()
}

fn check_accepting(run: &RunHead, seq: i64) -> Result<(), ApiError> {
    match run.status {
        RunStatus::Open => Ok(()),
        RunStatus::Closing if seq <= run.declared_batches.unwrap_or(0) => Ok(()),
        status => Err(ApiError::conflict(
            ErrorCode::RunNotAccepting,
            format!(
                "run {} is {} and does not accept batch {seq}",
                run.run_id,
                status.as_str()
            ),
        )),
    }
}

/// Send one batch of a run's records
///
/// Checks each record, queues the valid ones in jobs of at most 100, and answers what became of
/// each. Safe to repeat: the same body answers the same. A `closing` run still takes the batches
/// its declared end counts.
#[utoipa::path(
    put,
    path = "/runs/{run_id}/batches/{seq}",
    tag = "runs",
    security(("ingest_key" = [])),
    params(
        RunId,
        ("seq" = i64, Path, minimum = 1, description = "The batch's number in its run, from 1"),
    ),
    request_body = BatchBody,
    responses(
        (status = 202, description = "The batch is taken: its valid records are queued, the others listed", body = BatchReceipt),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, description = "No run has this id (code `not_found`)", body = ErrorBody),
        (status = 409, description = "This batch number was received with another body (code `batch_conflict`), or the run takes no more batches, or not this number (code `run_not_accepting`)", body = ErrorBody),
        (status = 413, response = PayloadTooLarge),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    )
)]
// Files, enqueues and acknowledges the batch. A batch whose enqueue failed half-way is enqueued
// again (the queue drops jobs it already holds).
#[tracing::instrument(skip_all, fields(run_id = run_id, seq = seq))]
pub async fn put_batch(
    Ingest { app, .. }: Ingest,
    BodyLimit(limit): BodyLimit,
    ApiPath((run_id, seq)): ApiPath<(i64, i64)>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(|e| ApiError::unreadable_body(e, limit))?;
    if seq < 1 {
        return Err(ApiError::BadRequest("batch numbers start at 1".into()));
    }
    let run = get_run_head(&app.pool, run_id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("run {run_id} does not exist")))?;
    let body_sha256 = hex::encode(Sha256::digest(&body));
    let stored = find_batch(&app.pool, run_id, seq).await?;
    if let Some(stored) = &stored {
        if stored.body_sha256 != body_sha256 {
            return Err(ApiError::conflict(
                ErrorCode::BatchConflict,
                format!("batch {seq} of run {run_id} was already received with a different body"),
            ));
        }
        if stored.enqueued {
            return Ok(stored_answer(stored));
        }
    } else {
        check_accepting(&run, seq)?;
    }
    let mut intake = take_in(&body, &run, seq)?;
    let response =
        serde_json::to_string(&intake.receipt).map_err(|e| ApiError::Internal(e.into()))?;
    if stored.is_none() {
        file(&app, &run, seq, &body_sha256, &intake, &response).await?;
    }
    enqueue(&app, std::mem::take(&mut intake.jobs)).await?;
    if mark_batch_enqueued(&app.pool, run_id, seq).await? {
        let receipt = &intake.receipt;
        BatchReceived {
            run_id,
            seq,
            entity: run.entity,
            records: receipt.records,
            accepted: receipt.accepted,
            rejected: receipt.rejected,
            jobs: receipt.jobs,
        }
        .emit();
    }
    if run.status == RunStatus::Closing {
        advance_and_follow_up(&app, run_id).await?;
    }
    Ok((
        StatusCode::ACCEPTED,
        [("content-type", "application/json")],
        response,
    )
        .into_response())
}

/// Files a new batch as pending, with its rejected records and its answer. A concurrent request
/// with the same number that won the race is fine if its body was the same: this one is then
/// answered as a replay of it.
async fn file(
    app: &AppState,
    run: &RunHead,
    seq: i64,
    body_sha256: &str,
    intake: &Intake,
    response: &str,
) -> Result<(), ApiError> {
    let run_id = run.run_id;
    let filed = file_pending_batch(
        &app.pool,
        run_id,
        run.entity,
        seq,
        body_sha256,
        intake.counts(),
        &intake.rejections,
        response,
    )
    .await?;
    if filed {
        return Ok(());
    }
    let winner = find_batch(&app.pool, run_id, seq)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("batch vanished")))?;
    if winner.body_sha256 != body_sha256 {
        return Err(ApiError::conflict(
            ErrorCode::BatchConflict,
            format!("batch {seq} of run {run_id} was received with a different body"),
        ));
    }
    Ok(())
}

/// Pushes every job of the batch in one pipelined write, each with its idempotency key. The jobs
/// are moved into their tasks, not copied: they hold every record of the batch.
async fn enqueue(app: &AppState, jobs: Vec<ApplyBatch>) -> Result<(), ApiError> {
    if jobs.is_empty() {
        return Ok(());
    }
    let tasks: Vec<_> = jobs
        .into_iter()
        .map(|job| {
            let key = job.key();
            TaskBuilder::new(job).idempotency_key(key).build()
        })
        .collect();
    let mut storage = app.applies.clone();
    storage
        .push_all(&mut stream::iter(tasks))
        .await
        .map_err(|e| {
            ApiError::Unavailable(format!(
                "the queue is unavailable, the batch was not taken; retry it: {e}"
            ))
        })
}
