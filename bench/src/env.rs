//! The bench's own world: a fresh database, a fresh queue namespace, the API in-process, and
//! workers that can be started and stopped between measurements.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use queue::clear_namespace;
use sqlx::MySqlPool;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::Args;

pub const TOKEN: &str = "bench-ingest-token";

/// Where the bench's API and workers connect, built in code.
#[derive(Debug, Clone)]
pub struct Settings {
    pub mysql_url: String,
    pub redis_url: String,
    pub queue_namespace: String,
    pub worker_concurrency: usize,
    pub jobs_per_transaction: usize,
}

impl Settings {
    fn mysql(&self) -> store::MySqlSettings {
        store::MySqlSettings::new(&self.mysql_url)
    }

    fn redis(&self) -> queue::RedisSettings {
        queue::RedisSettings::new(&self.redis_url, &self.queue_namespace)
    }

    fn api(&self) -> ingest_api::Settings {
        ingest_api::Settings {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            metrics_listen: None,
            mysql: self.mysql(),
            migrate: true,
            redis: self.redis(),
            api_keys: ingest_api::auth::ApiKeys::parse(&format!(
                "bench:ingest:{}",
                ingest_api::hash_token(TOKEN)
            ))
            .expect("the bench's key parses"),
            ops: ingest_api::ops::OpsConfig::default(),
            max_body_bytes: 64 * 1024 * 1024,
            sweep_max_share: 0.05,
            run_idle_limit: Duration::from_hours(2),
            shutdown_timeout: Duration::from_secs(5),
        }
    }

    pub fn worker(&self) -> worker::Settings {
        worker::Settings {
            metrics_listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            mysql: self.mysql(),
            migrate: true,
            redis: self.redis(),
            concurrency: self.worker_concurrency,
            jobs_per_transaction: self.jobs_per_transaction,
            job_attempts: 5,
            sweep_max_share: 0.05,
            run_idle_limit: Duration::from_hours(2),
            shutdown_timeout: Duration::from_secs(5),
        }
    }
}

pub struct BenchEnv {
    pub settings: Settings,
    pub pool: MySqlPool,
    pub api_url: String,
    stop_api: Option<oneshot::Sender<()>>,
    workers: tokio::sync::Mutex<Option<(oneshot::Sender<()>, JoinHandle<()>)>>,
}

impl BenchEnv {
    pub async fn start(args: &Args) -> anyhow::Result<Self> {
        let server = std::env::var("DIS_BENCH_MYSQL_URL")
            .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into());
        let stamp = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
        let settings = Settings {
            mysql_url: format!("{server}/dis_bench_{}_{stamp}", std::process::id()),
            redis_url: std::env::var("DIS_REDIS_URL")
                .unwrap_or_else(|_| "redis://127.0.0.1:6379".into()),
            queue_namespace: format!("dis-bench-{}-{stamp}", std::process::id()),
            worker_concurrency: args.concurrency,
            jobs_per_transaction: args.jobs_per_transaction,
        };
        let (stop_api, stopped) = oneshot::channel::<()>();
        let (address, _) = ingest_api::serve(&settings.api(), async {
            let _ = stopped.await;
        })
        .await?;
        let pool =
            store::connect_and_migrate(&settings.mysql_url, args.concurrency as u32 + 2).await?;
        Ok(Self {
            settings,
            pool,
            api_url: format!("http://{address}"),
            stop_api: Some(stop_api),
            workers: tokio::sync::Mutex::new(None),
        })
    }

    pub async fn start_workers(&self) {
        let (stop, stopped) = oneshot::channel::<()>();
        let settings = self.settings.worker();
        let handle = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
                Ok(())
            };
            if let Err(e) = worker::run_workers(&settings, shutdown).await {
                eprintln!("bench: workers stopped with an error: {e:?}");
            }
        });
        *self.workers.lock().await = Some((stop, handle));
    }

    pub async fn stop_workers(&self) {
        if let Some((stop, handle)) = self.workers.lock().await.take() {
            let _ = stop.send(());
            let _ = handle.await;
        }
    }

    /// Empties the record and run tables between measurements, as new: `TRUNCATE` recreates a
    /// table, where `DELETE` would leave every row delete-marked for InnoDB's purge to remove
    /// while the next measurement runs, and the next load would insert the same keys over them —
    /// work the raw ceiling, which loads a table never written, does not do.
    pub async fn reset_tables(&self) -> anyhow::Result<()> {
        for table in [
            "influencers",
            "influencers_swept",
            "run_jobs",
            "run_batches",
            "rejected_records",
            "sync_runs",
            "dead_letters",
        ] {
            sqlx::query(&format!("TRUNCATE TABLE {table}"))
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Drops the database and every Redis key of the namespace.
    pub async fn tear_down(mut self) {
        self.stop_workers().await;
        if let Some(stop) = self.stop_api.take() {
            let _ = stop.send(());
        }
        let _ = store::drop_database(&self.settings.mysql_url).await;
        let _ = clear_namespace(&self.settings.redis_url, &self.settings.queue_namespace).await;
    }
}
