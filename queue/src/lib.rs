//! The queue: the Redis storages (apalis-redis) the jobs travel in, and the keys that make a job
//! run once.

pub mod inspect;
mod release;

use std::time::Duration;

mod settings;

use apalis_redis::{Config, ConnectionManager, RedisError, RedisStorage};

pub use release::{release_all_stranded, release_stranded};
pub use settings::{ConnectError, RedisArgs, RedisSettings, DEV_REDIS_URL};

pub use records::job::{ApplyBatch, Records, SweepRun, RECORDS_PER_JOB};

/// The apply queue as the API pushes to it, and as the run watch and the dashboard read it.
pub type ApplyBatchStorage = RedisStorage<ApplyBatch>;

/// The same queue as the worker takes jobs from it: the payloads undecoded (see [`ApplyPayload`]).
pub type ApplyPayloadStorage = RedisStorage<ApplyPayload>;

/// An apply job as the worker takes it: the JSON the API pushed, which the worker decodes itself.
///
/// apalis decodes a job before any handler sees it, and a job that does not decode fails the
/// worker's stream: the worker stops, is started again, and is handed the same job 30 s later,
/// for ever. Taken as raw JSON, a payload that does not decode into typed records reaches the
/// handler, which dead-letters it with the reason.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct ApplyPayload(Box<serde_json::value::RawValue>);

impl ApplyPayload {
    /// The job, typed: its records are converted to their types without the business rules,
    /// which the API ran (see `records::Record::from_trusted_wire`).
    pub fn decode(&self) -> Result<ApplyBatch, serde_json::Error> {
        serde_json::from_str(self.0.get())
    }

    /// The payload as pushed, for a dead letter.
    pub fn text(&self) -> &str {
        self.0.get()
    }

    /// A payload of any JSON text; `None` when it is not JSON (tests push such payloads).
    pub fn from_json(text: String) -> Option<Self> {
        serde_json::value::RawValue::from_string(text)
            .ok()
            .map(Self)
    }
}

/// Name of the apply queue under a namespace; every Redis key of the queue starts with it.
pub fn apply_queue_name(namespace: &str) -> String {
    format!("{namespace}:apply-batch")
}

/// A reconnecting connection to the Redis at `redis_url`; for tests and tools, which build the URL
/// in code. Binaries connect with their [`RedisSettings`].
pub async fn connect_redis(redis_url: &str) -> Result<ConnectionManager, ConnectError> {
    RedisSettings::new(redis_url, "").connect().await
}

/// Whether Redis answers a command: the readiness probe.
pub async fn ping(conn: &mut ConnectionManager) -> bool {
    redis::cmd("PING").query_async::<String>(conn).await.is_ok()
}

/// An idle apalis-redis worker looks for new jobs only when its heartbeat fires (a push does not
/// wake it), so the heartbeat bounds how long a job waits in an idle or just-drained queue. A
/// heartbeat is one small Redis script: ten a second per worker cost nothing next to the stalls
/// a longer one causes whenever the workers outrun the API.
const HEARTBEAT: Duration = Duration::from_millis(100);

/// A worker that missed this many heartbeats (30 s) is presumed dead and its jobs are delivered
/// again (safe: applying a job twice changes nothing).
const MISSED_HEARTBEATS: usize = 300;

/// apalis acknowledges a finished job only when it persists results: without it every job stays
/// "Running" in its worker's in-flight set for ever, Redis grows with each night's payloads, and
/// when that worker's name expires every job it ever ran is delivered again.
const ACKNOWLEDGE_FINISHED_JOBS: bool = true;

/// How long the queue remembers a job's key and drops a second push of it. It must be set:
/// apalis-redis 1.0 passes "no TTL" to Redis as `EXPIRE key 0`, which deletes the key at once, so
/// without one a queue drops no duplicate at all.
const IDEMPOTENCY_TTL: Duration = Duration::from_hours(14 * 24);

/// apalis-redis's task locks cost Redis a walk of the pending list per job, and buy nothing here.
/// With them on (its default), each job a worker starts runs `acquire_leases.lua`, whose `LREM`
/// of the job from the pending list scans the whole list (the fetch already took the job off it,
/// so nothing is ever found), and each heartbeat renews the lease of every job held. The locks
/// only write "Running" and `locked_at` into a job's metadata, which nothing here reads: what
/// makes a job one worker's is its in-flight set, which the fetch fills either way, and what
/// gives a dead worker's jobs back is its lapsed heartbeat, not a lease.
const LOCK_TASKS: bool = false;

