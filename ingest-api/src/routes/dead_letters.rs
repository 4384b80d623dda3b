//! Dead letters for operators: list them and replay one onto the queue.

use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;

use records::api::{DeadLetter, ErrorBody, Replayed};
use store::dead_letters::list_dead_letters;

use crate::actions;
use crate::auth::Ops;
use crate::error::{ApiError, ApiPath, ApiQuery};
use crate::openapi::{BadRequest, Forbidden, Internal, Unauthorized, Unavailable};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Filter {
    /// Only those not replayed yet (the default), or only those replayed
    #[param(nullable = false)]
    pending: Option<bool>,
    /// At most this many, newest first (default 100; below 1 counts as 1, above 1000 as 1000)
    #[param(nullable = false)]
    limit: Option<i64>,
}

/// List dead letters
///
/// Jobs that failed for good, newest first, each with its last error and its payload.
#[utoipa::path(
    get,
    path = "/dead-letters",
    tag = "dead letters",
    operation_id = "list_dead_letters",
    security(("ops_key" = [])),
    params(Filter),
    responses(
        (status = 200, description = "The dead letters", body = Vec<DeadLetter>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    )
)]
pub async fn list(
    Ops { app, .. }: Ops,
    ApiQuery(filter): ApiQuery<Filter>,
) -> Result<Json<Vec<DeadLetter>>, ApiError> {
    let limit = filter.limit.unwrap_or(100).clamp(1, 1000);
    let pending = filter.pending.unwrap_or(true);
    Ok(Json(list_dead_letters(&app.pool, pending, limit).await?))
}

/// Replay a dead letter
///
/// Puts its job back on the queue, once; the job's progress row still makes it apply at most
/// once.
#[utoipa::path(
    post,
    path = "/dead-letters/{id}/replay",
    tag = "dead letters",
    operation_id = "replay_dead_letter",
    security(("ops_key" = [])),
    params(("id" = i64, Path, description = "The dead letter's id")),
    responses(
        (status = 200, description = "The job is back on the queue", body = Replayed),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, description = "No dead letter has this id (code `not_found`)", body = ErrorBody),
        (status = 409, description = "The dead letter was already replayed (code `already_replayed`), or its job cannot be read by this version (code `unreadable_payload`)", body = ErrorBody),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    )
)]
#[tracing::instrument(skip_all, fields(dead_letter_id = id))]
pub async fn replay(
    Ops { app, caller }: Ops,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Replayed>, ApiError> {
    actions::replay_dead_letter(&app, id, &caller.name).await?;
    Ok(Json(Replayed { id, replayed: true }))
}
