//! The worker's own HTTP listener (`DIS_METRICS_LISTEN`): `/healthz` for container and Kubernetes
//! probes. The worker serves nothing else over HTTP.

use std::future::Future;

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::net::TcpListener;

/// The routes of the worker's listener. `/metrics` (Prometheus) belongs here too.
pub fn router() -> Router {
    Router::new().route("/healthz", get(healthz))
}

/// The process is up and serving.
async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Serves [`router`] on `listener` until `stop` resolves.
pub async fn serve(
    listener: TcpListener,
    stop: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router())
        .with_graceful_shutdown(stop)
        .await
}
