//! HTTP client of the ingest API's run protocol, retrying what is worth retrying.

mod errors;

use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use records::api::{BatchReceipt, DeclaredEnd, NewRun, RunView};
use records::{Entity, RunMode, RunStatus};
use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;

pub use errors::ApiError;
use errors::{excerpt, refusal, Replay};

/// How often and how patiently a request is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first one included.
    pub max_attempts: usize,
    /// Delay before the first retry; it doubles after each, with jitter.
    pub base_delay: Duration,
    /// Longest delay between two attempts, a server's `Retry-After` included.
    pub max_delay: Duration,
    /// Time one request may take before it counts as a timeout.
    pub request_timeout: Duration,
}

/// Attempts of a request by default: with delays from 0.2 s doubling up to 10 s (each up to twice
/// that with jitter), 12 ride out one to two minutes of an unavailable API, MySQL or Redis — a
/// restart, a failover — where 6 gave up after 6 to 12 s, leaving a run it could not abort either.
pub const DEFAULT_ATTEMPTS: usize = 12;

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: DEFAULT_ATTEMPTS,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            request_timeout: Duration::from_mins(1),
        }
    }
}

/// The ingest API as the extractor uses it. Cheap to clone; clones share connections.
#[derive(Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    base_url: String,
    token: String,
    retry: RetryPolicy,
}

