//! What a test reads of a running stack: its runs, as MySQL records them, and its queue, as Redis
//! holds it.

use std::collections::BTreeSet;
use std::time::Duration;

use records::api::RunView;
use records::Entity;
use sqlx::MySqlPool;

use super::{Stack, WAIT};

/// The apply queue's unfinished jobs by id, as Redis holds them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueuedJobs {
    /// Waiting for a worker (due or scheduled).
    pub waiting: BTreeSet<String>,
    /// In a worker's in-flight set: taken, not finished.
    pub held: BTreeSet<String>,
}

impl QueuedJobs {
    pub fn len(&self) -> usize {
        self.waiting.len() + self.held.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Stack {
    /// A pool on the test's database, straight to MariaDB (never through a relay); killed
    /// connections are replaced as they are checked out.
    pub async fn pool(&self) -> &MySqlPool {
        self.pool
            .get_or_init(|| async {
                MySqlPool::connect(&self.scratch.mysql_url)
                    .await
                    .expect("the test database exists")
            })
            .await
    }

    /// The apply queue's name: the prefix of its Redis keys.
    pub fn apply_queue(&self) -> String {
        queue::apply_queue_name(&self.scratch.namespace)
    }

    pub async fn redis(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.redis_url.as_str())
            .expect("a Redis URL")
            .get_multiplexed_async_connection()
            .await
            .expect("Redis answers")
    }

    /// The in-flight sets of a worker process's apply workers (their names carry its process
    /// id), as the queue's set of registered workers lists them.
    pub async fn inflight_sets_of(&self, pid: u32) -> Vec<String> {
        let queue = self.apply_queue();
        let workers: Vec<String> = redis::cmd("ZRANGE")
            .arg(format!("{queue}:workers"))
            .arg(0)
            .arg(-1)
            .query_async(&mut self.redis().await)
            .await
            .expect("the queue reads");
        let ours = format!(":{pid}:");
        (workers.into_iter())
            .filter(|name| name.contains(&ours))
            .map(|name| format!("{queue}:inflight:{name}"))
            .collect()
    }

    /// Jobs in the in-flight sets `sets`: taken from the queue by a worker, not finished.
    pub async fn jobs_in(&self, sets: &[String]) -> usize {
        let mut redis = self.redis().await;
        let mut held = 0;
        for set in sets {
            let jobs: usize = redis::cmd("SCARD")
                .arg(set)
                .query_async(&mut redis)
                .await
                .expect("the queue reads");
            held += jobs;
        }
        held
    }

    /// The apply queue's unfinished jobs, by id: waiting (or scheduled), and in workers' hands.
    pub async fn queued_jobs(&self) -> QueuedJobs {
        let queue = self.apply_queue();
        let mut redis = self.redis().await;
        let (scheduled, active, inflight): (Vec<String>, Vec<String>, Vec<String>) = redis::pipe()
            .cmd("ZRANGE")
            .arg(format!("{queue}:scheduled"))
            .arg(0)
            .arg(-1)
            .cmd("LRANGE")
            .arg(format!("{queue}:active"))
            .arg(0)
            .arg(-1)
            .cmd("KEYS")
            .arg(format!("{queue}:inflight:*"))
            .query_async(&mut redis)
            .await
            .expect("the queue reads");
        let mut held = BTreeSet::new();
        for set in inflight {
            let jobs: Vec<String> = redis::cmd("SMEMBERS")
                .arg(set)
                .query_async(&mut redis)
                .await
                .expect("the queue reads");
            held.extend(jobs);
        }
        QueuedJobs {
            waiting: scheduled.into_iter().chain(active).collect(),
            held,
        }
    }

    /// The runs of `entity`, oldest first.
    pub async fn runs(&self, entity: Entity) -> Vec<RunView> {
        let mut runs = store::runs::list_runs(self.pool().await, Some(entity), None, 500)
            .await
            .expect("the runs read");
        runs.reverse();
        runs
    }

    /// Waits until the newest run of `entity` is such that `condition` holds; `what` says what
    /// that means, for the message when it does not come.
    pub async fn wait_for_run(
        &self,
        entity: Entity,
        what: &str,
        condition: impl Fn(&RunView) -> bool,
    ) -> RunView {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let newest = self.runs(entity).await.pop();
            if let Some(run) = newest.filter(&condition) {
                return run;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "waited {WAIT:?} for {what}; the {entity} runs: {:?}\n{}",
                self.runs(entity).await,
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// The test MariaDB's address, for a relay in front of it.
pub fn mariadb_address() -> std::net::SocketAddr {
    use std::net::ToSocketAddrs;
    let url = crate::scratch::server_url();
    let authority = url.rsplit('@').next().unwrap_or(&url);
    let authority = authority
        .trim_start_matches("mysql://")
        .trim_end_matches('/');
    authority
        .to_socket_addrs()
        .expect("the test server's address")
        .next()
        .expect("an address")
}
