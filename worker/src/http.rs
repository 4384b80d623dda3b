//! The worker's own HTTP listener (`DIS_METRICS_LISTEN`): `/healthz` for container and Kubernetes
//! probes, `/metrics` for Prometheus (this process's jobs and sweeps; the queue's and the runs'
//! gauges are the API's, so that a scrape of every process counts each once).

use std::future::Future;

use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::net::TcpListener;

/// The routes of the worker's listener.
pub fn router() -> Router {
    startup::metrics::install();
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
}

/// The process is up and serving.
async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// This process's series, in Prometheus's text format.
async fn metrics() -> impl IntoResponse {
    (
        [(CONTENT_TYPE, startup::metrics::CONTENT_TYPE)],
        startup::metrics::render(),
    )
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