// The token stays out of logs and panics.
impl std::fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiClient")
            .field("base_url", &self.base_url)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl ApiClient {
    /// A client of the API at `base_url` (such as `http://127.0.0.1:4100`) presenting `token`.
    pub fn new(base_url: impl Into<String>, token: impl Into<String>) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("dis-sync-extractor/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the HTTP client builds with rustls and no system configuration");
        Self {
            http,
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            token: token.into(),
            retry: RetryPolicy::default(),
        }
    }

    #[must_use]
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    pub fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    /// Opens a run (`POST /v1/runs`).
    pub async fn create_run(&self, entity: Entity, mode: RunMode) -> Result<RunView, ApiError> {
        let body = to_bytes(&NewRun { entity, mode });
        let path = "/v1/runs".to_owned();
        self.call(Method::POST, path, Some(body), Replay::CreatesSomething)
            .await
    }

    /// Sends batch `seq` (from 1) of a run (`PUT /v1/runs/{run_id}/batches/{seq}`).
    ///
    /// The body is serialized once, so every retry replays exactly the same bytes, which the API
    /// answers as the first time.
    pub async fn put_batch<R: Serialize>(
        &self,
        run_id: i64,
        seq: u64,
        records: &[R],
    ) -> Result<BatchReceipt, ApiError> {
        #[derive(Serialize)]
        struct Batch<'a, R> {
            records: &'a [R],
        }
        // Sized for a typical record up front: growing a 300 KB body by doubling copies it again
        // and again.
        let mut body = Vec::with_capacity(records.len() * 320);
        serde_json::to_writer(&mut body, &Batch { records }).expect("records serialize to JSON");
        let path = format!("/v1/runs/{run_id}/batches/{seq}");
        self.call(Method::PUT, path, Some(body), Replay::Safe).await
    }

    /// Declares the end of a run (`POST /v1/runs/{run_id}/complete`).
    ///
    /// When a retry meets a conflict because an earlier attempt got through, the run already holds
    /// the same declared counts, and that counts as success.
    pub async fn complete(
        &self,
        run_id: i64,
        batches: u64,
        records: u64,
    ) -> Result<RunView, ApiError> {
        let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        let body = DeclaredEnd {
            batches: count(batches),
            records: count(records),
        };
        let path = format!("/v1/runs/{run_id}/complete");
        match self
            .call(Method::POST, path, Some(to_bytes(&body)), Replay::Safe)
            .await
        {
            Err(refused) if refused.status() == Some(StatusCode::CONFLICT.as_u16()) => {
                match self.get_run(run_id).await {
                    Ok(run) if run.declared(batches, records) => Ok(run),
                    _ => Err(refused),
                }
            }
            answer => answer,
        }
    }

    /// Abandons a run so that nothing is ever swept for it (`POST /v1/runs/{run_id}/abort`).
    pub async fn abort(&self, run_id: i64) -> Result<RunView, ApiError> {
        let path = format!("/v1/runs/{run_id}/abort");
        match self.call(Method::POST, path, None, Replay::Safe).await {
            Err(refused) if refused.status() == Some(StatusCode::CONFLICT.as_u16()) => {
                match self.get_run(run_id).await {
                    Ok(run) if run.status == RunStatus::Aborted => Ok(run),
                    _ => Err(refused),
                }
            }
            answer => answer,
        }
    }

    /// Whether the API is ready to take runs (`GET /readyz`: its MySQL and Redis answer).
    pub async fn ready(&self) -> Result<(), ApiError> {
        let _: serde_json::Value = self
            .call(Method::GET, "/readyz".into(), None, Replay::Safe)
            .await?;
        Ok(())
    }

    /// Whether the API accepts the token, by reading the latest run (`GET /v1/runs?limit=1`).
    pub async fn check_token(&self) -> Result<(), ApiError> {
        let _: serde_json::Value = self
            .call(Method::GET, "/v1/runs?limit=1".into(), None, Replay::Safe)
            .await?;
        Ok(())
    }

    /// The newest runs of `entity`, newest first (`GET /v1/runs?entity=…&limit=…`).
    pub async fn recent_runs(&self, entity: Entity, limit: u32) -> Result<Vec<RunView>, ApiError> {
        let path = format!("/v1/runs?entity={entity}&limit={limit}");
        self.call(Method::GET, path, None, Replay::Safe).await
    }

    /// The status and counts of a run (`GET /v1/runs/{run_id}`).
    pub async fn get_run(&self, run_id: i64) -> Result<RunView, ApiError> {
        let path = format!("/v1/runs/{run_id}");
        self.call(Method::GET, path, None, Replay::Safe).await
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: String,
        body: Option<Vec<u8>>,
        replay: Replay,
    ) -> Result<T, ApiError> {
        let attempt = || self.attempt(&method, &path, body.as_deref());
        attempt
            .retry(self.backoff())
            .when(|error| error.worth_retrying(replay))
            .adjust(|error, delay| {
                // A server that says when to come back knows better than the backoff.
                delay.map(|d| {
                    error
                        .retry_after()
                        .map_or(d, |after| after.max(d))
                        .min(self.retry.max_delay)
                })
            })
            .notify(|error, delay| tracing::warn!(%error, ?delay, "retrying"))
            .await
    }

    fn backoff(&self) -> ExponentialBuilder {
        ExponentialBuilder::default()
            .with_min_delay(self.retry.base_delay)
            .with_max_delay(self.retry.max_delay)
            .with_max_times(self.retry.max_attempts.saturating_sub(1))
            .with_jitter()
    }

    async fn attempt<T: DeserializeOwned>(
        &self,
        method: &Method,
        path: &str,
        body: Option<&[u8]>,
    ) -> Result<T, ApiError> {
        let request = format!("{method} {path}");
        let mut builder = self
            .http
            .request(method.clone(), format!("{}{path}", self.base_url))
            .bearer_auth(&self.token)
            .timeout(self.retry.request_timeout);
        if let Some(body) = body {
            builder = builder
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_vec());
        }
        let transport = |source| ApiError::Transport {
            request: request.clone(),
            source,
        };
        let response = builder.send().await.map_err(transport)?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.map_err(transport)?;
        if !status.is_success() {
            return Err(refusal(request, status, &headers, &bytes));
        }
        serde_json::from_slice(&bytes).map_err(|e| ApiError::UnexpectedAnswer {
            request,
            detail: format!("{e} in {}", excerpt(&bytes)),
        })
    }
}

fn to_bytes<T: Serialize>(value: &T) -> Vec<u8> {
    // Requests and records always serialize; a failure would be a bug in a Serialize impl.
    serde_json::to_vec(value).expect("records serialize to JSON")
}
