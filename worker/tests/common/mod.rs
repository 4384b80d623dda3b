//! What the binary's tests share: running it as a child process, a database and queue namespace
//! of each test's own, an API to feed the queue, and a MySQL that can be cut (the same files as
//! the end-to-end tests' harness).

#![allow(dead_code)] // each test file uses its part

#[path = "../../../tests/src/child.rs"]
pub mod child;
#[path = "../../../tests/src/proxy.rs"]
pub mod proxy;
#[path = "../../../tests/src/scrape.rs"]
pub mod scrape;
#[path = "../../../tests/src/scratch.rs"]
pub mod scratch;

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::oneshot;

#[allow(unused_imports)] // each test file uses its part
pub use scratch::{closed_port, pairs, redis_url, refusing_port, server_url, Scratch};

pub const BIN: &str = env!("CARGO_BIN_EXE_worker");
pub const TOKEN: &str = "worker-test-token";

/// The API, in this process, on the scratch database and namespace.
pub struct Api {
    pub address: SocketAddr,
    http: reqwest::Client,
    _stop: oneshot::Sender<()>,
}

impl Api {
    pub async fn start(scratch: &Scratch) -> Self {
        let settings = ingest_api::Settings {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            metrics_listen: None,
            mysql: store::MySqlSettings::new(&scratch.mysql_url),
            migrate: true,
            redis: queue::RedisSettings::new(redis_url(), &scratch.namespace),
            api_keys: ingest_api::auth::ApiKeys::parse(&format!(
                "tests:ingest:{}",
                ingest_api::hash_token(TOKEN)
            ))
            .expect("the key parses"),
            ops: ingest_api::ops::OpsConfig::default(),
            max_body_bytes: 64 * 1024 * 1024,
            sweep_max_share: 0.05,
            run_idle_limit: Duration::from_hours(2),
            shutdown_timeout: Duration::from_secs(5),
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let (address, _) = ingest_api::serve(&settings, async {
            let _ = stopped.await;
        })
        .await
        .expect("the API starts");
        Self {
            address,
            http: reqwest::Client::new(),
            _stop: stop,
        }
    }

    pub async fn call(&self, method: reqwest::Method, path: &str, body: Option<&Value>) -> Value {
        let mut request = self
            .http
            .request(method, format!("http://{}{path}", self.address))
            .bearer_auth(TOKEN);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("the API answers");
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.expect("JSON")
    }

    /// A full run of influencers `1..=batches*per_batch`, declared complete; returns its id.
    pub async fn full_run(&self, batches: i64, per_batch: i64) -> i64 {
        let body = json!({ "entity": "influencers", "mode": "full" });
        let run = self
            .call(reqwest::Method::POST, "/v1/runs", Some(&body))
            .await;
        let run_id = run["run_id"].as_i64().expect("a run id");
        for seq in 1..=batches {
            let keys = (seq - 1) * per_batch + 1..=seq * per_batch;
            let batch = json!({ "records": keys.map(influencer).collect::<Vec<_>>() });
            let path = format!("/v1/runs/{run_id}/batches/{seq}");
            self.call(reqwest::Method::PUT, &path, Some(&batch)).await;
        }
        let declared = json!({ "batches": batches, "records": batches * per_batch });
        let path = format!("/v1/runs/{run_id}/complete");
        self.call(reqwest::Method::POST, &path, Some(&declared))
            .await;
        run_id
    }

    pub async fn run(&self, run_id: i64) -> Value {
        let path = format!("/v1/runs/{run_id}");
        self.call(reqwest::Method::GET, &path, None).await
    }

    /// Polls the run until `done` says so, at most `limit`; returns it.
    pub async fn wait_for_run(
        &self,
        run_id: i64,
        limit: Duration,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let run = self.run(run_id).await;
            if done(&run) {
                return run;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "not within {limit:?}: {run}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

pub fn influencer(k: i64) -> Value {
    json!({
        "erp_id": k, "name": format!("Pessoa {k}"), "handle": format!("@user{k}"),
        "email": format!("user{k}@example.com.br"), "phone": "+55 11 91234-5678",
        "platform": "instagram", "followers": 1000 + k, "document": "52998224725",
        "city": "São Paulo", "state": "SP", "status": "active",
        "source_updated_at": "2026-11-27T10:00:00.123456Z"
    })
}

/// The environment of a worker binary on `scratch`, logging JSON, its listener on a free port.
pub fn worker_env(
    scratch: &Scratch,
    mysql_url: &str,
    shutdown: &str,
) -> Vec<(&'static str, String)> {
    let mut env = scratch.env();
    env.retain(|(k, _)| *k != "DIS_MYSQL_URL");
    env.extend([
        ("DIS_MYSQL_URL", mysql_url.to_owned()),
        ("DIS_METRICS_LISTEN", "127.0.0.1:0".to_owned()),
        ("DIS_LOG_FORMAT", "json".to_owned()),
        ("DIS_SHUTDOWN_TIMEOUT", shutdown.to_owned()),
    ]);
    env
}

/// The apply queue's jobs in each state that matters here: (in a worker's hands, done, dead).
pub async fn apply_jobs_held_done_dead(namespace: &str) -> (i64, i64, i64) {
    let mut conn = queue::connect_redis(&redis_url())
        .await
        .expect("Redis answers");
    let config = queue::apply_batch_storage(conn.clone(), namespace)
        .get_config()
        .clone();
    let inflight: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{}:*", config.inflight_jobs_set()))
        .query_async(&mut conn)
        .await
        .expect("KEYS");
    let mut held = 0;
    for set in inflight {
        held += redis::cmd("SCARD")
            .arg(set)
            .query_async::<i64>(&mut conn)
            .await
            .expect("SCARD");
    }
    let count = |key: String| {
        let mut conn = conn.clone();
        async move {
            redis::cmd("SCARD")
                .arg(key)
                .query_async::<i64>(&mut conn)
                .await
                .expect("SCARD")
        }
    };
    (
        held,
        count(config.done_jobs_set()).await,
        count(config.dead_jobs_set()).await,
    )
}
