//! Test harness: the real API and workers on port 0, against a fresh MariaDB database and a fresh
//! Redis namespace per test, all removed again when the test ends (even when it fails); helpers
//! that speak the run protocol (`client`); and valid records of every entity (`fixtures`).
//! For tests of the binaries as processes: the built binaries (`binaries`), a stack of them on a
//! database of the test's own (`stack`), a Redis of its own (`redis_server`), a cuttable relay to
//! MySQL (`proxy`), and what MySQL must hold after the demo data set's runs (`demo`).

pub mod binaries;
pub mod child;
mod client;
pub mod demo;
pub mod fixtures;
/// The dashboard's helpers: its seeded runs, a signed-in client.
pub mod ops;
pub mod proxy;
pub mod redis_server;
pub mod scrape;
pub mod scratch;
pub mod stack;

pub use client::Refused;
pub use fixtures::{campaign, contract, influencer, influencers};

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use records::Entity;
use sqlx::MySqlPool;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

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
            metrics_listen: None,
            mysql: store::MySqlSettings::new(&self.mysql_url),
            migrate: true,
            redis: queue::RedisSettings::new(&self.redis_url, &self.queue_namespace),
            api_keys: ingest_api::auth::ApiKeys::parse(&self.api_keys).expect("test keys parse"),
            ops: ingest_api::ops::OpsConfig::default(),
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
            jobs_per_transaction: worker::settings::DEFAULT_JOBS_PER_TRANSACTION as usize,
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
    stop_workers: Vec<(oneshot::Sender<()>, JoinHandle<()>)>,
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
        let worker = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
                Ok(())
            };
            if let Err(e) = worker::run_workers(&settings, shutdown).await {
                eprintln!("workers stopped with an error: {e:?}");
            }
        });
        self.stop_workers.push((stop, worker));
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Applies every job the apply queue holds, with a worker process started for the purpose
    /// and stopped again once the queue has none waiting, scheduled or in a worker's hands. For
    /// tests without workers that need the queue drained at one point.
    pub async fn apply_pending_jobs(&mut self) {
        let before = self.stop_workers.len();
        self.start_workers();
        let deadline = tokio::time::Instant::now() + Duration::from_mins(1);
        loop {
            let left = self.jobs_in_apply_queue().await;
            if left == 0 {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{left} jobs still in the apply queue"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        for (stop, worker) in self.stop_workers.drain(before..) {
            let _ = stop.send(());
            let _ = worker.await;
        }
    }

    /// Jobs of the apply queue not yet finished: waiting, scheduled, or held by a worker.
    async fn jobs_in_apply_queue(&self) -> usize {
        let redis = queue::connect_redis(&self.settings.redis_url)
            .await
            .expect("Redis answers");
        let storage = queue::apply_batch_storage(redis, &self.settings.queue_namespace);
        let config = storage.get_config();
        let mut conn = redis::Client::open(self.settings.redis_url.as_str())
            .expect("a Redis URL")
            .get_multiplexed_async_connection()
            .await
            .expect("Redis answers");
        let waiting: usize = redis::cmd("LLEN")
            .arg(config.active_jobs_list())
            .query_async(&mut conn)
            .await
            .expect("the queue reads");
        let scheduled: usize = redis::cmd("ZCARD")
            .arg(config.scheduled_jobs_set())
            .query_async(&mut conn)
            .await
            .expect("the queue reads");
        let held_by_workers: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{}:*", config.inflight_jobs_set()))
            .query_async(&mut conn)
            .await
            .expect("the queue reads");
        let mut held = 0;
        for key in held_by_workers {
            let jobs: usize = redis::cmd("SCARD")
                .arg(key)
                .query_async(&mut conn)
                .await
                .expect("the queue reads");
            held += jobs;
        }
        waiting + scheduled + held
    }

    /// The run's nonce, which every job of the run carries (the API does not show it).
    pub async fn nonce(&self, run_id: i64) -> String {
        sqlx::query_scalar("SELECT nonce FROM sync_runs WHERE id = ?")
            .bind(run_id)
            .fetch_one(&self.pool)
            .await
            .expect("the run exists")
    }

    /// Waits until `times` separate requests for a MySQL lock were seen waiting on this test's
    /// database, by watching the server's process list.
    pub async fn wait_for_lock_requests(&self, times: usize) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        let (mut seen, mut waiting) = (0, false);
        while seen < times {
            let now: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST \
                 WHERE DB = DATABASE() AND INFO LIKE 'SELECT GET\\_LOCK%'",
            )
            .fetch_one(&self.pool)
            .await
            .unwrap();
            if now > 0 && !waiting {
                seen += 1;
            }
            waiting = now > 0;
            assert!(
                tokio::time::Instant::now() < deadline,
                "saw {seen} of {times} requests for the lock"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The keys MySQL holds for `entity`, ascending.
    pub async fn keys(&self, entity: Entity) -> Vec<i64> {
        sqlx::query_scalar(&format!(
            "SELECT erp_id FROM {} ORDER BY erp_id",
            entity.table()
        ))
        .fetch_all(&self.pool)
        .await
        .expect("keys")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        for (stop, _) in self.stop_workers.drain(..) {
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
