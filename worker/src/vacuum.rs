//! Removing finished jobs from Redis. apalis-redis keeps every job's payload (up to 100 records)
//! and metadata after it is done; without this, Redis grows by each night's whole data set.

use std::sync::LazyLock;
use std::time::Duration;

use apalis::prelude::BoxDynError;
use apalis_redis::{Config, ConnectionManager};
use redis::Script;

use queue::{ApplyBatchStorage, SweepRunStorage};

/// Finished jobs are kept this long, for the job board and for debugging, then removed.
pub const KEEP_FINISHED: Duration = Duration::from_hours(1);
const VACUUM_EVERY: Duration = Duration::from_mins(10);

/// Removes the payload and metadata of jobs that finished more than `older_than` ago; returns how
/// many. Only finished jobs go: waiting, running and scheduled ones are not touched, and a job
/// that failed is retried within seconds, long before it is old enough.
pub async fn vacuum_finished_jobs(
    applies: &ApplyBatchStorage,
    sweeps: &SweepRunStorage,
    older_than: Duration,
) -> Result<usize, BoxDynError> {
    let apply_jobs = vacuum_queue(
        applies.clone().get_connection(),
        applies.get_config(),
        older_than,
    )
    .await?;
    let sweep_jobs = vacuum_queue(
        sweeps.clone().get_connection(),
        sweeps.get_config(),
        older_than,
    )
    .await?;
    Ok(apply_jobs + sweep_jobs)
}

/// Walks the queue's set of finished jobs, and removes those done before the cutoff: payload,
/// metadata and membership. apalis-redis's own `vacuum_before` reads every payload of the queue
/// (`HGETALL` of the data hash) into the script to find them: with an hour of a night's jobs kept
/// that is hundreds of megabytes, and Redis answers nobody else for seconds — long enough for
/// the API's pushes and the workers' fetches to time out whenever a worker process starts.
static VACUUM_FINISHED: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"local cutoff = tonumber(redis.call('TIME')[1]) - tonumber(ARGV[1])
        local removed = 0
        for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
            local meta = KEYS[3] .. ':' .. id
            local done_at = tonumber(redis.call('HGET', meta, 'done_at'))
            if done_at == nil or done_at <= cutoff then
                redis.call('HDEL', KEYS[2], id)
                redis.call('DEL', meta)
                redis.call('SREM', KEYS[1], id)
                removed = removed + 1
            end
        end
        return removed",
    )
});

async fn vacuum_queue(
    conn: &mut ConnectionManager,
    config: &Config,
    older_than: Duration,
) -> Result<usize, BoxDynError> {
    Ok(VACUUM_FINISHED
        .key(config.done_jobs_set())
        .key(config.job_data_hash())
        .key(config.job_meta_hash())
        .arg(older_than.as_secs())
        .invoke_async(conn)
        .await?)
}

/// Vacuums every [`VACUUM_EVERY`], for ever, and puts back jobs stranded in the hands of workers
/// that are gone; errors are logged and tried again next time.
pub async fn run_vacuum(applies: ApplyBatchStorage, sweeps: SweepRunStorage) {
    let mut ticks = tokio::time::interval(VACUUM_EVERY);
    loop {
        ticks.tick().await;
        match vacuum_finished_jobs(&applies, &sweeps, KEEP_FINISHED).await {
            Ok(removed) => tracing::debug!(removed, "finished jobs removed from Redis"),
            Err(e) => tracing::warn!(error = %e, "removing finished jobs from Redis failed"),
        }
        let mut conn = applies.clone().get_connection().clone();
        for config in [applies.get_config(), sweeps.get_config()] {
            match queue::release_all_stranded(&mut conn, config).await {
                Ok(0) => {}
                Ok(jobs) => tracing::warn!(queue = config.queue.as_ref(), jobs,
                    "jobs were held by workers that are gone (stopped before handing them back); they are back in the queue"),
                Err(e) => tracing::warn!(error = %e, "looking for jobs held by workers that are gone failed"),
            }
        }
    }
}
