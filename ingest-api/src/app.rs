//! The API's state, its router and its server; `spawn`-able on port 0 for tests.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use axum::Router;
use sqlx::MySqlPool;
use tokio::net::TcpListener;

use queue::{
    apply_batch_storage, connect_redis, sweep_run_storage, ApplyBatchStorage, SweepRunStorage,
};
use startup::config::Settings;

use crate::auth::ApiKeys;
use crate::error::ApiError;
use crate::routes;

/// Everything a request handler needs. Cheap to clone: the pool and storages share connections.
#[derive(Clone)]
pub struct AppState {
    pub pool: MySqlPool,
    pub applies: ApplyBatchStorage,
    pub sweeps: SweepRunStorage,
    pub keys: Arc<ApiKeys>,
    /// The dashboard's sign-in and sessions.
    pub ops: Arc<crate::ops::OpsConfig>,
    pub redis: apalis_redis::ConnectionManager,
    pub sweep_max_share: f64,
    /// Open or closing runs idle this long are failed when a new run of their entity is asked for.
    pub run_idle_limit: std::time::Duration,
}

impl AppState {
    /// Connects to MySQL (bringing the schema up to date) and Redis.
    pub async fn connect(settings: &Settings) -> anyhow::Result<Self> {
        let keys =
            ApiKeys::parse(&settings.api_keys).map_err(|e| anyhow::anyhow!("DIS_API_KEYS: {e}"))?;
        if keys.is_empty() {
            tracing::warn!("DIS_API_KEYS is empty: every /v1 request will be refused with 401");
        }
        let pool = store::connect_and_migrate(&settings.mysql_url, 16).await?;
        let redis = connect_redis(&settings.redis_url).await?;
        Ok(Self {
            pool,
            applies: apply_batch_storage(redis.clone(), &settings.queue_namespace),
            sweeps: sweep_run_storage(redis.clone(), &settings.queue_namespace),
            keys: Arc::new(keys),
            ops: Arc::new(crate::ops::OpsConfig::load(&settings.queue_namespace)?),
            redis,
            sweep_max_share: settings.sweep_max_share,
            run_idle_limit: settings.run_idle_limit,
        })
    }
}

pub fn router(state: AppState, max_body_bytes: usize) -> Router {
    let v1 = Router::new()
        .route(
            "/runs",
            post(routes::runs::create_run).get(routes::runs::list_runs),
        )
        .route("/runs/{run_id}", get(routes::runs::get_run))
        .route(
            "/runs/{run_id}/batches/{seq}",
            put(routes::batches::put_batch),
        )
        .route("/runs/{run_id}/complete", post(routes::runs::complete_run))
        .route("/runs/{run_id}/abort", post(routes::runs::abort_run))
        .route(
            "/runs/{run_id}/rejected",
            get(routes::runs::rejected_records),
        )
        .route("/runs/{run_id}/sweep-plan", get(routes::sweep::sweep_plan))
        .route(
            "/runs/{run_id}/sweep/approve",
            post(routes::sweep::approve_sweep),
        )
        .route("/runs/{run_id}/sweep/undo", post(routes::sweep::undo))
        .route("/dead-letters", get(routes::dead_letters::list))
        .route(
            "/dead-letters/{id}/replay",
            post(routes::dead_letters::replay),
        );
    Router::new()
        .nest("/v1", v1)
        .nest("/ops", crate::ops::routes())
        .route("/healthz", get(routes::health::healthz))
        .route("/readyz", get(routes::health::readyz))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such route".into())
}

async fn method_not_allowed() -> (axum::http::StatusCode, axum::Json<serde_json::Value>) {
    (
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        axum::Json(
            serde_json::json!({ "error": { "code": "method_not_allowed", "message": "this route does not take that method" } }),
        ),
    )
}

/// Binds `settings.listen` (port 0 picks a free one) and serves until `shutdown` resolves.
pub async fn serve(
    settings: &Settings,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<(SocketAddr, tokio::task::JoinHandle<std::io::Result<()>>)> {
    let state = AppState::connect(settings).await?;
    let listener = TcpListener::bind(settings.listen).await?;
    let address = listener.local_addr()?;
    tracing::info!(%address, ?settings, "ingest API listening");
    let app = router(state, settings.max_body_bytes);
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
    });
    Ok((address, server))
}
