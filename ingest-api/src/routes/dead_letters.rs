//! Dead letters for operators: list them and replay one onto the queue.

use apalis::prelude::{TaskBuilder, TaskSink};
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use queue::ApplyBatch;
use store::dead_letters::{get_dead_letter, list_dead_letters, mark_replayed, DeadLetter};

use crate::app::AppState;
use crate::auth::{Caller, Scope};
use crate::error::{ApiError, ApiPath, ApiQuery};

#[derive(Deserialize)]
pub struct Filter {
    pending: Option<bool>,
    limit: Option<i64>,
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(filter): ApiQuery<Filter>,
) -> Result<Json<Vec<DeadLetter>>, ApiError> {
    caller.require(&[Scope::Ops])?;
    let limit = filter.limit.unwrap_or(100).clamp(1, 1000);
    Ok(Json(
        list_dead_letters(&state.pool, filter.pending.unwrap_or(true), limit).await?,
    ))
}

/// Puts the job back on the queue once; its progress row still makes it apply at most once.
pub async fn replay(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    caller.require(&[Scope::Ops])?;
    let letter = get_dead_letter(&state.pool, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("dead letter {id} does not exist")))?;
    if letter.replayed_at.is_some() {
        return Err(ApiError::conflict(
            "already_replayed",
            format!("dead letter {id} was already replayed"),
        ));
    }
    let job: ApplyBatch = serde_json::from_str(&letter.payload).map_err(|e| {
        ApiError::conflict(
            "unreadable_payload",
            format!("dead letter {id} cannot be replayed: {e}"),
        )
    })?;
    let task = TaskBuilder::new(job)
        .idempotency_key(format!("{}-replay-{id}", letter.job_key))
        .build();
    state
        .applies
        .clone()
        .push_task(task)
        .await
        .map_err(|e| ApiError::Unavailable(format!("the queue is unavailable: {e}")))?;
    mark_replayed(&state.pool, id).await?;
    tracing::warn!(dead_letter_id = id, caller = %caller.name, "dead letter replayed");
    Ok(Json(json!({ "id": id, "replayed": true })))
}
