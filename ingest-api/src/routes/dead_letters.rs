//! Dead letters for operators: list them and replay one onto the queue.

use axum::Json;
use serde::Deserialize;

use records::api::{DeadLetter, Replayed};
use store::dead_letters::list_dead_letters;

use crate::actions;
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
    actions::replay_dead_letter(&app, id, &caller.name).await?;
    Ok(Json(Replayed { id, replayed: true }))
}
