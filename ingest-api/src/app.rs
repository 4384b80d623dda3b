//! The API's state, its router and its server; `spawn`-able on port 0 for tests.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::extract::DefaultBodyLimit;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use sqlx::MySqlPool;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use utoipa::openapi::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use queue::{apply_batch_storage, sweep_run_storage, ApplyBatchStorage, SweepRunStorage};

use records::api::ErrorCode;

use crate::auth::{ApiKeys, V1State};
use crate::error::{error_response, ApiError};
use crate::ops::OpsState;
use crate::routes;
use crate::settings::Settings;

/// Everything a request handler needs. Cheap to clone: the pool and storages share connections.
#[derive(Clone)]
pub struct AppState {
    pub pool: MySqlPool,
    pub applies: ApplyBatchStorage,
    pub sweeps: SweepRunStorage,
    pub keys: Arc<ApiKeys>,
    pub redis: apalis_redis::ConnectionManager,
    pub sweep_max_share: f64,
    /// Open or closing runs idle this long are failed when a new run of their entity is asked for.
    pub run_idle_limit: std::time::Duration,
}

impl AppState {
    /// Connects to Redis, then to MySQL (bringing the schema up to date, or checking it is, as
    /// `DIS_MIGRATE` says). Redis first: a wrong Redis is reported before anything touches MySQL.
    pub async fn connect(settings: &Settings) -> anyhow::Result<Self> {
        if settings.api_keys.is_empty() {
            tracing::warn!("DIS_API_KEYS is empty: every /v1 request will be refused with 401");
        }
        let redis = settings.redis.connect().await?;
        let schema = store::Schema::from_setting(settings.migrate);
        let pool = store::open(&settings.mysql, 16, schema).await?;
        let namespace = &settings.redis.namespace;
        Ok(Self {
            pool,
            applies: apply_batch_storage(redis.clone(), namespace),
            sweeps: sweep_run_storage(redis.clone(), namespace),
            keys: Arc::new(settings.api_keys.clone()),
            redis,
            sweep_max_share: settings.sweep_max_share,
            run_idle_limit: settings.run_idle_limit,
        })
    }
}

/// Where the run protocol's routes live.
pub const V1: &str = "/v1";

/// The `/v1` routes with their operations in the OpenAPI document, from one list. Their handlers
/// reach the state only through an extractor that checks the caller's scope (see
/// [`crate::auth`]).
fn v1_api() -> OpenApiRouter<V1State> {
    use routes::{batches, dead_letters, runs, sweep};
    OpenApiRouter::new()
        .routes(routes!(runs::create_run, runs::list_runs))
        .routes(routes!(runs::get_run))
        .routes(routes!(batches::put_batch))
        .routes(routes!(runs::complete_run))
        .routes(routes!(runs::abort_run))
        .routes(routes!(runs::rejected_records))
        .routes(routes!(sweep::sweep_plan))
        .routes(routes!(sweep::approve_sweep))
        .routes(routes!(sweep::undo))
        .routes(routes!(dead_letters::list))
        .routes(routes!(dead_letters::replay))
}

/// The routes open to everyone, with their operations: probes, metrics, the document itself.
fn public_api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(routes::health::healthz))
        .routes(routes!(routes::health::readyz))
        .routes(routes!(crate::metrics::metrics))
        .routes(routes!(crate::openapi::openapi_json))
}

/// The operations of the `/v1` routes (paths relative to [`V1`]) and of the public ones, for
/// [`crate::openapi::document`].
pub(crate) fn api_documents() -> (OpenApi, OpenApi) {
    (v1_api().into_openapi(), public_api().into_openapi())
}

/// Every `/v1` path the API serves, for the test that checks each route's scope.
pub fn v1_paths() -> Vec<String> {
    v1_api()
        .into_openapi()
        .paths
        .paths
        .into_keys()
        .map(|path| format!("{V1}{path}"))
        .collect()
}

