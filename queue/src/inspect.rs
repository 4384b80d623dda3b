//! What a queue holds right now, read from apalis-redis's own keys: jobs by state, the age of the
//! oldest pending job, and the workers with their heartbeats. Read-only: it never writes a key.
//!
//! apalis-redis 1.0's listing scripts are broken (see OPS-STACK.md), so this reads the keys
//! directly, in one Lua script per queue (one round trip, one consistent view). The key names
//! come from the storage's own [`Config`], so they follow apalis's layout.

use std::sync::LazyLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use apalis_redis::{Config, ConnectionManager, RedisError};
use redis::Script;

/// Jobs finished at most this long ago count as "done recently".
pub const DONE_WINDOW: Duration = Duration::from_hours(1);

/// Pending ids read from the head of the list and of the due part of the scheduled set to find
/// the oldest: a job put back on the list (a dead worker's, a due retry) lands at the tail
/// although it was pushed long ago.
const PENDING_SAMPLE: usize = 100;

static INSPECT: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("inspect.lua")));

/// One queue at one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueSnapshot {
    /// Waiting to be fetched: in the list, or due in the scheduled set (where apalis-redis 1.0
    /// puts every new job until a worker fetches).
    pub pending: u64,
    /// Not due yet (apalis's own retries of a job that returned an error).
    pub scheduled: u64,
    /// Fetched by a worker and not yet acknowledged.
    pub running: u64,
    /// Acknowledged within [`DONE_WINDOW`].
    pub done_recently: u64,
    /// Acknowledged and not yet vacuumed (dis-sync vacuums an hour after a job finished).
    pub done_kept: u64,
    /// Given up by apalis itself (after its fixed 25 attempts). dis-sync's own dead letters are in
    /// MySQL; this stays 0 unless something bypassed them.
    pub dead: u64,
    /// How long the oldest pending job (of the first [`PENDING_SAMPLE`] in each place) has existed.
    pub oldest_pending_age: Option<Duration>,
    pub workers: Vec<WorkerSnapshot>,
}

/// A worker registered on the queue, live or silent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerSnapshot {
    pub name: String,
    /// The host and process, when the name is one of dis-sync's (`kind@host:pid:instance#start`).
    pub host: Option<String>,
    pub pid: Option<u32>,
    /// How many times this worker was restarted in its process; apalis-redis 1.0 records no start
    /// time (its registration score is overwritten by every heartbeat).
    pub restarts: Option<u32>,
    pub last_heartbeat: SystemTime,
    pub since_heartbeat: Duration,
    /// No heartbeat for longer than apalis waits before it hands the worker's jobs to others.
    pub silent: bool,
    /// Jobs it holds.
    pub running: u64,
}

/// Reads the queue configured by `config` (the storage's own: `storage.get_config()`).
pub async fn inspect(
    conn: &mut ConnectionManager,
    config: &Config,
) -> Result<QueueSnapshot, RedisError> {
    inspect_at(conn, config, SystemTime::now()).await
}

/// [`inspect`] as seen at `now`.
pub async fn inspect_at(
    conn: &mut ConnectionManager,
    config: &Config,
    now: SystemTime,
) -> Result<QueueSnapshot, RedisError> {
    let done_since = unix_seconds(now.checked_sub(DONE_WINDOW).unwrap_or(UNIX_EPOCH));
    let raw: RawSnapshot = INSPECT
        .key(config.active_jobs_list())
        .key(config.scheduled_jobs_set())
        .key(config.workers_set())
        .key(config.done_jobs_set())
        .key(config.dead_jobs_set())
        .key(config.job_meta_hash())
        .key(config.inflight_jobs_set())
        .arg(unix_seconds(now))
        .arg(done_since)
        .arg(PENDING_SAMPLE)
        .invoke_async(conn)
        .await?;
    Ok(into_snapshot(raw, now, config.orphaned_duration()))
}

/// The script's answer: counts, the head of the pending list, and `name, heartbeat, in-flight`
/// for each worker.
type RawSnapshot = (u64, u64, u64, u64, u64, Vec<String>, Vec<String>);

