//! dis-sync as it is deployed: the `ingest-api`, `worker` and `extractor` binaries as child
//! processes, configured through their environment only, on a database and queue namespace of
//! the test's own — for tests that crash, cut and restart the pieces under a real run.

use std::time::Duration;

use extractor::{Day, DemoSize};
use sqlx::MySqlPool;
use tokio::sync::OnceCell;

use crate::binaries::{binaries, Binaries};
use crate::child::Child;
use crate::scratch::{closed_port, pairs, redis_url, Scratch};
use crate::INGEST_TOKEN;

mod observe;
pub use observe::{mariadb_address, QueuedJobs};

/// Longest wait for a process to start or for a run to get somewhere; it says what it waited for.
pub const WAIT: Duration = Duration::from_mins(2);

pub struct Stack {
    pub bins: &'static Binaries,
    /// The MySQL the API and workers are given: the test's database, directly or through a relay.
    pub mysql_url: String,
    pub redis_url: String,
    /// The demo's sizes, and records per batch the extractor sends.
    pub size: DemoSize,
    pub batch_size: u64,
    /// More settings for the API and the workers (`DIS_RUN_IDLE_LIMIT`, say).
    pub settings: Vec<(&'static str, String)>,
    api_port: u16,
    api: Option<Child>,
    workers: Vec<Child>,
    pool: OnceCell<MySqlPool>,
    /// Last, so its database is dropped after the processes using it are gone.
    pub scratch: Scratch,
}

impl Stack {
    /// Nothing started yet: the database does not exist until the API or a worker creates it.
    pub async fn new(name: &str, size: DemoSize) -> Self {
        let scratch = Scratch::new(name);
        Self {
            mysql_url: scratch.mysql_url.clone(),
            scratch,
            bins: binaries().await,
            redis_url: redis_url(),
            size,
            batch_size: 250,
            settings: Vec::new(),
            api_port: closed_port(),
            api: None,
            workers: Vec::new(),
            pool: OnceCell::new(),
        }
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        let mut env = vec![
            ("DIS_MYSQL_URL", self.mysql_url.clone()),
            ("DIS_REDIS_URL", self.redis_url.clone()),
            ("DIS_QUEUE_NAMESPACE", self.scratch.namespace.clone()),
            ("DIS_LOG_FORMAT", "json".into()),
            ("DIS_SHUTDOWN_TIMEOUT", "5s".into()),
        ];
        env.extend(self.settings.iter().cloned());
        env
    }