/// Everything the API serves: the documented routes (the two lists above), and the dashboard and
/// the document's page, which alone are not in the document.
pub fn router(state: AppState, settings: &Settings) -> Router {
    let max_body_bytes = settings.max_body_bytes;
    let ops = OpsState::new(state.clone(), &settings.ops, &settings.redis.namespace);
    let (v1, _) = v1_api().split_for_parts();
    let (public, _) = public_api().split_for_parts();
    Router::new()
        .nest(
            V1,
            v1.with_state(V1State::new(state.clone(), max_body_bytes)),
        )
        .nest("/ops", crate::ops::routes(ops))
        .merge(public.with_state(state))
        .merge(crate::openapi::docs_page())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .layer(axum::middleware::from_fn(crate::metrics::track))
        .layer(tower_http::trace::TraceLayer::new_for_http())
}

/// What `DIS_METRICS_LISTEN` serves: `/metrics` alone, for a scraper that must not reach the API.
fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(crate::metrics::metrics))
        .with_state(state)
}

async fn bind(address: SocketAddr, setting: &str) -> anyhow::Result<TcpListener> {
    TcpListener::bind(address)
        .await
        .with_context(|| format!("could not listen on {address} ({setting})"))
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such route".into())
}

async fn method_not_allowed() -> Response {
    error_response(
        ErrorCode::MethodNotAllowed,
        "this route does not take that method".into(),
    )
}

/// Binds `settings.listen` (port 0 picks a free one), and `settings.metrics_listen` when set, and
/// serves until `shutdown` resolves; then it stops accepting and finishes the requests in flight.
pub async fn serve(
    settings: &Settings,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<(SocketAddr, tokio::task::JoinHandle<std::io::Result<()>>)> {
    let listener = bind(settings.listen, "DIS_LISTEN").await?;
    let metrics_listener = match settings.metrics_listen {
        Some(address) => Some(bind(address, "DIS_METRICS_LISTEN").await?),
        None => None,
    };
    startup::metrics::install();
    let state = AppState::connect(settings).await?;
    let address = listener.local_addr()?;
    tracing::info!(%address, ?settings, "ingest API listening");
    let stopping = CancellationToken::new();
    let metrics_server = match metrics_listener {
        Some(listener) => {
            tracing::info!(address = %listener.local_addr()?, "serving /metrics");
            let stop = stopping.clone().cancelled_owned();
            let app = metrics_router(state.clone());
            Some(tokio::spawn(async move {
                axum::serve(listener, app)
                    .with_graceful_shutdown(stop)
                    .await
            }))
        }
        None => None,
    };
    let app = router(state, settings);
    let server = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await;
        stopping.cancel();
        if let Some(metrics) = metrics_server {
            let _ = metrics.await;
        }
        served
    });
    Ok((address, server))
}

/// Serves until `stop` resolves (SIGTERM or Ctrl-C in the binary), then stops accepting and
/// gives the requests in flight `settings.shutdown_timeout` to finish; a stop is not a failure.
pub async fn run(
    settings: &Settings,
    stop: impl std::future::Future<Output = &'static str>,
) -> anyhow::Result<()> {
    let stopping = CancellationToken::new();
    let (_, mut server) = serve(settings, stopping.clone().cancelled_owned()).await?;
    let signal = tokio::select! {
        ended = &mut server => return Ok(ended??),
        signal = stop => signal,
    };
    let limit = settings.shutdown_timeout;
    tracing::info!(signal, limit = %humantime::format_duration(limit), "stopping: no new connections; finishing the requests in flight");
    stopping.cancel();
    if let Ok(ended) = tokio::time::timeout(limit, &mut server).await {
        ended??;
    } else {
        server.abort();
        tracing::warn!(limit = %humantime::format_duration(limit),
            "requests still in flight when the limit ran out (DIS_SHUTDOWN_TIMEOUT); their clients retry");
    }
    tracing::info!("stopped");
    Ok(())
}
