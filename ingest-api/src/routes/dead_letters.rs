//! Dead letters for operators: list them and replay one onto the queue.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use store::dead_letters::{list_dead_letters, DeadLetter};

use crate::actions;
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
    actions::replay_dead_letter(&state, id, &caller.name).await?;
    Ok(Json(json!({ "id": id, "replayed": true })))
}
