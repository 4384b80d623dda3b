//! Dead letters for operators: list them and replay one onto the queue.

use apalis::prelude::{TaskBuilder, TaskSink};
use axum::Json;
use serde::Deserialize;

use queue::ApplyBatch;
use records::api::{DeadLetter, ErrorCode, Replayed};
use store::dead_letters::{get_dead_letter, list_dead_letters, mark_replayed};

use crate::auth::Ops;
use crate::error::{ApiError, ApiPath, ApiQuery};

#[derive(Deserialize)]
pub struct Filter {
    pending: Option<bool>,
    limit: Option<i64>,
}

pub async fn list(
    Ops { app, .. }: Ops,
    ApiQuery(filter): ApiQuery<Filter>,
) -> Result<Json<Vec<DeadLetter>>, ApiError> {
    let limit = filter.limit.unwrap_or(100).clamp(1, 1000);
    let pending = filter.pending.unwrap_or(true);
    Ok(Json(list_dead_letters(&app.pool, pending, limit).await?))
}

/// Puts the job back on the queue once; its progress row still makes it apply at most once.
#[tracing::instrument(skip_all, fields(dead_letter_id = id))]
pub async fn replay(
    Ops { app, caller }: Ops,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Replayed>, ApiError> {
    let letter = get_dead_letter(&app.pool, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("dead letter {id} does not exist")))?;
    if letter.replayed_at.is_some() {
        return Err(ApiError::conflict(
            ErrorCode::AlreadyReplayed,
            format!("dead letter {id} was already replayed"),
        ));
    }
    let job: ApplyBatch = serde_json::from_str(&letter.payload).map_err(|e| {
        ApiError::conflict(
            ErrorCode::UnreadablePayload,
            format!("dead letter {id} cannot be replayed: {e}"),
        )
    })?;
    let task = TaskBuilder::new(job)
        .idempotency_key(format!("{}-replay-{id}", letter.job_key))
        .build();
    app.applies
        .clone()
        .push_task(task)
        .await
        .map_err(|e| ApiError::Unavailable(format!("the queue is unavailable: {e}")))?;
    mark_replayed(&app.pool, id).await?;
    tracing::warn!(caller = %caller.name, "dead letter replayed");
    Ok(Json(Replayed { id, replayed: true }))
}
