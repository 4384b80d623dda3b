//! Liveness and readiness probes: public on purpose, so that orchestrators need no key.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

use records::api::{Health, Readiness};

use crate::app::AppState;

/// The process is up.
pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
    })
}

/// MySQL and Redis both answer: the API can take work.
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
