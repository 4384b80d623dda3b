//! Handing back the jobs a stopped worker still holds, which apalis-core 1.0 can strand.
//!
//! When a worker stops while a fetch is on its way, apalis-core's `poll_close` drops the fetch
//! (its state `Fetch` falls to "forcing Ready") although Redis has already moved the fetched jobs
//! into the worker's in-flight set; apalis-redis then removes the worker from the workers set.
//! Those jobs are then in no list a worker takes from and belong to no worker whose silence
//! would send them back: stranded for good, and their run never completes. Seen as 16 jobs (one
//! fetch) left behind by a SIGTERM in `worker/tests/shutdown.rs`.

use std::sync::LazyLock;

use apalis_redis::{Config, ConnectionManager, RedisError};
use redis::{AsyncCommands, ScanOptions, Script};

/// The same steps as apalis-redis's `release_leases.lua`, for every job in the set.
static RELEASE_STRANDED: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"if ARGV[2] == '1' and redis.call('ZSCORE', KEYS[5], ARGV[1]) then
            return 0
        end
        local jobs = redis.call('SMEMBERS', KEYS[1])
        for _, id in ipairs(jobs) do
            local meta = KEYS[4] .. ':' .. id
            redis.call('HSET', meta, 'status', 'Pending')
            redis.call('HDEL', meta, 'locked_at', 'locked_by')
            redis.call('RPUSH', KEYS[2], id)
            redis.call('PUBLISH', 'tasks:' .. KEYS[2] .. ':available', id)
        end
        if #jobs > 0 then
            redis.call('DEL', KEYS[1])
            redis.call('DEL', KEYS[3])
            redis.call('LPUSH', KEYS[3], 1)
        end
        redis.call('ZREM', KEYS[5], ARGV[1])
        return #jobs",
    )
});

/// Puts every job still in the in-flight set of the worker `worker` (of the queue of `config`)
/// back at the end of the queue, and deregisters the worker; the number of jobs put back.
///
/// Call it only once that worker has stopped and no handler of it runs any more: a job it is
/// still applying would be delivered twice (harmless, since applying is idempotent, but wasted).
pub async fn release_stranded(
    conn: &mut ConnectionManager,
    config: &Config,
    worker: &str,
) -> Result<usize, RedisError> {
    release(conn, config, worker, false).await
}

/// Puts back the jobs of every in-flight set whose worker is no longer registered: what a worker
/// stopped between its deregistration and [`release_stranded`] (a SIGKILL, a lost connection)
/// left behind. A registered worker's set is its own, however silent: apalis-redis gives it back
/// once its heartbeats lapse. A worker registers before its first fetch, so a set with no
/// registered worker is one no one will ever take from.
pub async fn release_all_stranded(
    conn: &mut ConnectionManager,
    config: &Config,
) -> Result<usize, RedisError> {
    let prefix = format!("{}:", config.inflight_jobs_set());
    let sets: Vec<String> = {
        // SCAN walks the whole keyspace, every job's keys included: a thousand keys a call
        // rather than Redis's ten makes the walk a few calls instead of thousands.
        let options = ScanOptions::default()
            .with_pattern(format!("{prefix}*"))
            .with_count(1000);
        let mut keys = conn.scan_options::<String>(options).await?;
        let mut sets = Vec::new();
        while let Some(key) = keys.next_item().await {
            sets.push(key?);
        }
        sets
    };
    let mut released = 0;
    for set in sets {
        if let Some(worker) = set.strip_prefix(&prefix) {
            released += release(conn, config, worker, true).await?;
        }
    }
    Ok(released)
}

async fn release(
    conn: &mut ConnectionManager,
    config: &Config,
    worker: &str,
    only_unregistered: bool,
) -> Result<usize, RedisError> {
    RELEASE_STRANDED
        .key(format!("{}:{worker}", config.inflight_jobs_set()))
        .key(config.active_jobs_list())
        .key(config.signal_list())
        .key(config.job_meta_hash())
        .key(config.workers_set())
        .arg(worker)
        .arg(if only_unregistered { "1" } else { "0" })
        .invoke_async(conn)
        .await
}