/// The apply queue in `namespace`, to push to or read.
pub fn apply_batch_storage(conn: ConnectionManager, namespace: &str) -> ApplyBatchStorage {
    RedisStorage::new(conn).with_config(apply_queue_config(namespace))
}

/// The apply queue in `namespace`, to take jobs from.
pub fn apply_payload_storage(conn: ConnectionManager, namespace: &str) -> ApplyPayloadStorage {
    RedisStorage::new(conn).with_config(apply_queue_config(namespace))
}

/// Jobs one fetch takes from the apply queue: one round trip (a script) hands a worker this many.
const APPLY_FETCH_BATCH: usize = 16;

fn apply_queue_config(namespace: &str) -> Config {
    queue_config(apply_queue_name(namespace), APPLY_FETCH_BATCH)
}

/// The settings both queues share (see the constants above), for the queue named `queue` whose
/// fetches take up to `batch_size` jobs.
fn queue_config(queue: String, batch_size: usize) -> Config {
    Config::default()
        .queue(queue)
        .heartbeat_interval(HEARTBEAT)
        .missed_heartbeats(MISSED_HEARTBEATS)
        .batch_size(batch_size)
        .persist_results(ACKNOWLEDGE_FINISHED_JOBS)
        .lock_tasks(LOCK_TASKS)
        .idempotency_ttl(Some(IDEMPOTENCY_TTL))
}

pub type SweepRunStorage = RedisStorage<SweepRun>;

pub fn sweep_queue_name(namespace: &str) -> String {
    format!("{namespace}:sweep-run")
}

/// The sweep queue in `namespace`.
pub fn sweep_run_storage(conn: ConnectionManager, namespace: &str) -> SweepRunStorage {
    RedisStorage::new(conn).with_config(queue_config(sweep_queue_name(namespace), 1))
}

/// The queue's key for the sweep of a run: one sweep job per run, and one more once an operator
/// approved a held sweep. The nonce keeps a run that took the id of a run lost in a restore of
/// MySQL from finding its sweep already "queued".
pub fn sweep_key(run_id: i64, run_nonce: &str, approved: bool) -> String {
    if approved {
        format!("sweep-{run_id}.{run_nonce}-approved")
    } else {
        format!("sweep-{run_id}.{run_nonce}")
    }
}

/// Enqueues the sweep of a run once, however many run watches (or API requests) saw it ready or how often it is asked.
pub async fn enqueue_sweep(
    storage: &mut SweepRunStorage,
    run_id: i64,
    run_nonce: &str,
    approved: bool,
) -> Result<(), apalis::prelude::TaskSinkError<apalis_redis::Error>> {
    use apalis::prelude::{TaskBuilder, TaskSink};
    let task = TaskBuilder::new(SweepRun { run_id })
        .idempotency_key(sweep_key(run_id, run_nonce, approved))
        .build();
    storage.push_task(task).await
}

/// Which of the apply jobs `keys` the queue no longer knows: their idempotency keys, written with
/// the jobs and kept for [`IDEMPOTENCY_TTL`] whatever becomes of them, are gone, so the jobs were
/// lost with Redis's data (a flush, a restart without persistence, an eviction).
pub async fn forgotten_apply_jobs(
    storage: &ApplyBatchStorage,
    keys: &[String],
) -> Result<Vec<String>, RedisError> {
    let prefix = storage.get_config().idempotency_key_set();
    let mut conn = storage.clone().get_connection().clone();
    let mut forgotten = Vec::new();
    for chunk in keys.chunks(500) {
        let mut pipe = redis::pipe();
        for key in chunk {
            pipe.exists(format!("{prefix}:{key}"));
        }
        let known: Vec<bool> = pipe.query_async(&mut conn).await?;
        forgotten.extend(
            chunk
                .iter()
                .zip(known)
                .filter(|(_, known)| !known)
                .map(|(key, _)| key.clone()),
        );
    }
    Ok(forgotten)
}

/// Deletes every Redis key of `namespace`, and its entries in apalis's global queue index, which
/// lists every queue's worker set. For tests and the bench, which own their namespaces.
pub async fn clear_namespace(redis_url: &str, namespace: &str) -> Result<(), RedisError> {
    let client = apalis_redis::Client::open(redis_url)?;
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
    let ours = format!("{namespace}:");
    for member in listed.iter().filter(|m| m.starts_with(&ours)) {
        let _: i64 = redis::cmd("ZREM")
            .arg(index)
            .arg(member)
            .query_async(&mut conn)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::apply_queue_config;

    #[test]
    fn the_apply_queue_does_not_lock_tasks_since_each_lock_walks_the_whole_pending_list() {
        assert!(!apply_queue_config("ns").lock_tasks);
    }
}
