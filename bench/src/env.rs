//! The bench's own world: a fresh database, a fresh queue namespace, the API in-process, and
//! workers that can be started and stopped between measurements.

use std::time::{SystemTime, UNIX_EPOCH};

use shared::config::Settings;
use sqlx::MySqlPool;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::Args;

pub const TOKEN: &str = "bench-ingest-token";

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
            listen: ([127, 0, 0, 1], 0).into(),
            api_keys: format!("bench:ingest:{}", ingest_api::hash_token(TOKEN)),
            worker_concurrency: args.concurrency,
            max_body_bytes: 64 * 1024 * 1024,
            ..Settings::default()
        };
        let (stop_api, stopped) = oneshot::channel::<()>();
        let (address, _) = ingest_api::serve(&settings, async {
            let _ = stopped.await;
        })
        .await?;
        let pool =
            shared::db::connect_and_migrate(&settings.mysql_url, args.concurrency as u32 + 2)
                .await?;
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
        let settings = self.settings.clone();
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

    /// Empties the record and run tables between measurements.
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
            sqlx::query(&format!("DELETE FROM {table}"))
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
        if let Some((server, database)) = self.settings.mysql_url.rsplit_once('/') {
            if let Ok(pool) = MySqlPool::connect(server).await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS `{database}`"))
                    .execute(&pool)
                    .await;
            }
        }
        let _ = clear_namespace(&self.settings.redis_url, &self.settings.queue_namespace).await;
    }
}

pub async fn clear_namespace(redis_url: &str, namespace: &str) -> anyhow::Result<()> {
    let client = redis::Client::open(redis_url)?;
    let mut conn = client.get_multiplexed_async_connection().await?;
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{namespace}:*"))
        .query_async(&mut conn)
        .await?;
    for chunk in keys.chunks(500) {
        let () = redis::cmd("DEL").arg(chunk).query_async(&mut conn).await?;
    }
    let index = "core:apalis:queues:list";
    let listed: Vec<String> = redis::cmd("ZRANGE")
        .arg(index)
        .arg(0)
        .arg(-1)
        .query_async(&mut conn)
        .await?;
    for member in listed
        .iter()
        .filter(|m| m.starts_with(&format!("{namespace}:")))
    {
        let _: i64 = redis::cmd("ZREM")
            .arg(index)
            .arg(member)
            .query_async(&mut conn)
            .await?;
    }
    Ok(())
}