    pub fn api_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.api_port)
    }

    /// Starts the API (on the same port each time) without waiting for it.
    pub fn spawn_api(&mut self) {
        assert!(self.api.is_none(), "the API is already running");
        let keys = format!("tests:ingest:{}", ingest_api::hash_token(INGEST_TOKEN));
        let mut env = self.env();
        env.extend([
            ("DIS_LISTEN", format!("127.0.0.1:{}", self.api_port)),
            ("DIS_API_KEYS", keys),
        ]);
        let program = self.bins.ingest_api.to_string_lossy();
        self.api = Some(Child::spawn(&program, &[], &pairs(&env)));
    }

    /// Starts the API and waits until it is ready (MySQL and Redis answer it).
    pub async fn start_api(&mut self) {
        self.spawn_api();
        self.wait_for_api().await;
    }

    pub async fn wait_for_api(&self) {
        let api = self.api.as_ref().expect("the API was started");
        let url = format!("{}/readyz", self.api_url());
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Ok(answer) = reqwest::get(&url).await {
                if answer.status().is_success() {
                    return;
                }
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the API was not ready within {WAIT:?}; it printed:\n{}",
                api.output()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGKILL to the API, and waits until it is gone.
    pub async fn kill_api(&mut self) {
        let mut api = self.api.take().expect("the API is running");
        api.kill();
        let _ = api.exit_code(WAIT).await;
    }

    /// Starts a worker process without waiting for it; returns its process id.
    pub fn spawn_worker(&mut self, concurrency: usize) -> u32 {
        let mut env = self.env();
        env.extend([
            ("DIS_METRICS_LISTEN", "127.0.0.1:0".to_owned()),
            ("DIS_WORKER_CONCURRENCY", concurrency.to_string()),
        ]);
        let program = self.bins.worker.to_string_lossy();
        let worker = Child::spawn(&program, &[], &pairs(&env));
        let pid = worker.pid().expect("the worker runs");
        self.workers.push(worker);
        pid
    }

    /// Starts a worker process and waits until it runs its workers; returns its process id.
    pub async fn start_worker(&mut self, concurrency: usize) -> u32 {
        let pid = self.spawn_worker(concurrency);
        self.worker(pid)
            .wait_for_line("worker starting", WAIT)
            .await;
        pid
    }

    pub fn worker(&self, pid: u32) -> &Child {
        self.workers
            .iter()
            .find(|w| w.pid() == Some(pid))
            .expect("a worker of this stack")
    }

    /// Freezes every worker process (SIGSTOP): what they hold stays in their hands.
    pub fn pause_workers(&self) {
        self.workers.iter().for_each(Child::pause);
    }

    pub fn resume_workers(&self) {
        self.workers.iter().for_each(Child::resume);
    }

    /// SIGKILL to a worker process, and waits until it is gone.
    pub async fn kill_worker(&mut self, pid: u32) {
        let at = self.workers.iter().position(|w| w.pid() == Some(pid));
        let mut worker = self
            .workers
            .remove(at.expect("a running worker of this stack"));
        worker.kill();
        let _ = worker.exit_code(WAIT).await;
    }

    /// SIGTERM to every process; each must exit 0 (a clean stop) in time.
    pub async fn stop(&mut self) {
        let mut all: Vec<Child> = self.workers.drain(..).chain(self.api.take()).collect();
        for child in &all {
            child.terminate();
        }
        for child in &mut all {
            let code = child.exit_code(WAIT).await;
            assert_eq!(
                code,
                Some(0),
                "a clean stop; it printed:\n{}",
                child.output()
            );
        }
    }

    /// Everything the API and the workers printed, for a failing test's message.
    pub fn logs(&self) -> String {
        let api = self.api.iter().map(|api| format!("API:\n{}", api.output()));
        let workers =
            (self.workers.iter()).map(|w| format!("worker {:?}:\n{}", w.pid(), w.output()));
        api.chain(workers).collect::<Vec<_>>().join("\n")
    }

    /// `extractor run` of the whole demo data set of `day` (every entity, full), started.
    pub fn spawn_extractor(&self, day: Day) -> Child {
        let size = |n: usize| n.to_string();
        let (influencers, campaigns, contracts) = (
            size(self.size.influencers),
            size(self.size.campaigns),
            size(self.size.contracts),
        );
        let day = if day == Day::One { "one" } else { "next" };
        let batch_size = self.batch_size.to_string();
        let args = [
            "run",
            "--source",
            "demo",
            "--entity",
            "all",
            "--mode",
            "full",
            "--day",
            day,
            "--influencers",
            &influencers,
            "--campaigns",
            &campaigns,
            "--contracts",
            &contracts,
            "--batch-size",
            &batch_size,
            "--no-progress",
            "--wait-timeout",
            "300",
        ];
        let env = [
            ("DIS_API_URL", self.api_url()),
            ("DIS_API_TOKEN", INGEST_TOKEN.to_owned()),
            ("DIS_LOG_FORMAT", "json".to_owned()),
        ];
        Child::spawn(&self.bins.extractor.to_string_lossy(), &args, &pairs(&env))
    }

    /// `extractor run` of `day` to its end: its exit code and what it printed.
    pub async fn sync(&self, day: Day) -> (Option<i32>, String) {
        let mut extractor = self.spawn_extractor(day);
        let code = extractor.finish(Duration::from_mins(5)).await;
        (code, extractor.output())
    }
}
