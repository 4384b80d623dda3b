//! A stand-in for the ingest API that accepts everything at once, so that streaming measures the
//! extractor alone.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde_json::{json, Value};

#[derive(Default)]
struct Counts {
    records: AtomicU64,
    batches: AtomicU64,
}

#[derive(serde::Deserialize)]
struct Batch {
    records: Vec<serde::de::IgnoredAny>,
}

fn run_view(counts: &Counts, status: &str) -> Value {
    let records = counts.records.load(Ordering::Relaxed);
    json!({
        "run_id": 1, "entity": "influencers", "mode": "full", "status": status,
        "declared_batches": counts.batches.load(Ordering::Relaxed), "declared_records": records,
        "received_batches": counts.batches.load(Ordering::Relaxed), "received_records": records,
        "accepted_records": records, "rejected_records": 0, "loaded_records": records,
        "jobs_enqueued": 0, "jobs_applied": 0
    })
}

/// Serves the stub on a free port of 127.0.0.1; returns its base URL.
pub async fn start() -> anyhow::Result<String> {
    let counts = Arc::new(Counts::default());
    let app = Router::new()
        .route(
            "/v1/runs",
            post(|State(c): State<Arc<Counts>>| async move {
                (StatusCode::CREATED, Json(run_view(&c, "open")))
            }),
        )
        .route(
            "/v1/runs/{run_id}/batches/{seq}",
            put(
                |State(c): State<Arc<Counts>>, Json(batch): Json<Batch>| async move {
                    let n = batch.records.len() as u64;
                    c.records.fetch_add(n, Ordering::Relaxed);
                    c.batches.fetch_add(1, Ordering::Relaxed);
                    (
                        StatusCode::ACCEPTED,
                        Json(json!({"accepted": n, "rejected": 0, "jobs": 0, "errors": []})),
                    )
                },
            ),
        )
        .route(
            "/v1/runs/{run_id}/complete",
            post(|State(c): State<Arc<Counts>>| async move {
                (StatusCode::ACCEPTED, Json(run_view(&c, "closing")))
            }),
        )
        .route(
            "/v1/runs/{run_id}",
            get(|State(c): State<Arc<Counts>>| async move { Json(run_view(&c, "completed")) }),
        )
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024))
        .with_state(counts);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(url)
}
