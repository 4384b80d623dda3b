//! Liveness and readiness probes.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use crate::app::AppState;

/// The process is up.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// MySQL and Redis both answer: the API can take work.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let mysql = sqlx::query("SELECT 1").execute(&state.pool).await.is_ok();
    let mut conn = state.redis.clone();
    let redis = redis_ping(&mut conn).await;
    let status = if mysql && redis {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(json!({ "mysql": mysql, "redis": redis })))
}

async fn redis_ping(conn: &mut apalis_redis::ConnectionManager) -> bool {
    redis::cmd("PING").query_async::<String>(conn).await.is_ok()
}
