//! A stand-in for the ingest API that accepts everything at once, so that streaming measures the
//! extractor alone.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use records::api::{BatchReceipt, RunView};
use records::{Entity, RunMode, RunStatus};

#[derive(Default)]
struct Counts {
    records: AtomicU64,
    batches: AtomicU64,
}

#[derive(serde::Deserialize)]
struct Batch {
    records: Vec<serde::de::IgnoredAny>,
}

/// Run 1, with every record sent counted as received, accepted and loaded.
fn run_view(counts: &Counts, status: RunStatus) -> RunView {
    let count = |n: &AtomicU64| i64::try_from(n.load(Ordering::Relaxed)).unwrap_or(i64::MAX);
    let (records, batches) = (count(&counts.records), count(&counts.batches));
    let now = chrono::Utc::now().naive_utc();
    RunView {
        run_id: 1,
        entity: Entity::Influencers,
        mode: RunMode::Full,
        status,
        status_reason: None,
        declared_batches: Some(batches),
        declared_records: Some(records),
        received_batches: batches,
        received_records: records,
        accepted_records: records,
        rejected_records: 0,
        jobs_enqueued: 0,
        jobs_applied: 0,
        loaded_records: records,
        db_rejected_records: 0,
        new_records: Some(records),
        changed_records: Some(0),
        unchanged_records: Some(0),
        sweep_approved: false,
        swept_rows: 0,
        created_at: now,
        updated_at: now,
        finished_at: None,
    }
}

/// Serves the stub on a free port of 127.0.0.1; returns its base URL.
pub async fn start() -> anyhow::Result<String> {
    let counts = Arc::new(Counts::default());
    let app =
        Router::new()
            .route(
                "/v1/runs",
                post(|State(c): State<Arc<Counts>>| async move {
                    (StatusCode::CREATED, Json(run_view(&c, RunStatus::Open)))
                }),
            )
            .route(
                "/v1/runs/{run_id}/batches/{seq}",
                put(
                    |State(c): State<Arc<Counts>>,
                     Path((run_id, seq)): Path<(i64, u64)>,
                     Json(batch): Json<Batch>| async move {
                        let n = batch.records.len() as u64;
                        c.records.fetch_add(n, Ordering::Relaxed);
                        c.batches.fetch_add(1, Ordering::Relaxed);
                        let receipt = BatchReceipt {
                            run_id,
                            seq,
                            records: n,
                            accepted: n,
                            rejected: 0,
                            jobs: 0,
                            errors: Vec::new(),
                        };
                        (StatusCode::ACCEPTED, Json(receipt))
                    },
                ),
            )
            .route(
                "/v1/runs/{run_id}/complete",
                post(|State(c): State<Arc<Counts>>| async move {
                    (StatusCode::ACCEPTED, Json(run_view(&c, RunStatus::Closing)))
                }),
            )
            .route(
                "/v1/runs/{run_id}",
                get(|State(c): State<Arc<Counts>>| async move {
                    Json(run_view(&c, RunStatus::Completed))
                }),
            )
            .layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024))
            .with_state(counts);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(url)
}
