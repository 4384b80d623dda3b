//! Test harness: the real API and workers on port 0, against a fresh MariaDB database and a fresh
//! Redis namespace per test, all removed again when the test ends (even when it fails).

pub mod child;
pub mod proxy;
pub mod scratch;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use sqlx::MySqlPool;
use tokio::sync::oneshot;

pub const INGEST_TOKEN: &str = "ingest-token-for-tests";
pub const OPS_TOKEN: &str = "ops-token-for-tests";

/// The MariaDB server tests use; `DIS_TEST_MYSQL_URL` overrides it (no database in the URL).
pub fn test_server_url() -> String {
    std::env::var("DIS_TEST_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
}

pub fn test_redis_url() -> String {
    std::env::var("DIS_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

fn unique_suffix() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

/// What one test's API and workers read, built in code rather than from the environment.
#[derive(Debug, Clone)]
pub struct TestSettings {
    pub mysql_url: String,
    pub redis_url: String,
    pub queue_namespace: String,
    pub listen: SocketAddr,
    pub api_keys: String,
    pub worker_concurrency: usize,
    pub max_body_bytes: usize,
}

impl TestSettings {
    /// The API's settings.
    pub fn api(&self) -> ingest_api::Settings {
        ingest_api::Settings {
            listen: self.listen,
            mysql: store::MySqlSettings::new(&self.mysql_url),
            migrate: true,
            redis: queue::RedisSettings::new(&self.redis_url, &self.queue_namespace),
            api_keys: ingest_api::auth::ApiKeys::parse(&self.api_keys).expect("test keys parse"),
            max_body_bytes: self.max_body_bytes,
            sweep_max_share: 0.05,
            run_idle_limit: Duration::from_hours(2),
            shutdown_timeout: Duration::from_secs(5),
        }
    }

    /// A worker process's settings; its HTTP listener, unused in tests, on a free port.
    pub fn worker(&self) -> worker::Settings {
        worker::Settings {
            metrics_listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            mysql: store::MySqlSettings::new(&self.mysql_url),
            migrate: true,
            redis: queue::RedisSettings::new(&self.redis_url, &self.queue_namespace),
            concurrency: self.worker_concurrency,
            job_attempts: 5,
            sweep_max_share: 0.05,
            run_idle_limit: Duration::from_hours(2),
            shutdown_timeout: Duration::from_secs(5),
        }
    }
}

/// Settings for one test: its own database and queue namespace, both keys.
pub fn test_settings() -> TestSettings {
    let suffix = unique_suffix();
    TestSettings {
        mysql_url: format!("{}/dis_test_{suffix}", test_server_url()),
        redis_url: test_redis_url(),
        queue_namespace: format!("dis-test-{suffix}"),
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        api_keys: format!(
            "tests:ingest:{},operator:ops:{}",
            ingest_api::hash_token(INGEST_TOKEN),
            ingest_api::hash_token(OPS_TOKEN)
        ),
        worker_concurrency: 4,
        max_body_bytes: 16 * 1024 * 1024,
    }
}

/// A running API (and, unless asked otherwise, workers) for one test.
pub struct TestApp {
    pub address: SocketAddr,
    pub pool: MySqlPool,
    pub settings: TestSettings,
    pub http: reqwest::Client,
    stop_api: Option<oneshot::Sender<()>>,
    stop_workers: Vec<oneshot::Sender<()>>,
}

impl TestApp {
    /// API and workers.
    pub async fn spawn() -> Self {
        Self::spawn_with(test_settings(), true).await
    }

    /// API only: jobs stay in the queue until [`TestApp::start_workers`].
    pub async fn spawn_without_workers() -> Self {
        Self::spawn_with(test_settings(), false).await
    }

    pub async fn spawn_with(settings: TestSettings, workers: bool) -> Self {
        // Logs only when asked for (RUST_LOG=worker=warn, say): the API's and workers' own lines.
        if let Ok(filter) = std::env::var("RUST_LOG") {
            let _ = startup::telemetry::init(startup::LogFormat::Text, &filter);
        }
        let (stop_api, stopped) = oneshot::channel::<()>();
        let (address, _server) = ingest_api::serve(&settings.api(), async {
            let _ = stopped.await;
        })
        .await
        .expect("the API starts");
        let pool = MySqlPool::connect(&settings.mysql_url)
            .await
            .expect("the test database exists");
        let mut app = Self {
            address,
            pool,
            settings,
            http: reqwest::Client::new(),
            stop_api: Some(stop_api),
            stop_workers: Vec::new(),
        };
        if workers {
            app.start_workers();
        }
        app
    }

    /// Starts a worker process's workers; each call adds one more, as a second host would.
    pub fn start_workers(&mut self) {
        let (stop, stopped) = oneshot::channel::<()>();
        let settings = self.settings.worker();
        tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
                Ok(())
            };
            if let Err(e) = worker::run_workers(&settings, shutdown).await {
                eprintln!("workers stopped with an error: {e:?}");
            }
        });
        self.stop_workers.push(stop);
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Sends `method path` with `token` and an optional JSON body; returns the status and JSON body.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut request = self.http.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("the API answers");
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn create_run(&self, entity: &str, mode: &str) -> i64 {
        let (status, body) = self
            .call(
                reqwest::Method::POST,
                "/v1/runs",
                Some(INGEST_TOKEN),
                Some(&serde_json::json!({"entity": entity, "mode": mode})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body["run_id"].as_i64().expect("a run id")
    }

    pub async fn put_batch(&self, run_id: i64, seq: i64, records: &[Value]) -> (u16, Value) {
        let body = serde_json::json!({ "records": records });
        self.call(
            reqwest::Method::PUT,
            &format!("/v1/runs/{run_id}/batches/{seq}"),
            Some(INGEST_TOKEN),
            Some(&body),
        )
        .await
    }

    pub async fn complete(&self, run_id: i64, batches: i64, records: i64) -> (u16, Value) {
        let body = serde_json::json!({ "batches": batches, "records": records });
        self.call(
            reqwest::Method::POST,
            &format!("/v1/runs/{run_id}/complete"),
            Some(INGEST_TOKEN),
            Some(&body),
        )
        .await
    }

    pub async fn run(&self, run_id: i64) -> Value {
        self.call(
            reqwest::Method::GET,
            &format!("/v1/runs/{run_id}"),
            Some(INGEST_TOKEN),
            None,
        )
        .await
        .1
    }

    /// Waits until the run reaches one of `statuses` (panics after `timeout`).
    pub async fn wait_for_status(
        &self,
        run_id: i64,
        statuses: &[&str],
        timeout: Duration,
    ) -> Value {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let run = self.run(run_id).await;
            if statuses.contains(&run["status"].as_str().unwrap_or("")) {
                return run;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "run {run_id} did not reach {statuses:?}: {run}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        for stop in self.stop_workers.drain(..) {
            let _ = stop.send(());
        }
        if let Some(stop) = self.stop_api.take() {
            let _ = stop.send(());
        }
        let mysql_url = self.settings.mysql_url.clone();
        let redis_url = self.settings.redis_url.clone();
        let namespace = self.settings.queue_namespace.clone();
        // Cleanup runs on its own runtime so it also happens when the test panicked.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(cleanup(&mysql_url, &redis_url, &namespace));
        })
        .join();
    }
}

async fn cleanup(mysql_url: &str, redis_url: &str, namespace: &str) {
    // Best effort: a test that failed must still not leave its database or keys behind.
    let _ = store::drop_database(mysql_url).await;
    let _ = queue::clear_namespace(redis_url, namespace).await;
}

/// A valid influencer record as an integrator would post it.
pub fn influencer(erp_id: i64, name: &str, updated_at: &str) -> Value {
    serde_json::json!({
        "erp_id": erp_id, "name": name, "handle": format!("@user{erp_id}"), "email": format!("user{erp_id}@example.com.br"),
        "phone": "+55 11 91234-5678", "platform": "instagram", "followers": 1000 + erp_id, "document": "52998224725",
        "city": "São Paulo", "state": "SP", "status": "active", "source_updated_at": updated_at
    })
}

/// A valid contract record.
pub fn contract(erp_id: i64, influencer_erp_id: i64, amount: &str) -> Value {
    serde_json::json!({
        "erp_id": erp_id, "influencer_erp_id": influencer_erp_id, "campaign": "Verão Ação", "amount": amount,
        "currency": "BRL", "starts_on": "2026-01-01", "ends_on": "2026-03-31", "status": "active",
        "source_updated_at": "2026-11-27T10:00:00.123456Z"
    })
}

/// Influencers `1..=n`, all valid, stamped with `updated_at`.
pub fn influencers(keys: impl IntoIterator<Item = i64>, updated_at: &str) -> Vec<Value> {
    keys.into_iter()
        .map(|k| influencer(k, &format!("Pessoa {k}"), updated_at))
        .collect()
}

impl TestApp {
    /// A whole run: create, post `batches` (numbered from 1), declare the true counts, wait until
    /// the run is final or held.
    pub async fn full_run(&self, entity: &str, batches: &[Vec<Value>]) -> Value {
        let run_id = self.create_run(entity, "full").await;
        let mut records = 0;
        for (seq, batch) in batches.iter().enumerate() {
            let (status, body) = self.put_batch(run_id, seq as i64 + 1, batch).await;
            assert_eq!(status, 202, "{body}");
            records += batch.len() as i64;
        }
        let (status, body) = self.complete(run_id, batches.len() as i64, records).await;
        assert_eq!(status, 202, "{body}");
        self.wait_for_status(
            run_id,
            &["completed", "held", "failed", "aborted"],
            Duration::from_mins(1),
        )
        .await
    }

    /// The run's nonce, which every job of the run carries (the API does not show it).
    pub async fn nonce(&self, run_id: i64) -> String {
        sqlx::query_scalar("SELECT nonce FROM sync_runs WHERE id = ?")
            .bind(run_id)
            .fetch_one(&self.pool)
            .await
            .expect("the run exists")
    }

    pub async fn influencer_keys(&self) -> Vec<i64> {
        sqlx::query_scalar("SELECT erp_id FROM influencers ORDER BY erp_id")
            .fetch_all(&self.pool)
            .await
            .expect("keys")
    }
}