fn into_snapshot(raw: RawSnapshot, now: SystemTime, silent_after: Duration) -> QueueSnapshot {
    let (pending, scheduled, dead, done_kept, done_recently, head, workers) = raw;
    let workers: Vec<WorkerSnapshot> = workers
        .chunks_exact(3)
        .map(|w| worker(&w[0], &w[1], &w[2], now, silent_after))
        .collect();
    QueueSnapshot {
        pending,
        scheduled,
        running: workers.iter().map(|w| w.running).sum(),
        done_recently,
        done_kept,
        dead,
        oldest_pending_age: oldest_age(&head, now),
        workers,
    }
}

fn worker(
    name: &str,
    heartbeat: &str,
    running: &str,
    now: SystemTime,
    silent_after: Duration,
) -> WorkerSnapshot {
    let seconds = heartbeat.parse::<f64>().unwrap_or(0.0).max(0.0) as u64;
    let last_heartbeat = UNIX_EPOCH + Duration::from_secs(seconds);
    let since_heartbeat = now.duration_since(last_heartbeat).unwrap_or_default();
    let (host, pid, restarts) = parse_worker_name(name);
    WorkerSnapshot {
        name: name.to_owned(),
        host,
        pid,
        restarts,
        last_heartbeat,
        since_heartbeat,
        silent: since_heartbeat > silent_after,
        running: running.parse().unwrap_or(0),
    }
}

/// Splits a dis-sync worker name, `kind@host:pid:instance#start` (the worker crate's
/// `worker_name`), into host, process id and restart count; other names give nothing.
pub fn parse_worker_name(name: &str) -> (Option<String>, Option<u32>, Option<u32>) {
    let Some((_, rest)) = name.split_once('@') else {
        return (None, None, None);
    };
    let (rest, start) = rest.rsplit_once('#').unwrap_or((rest, ""));
    let mut parts = rest.rsplitn(3, ':');
    let _instance = parts.next();
    let pid = parts.next().and_then(|p| p.parse().ok());
    let host = parts.next().map(str::to_owned);
    (host, pid, start.parse().ok())
}

/// The age of the oldest of `ids`, which are ULIDs: their first 48 bits are the push time.
fn oldest_age(ids: &[String], now: SystemTime) -> Option<Duration> {
    ids.iter()
        .filter_map(|id| ulid::Ulid::from_string(id).ok())
        .map(|id| UNIX_EPOCH + Duration::from_millis(id.timestamp_ms()))
        .min()
        .map(|pushed| now.duration_since(pushed).unwrap_or_default())
}

fn unix_seconds(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dis_sync_worker_name_gives_its_host_process_and_restarts() {
        assert_eq!(
            parse_worker_name("dis-apply-batch@db-01.example:4242:3#2"),
            (Some("db-01.example".into()), Some(4242), Some(2))
        );
        assert_eq!(parse_worker_name("someone-else"), (None, None, None));
    }

    #[test]
    fn the_oldest_pending_age_comes_from_the_earliest_ulid_wherever_it_sits() {
        let now = UNIX_EPOCH + Duration::from_hours(500_000);
        let at = |secs_ago: u64| {
            ulid::Ulid::from_datetime(now - Duration::from_secs(secs_ago)).to_string()
        };
        let ids = vec![at(5), at(90), "not-a-ulid".into(), at(30)];
        assert_eq!(oldest_age(&ids, now), Some(Duration::from_secs(90)));
        assert_eq!(oldest_age(&[], now), None);
    }

    #[test]
    fn a_worker_is_silent_once_its_heartbeat_is_older_than_the_orphan_limit() {
        let now = UNIX_EPOCH + Duration::from_secs(1000);
        let raw: RawSnapshot = (
            2,
            1,
            0,
            7,
            5,
            vec![],
            ["a@h:1:0#0", "995", "2", "b@h:2:0#1", "960", "1"]
                .map(String::from)
                .to_vec(),
        );
        let snapshot = into_snapshot(raw, now, Duration::from_secs(30));
        assert_eq!(snapshot.running, 3);
        assert!(!snapshot.workers[0].silent);
        assert!(snapshot.workers[1].silent);
        assert_eq!(snapshot.workers[1].since_heartbeat, Duration::from_secs(40));
        assert_eq!(snapshot.workers[1].restarts, Some(1));
    }
}
