//! Liveness and readiness probes: public on purpose, so that orchestrators need no key.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

use records::api::{Health, Readiness};

use crate::app::AppState;

/// Liveness: the process is up
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "service",
    responses((status = 200, description = "The process is up", body = Health))
)]
pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
    })
}

/// Readiness: MySQL and Redis both answer
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "service",
    responses(
        (status = 200, description = "MySQL and Redis both answer", body = Readiness),
        (status = 503, description = "MySQL or Redis does not answer; the body says which", body = Readiness),
    )
)]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let mysql = store::ping(&state.pool).await;
    let redis = queue::ping(&mut state.redis.clone()).await;
    let status = if mysql && redis {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(Readiness { mysql, redis }))
}
