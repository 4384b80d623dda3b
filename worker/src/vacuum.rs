//! Removing finished jobs from Redis. apalis-redis keeps every job's payload (up to 100 records)
//! and metadata after it is done; without this, Redis grows by each night's whole data set.

use std::sync::LazyLock;
use std::time::Duration;

use apalis::prelude::BoxDynError;
use apalis_core::backend::Vacuum;

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
    let apply_jobs = applies.clone().vacuum_before(older_than).await?;
    forget_vacuumed(applies.clone().get_connection(), applies.get_config()).await?;
    let sweep_jobs = sweeps.clone().vacuum_before(older_than).await?;
    forget_vacuumed(sweeps.clone().get_connection(), sweeps.get_config()).await?;
    Ok(apply_jobs + sweep_jobs)
}

/// apalis's vacuum leaves the ids of the jobs it removed in the queue's set of done jobs.
static FORGET_VACUUMED: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"local forgotten = 0
        for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
            if redis.call('HEXISTS', KEYS[2], id) == 0 then
                redis.call('SREM', KEYS[1], id)
                forgotten = forgotten + 1
            end
        end
        return forgotten",
    )
});

async fn forget_vacuumed(conn: &mut ConnectionManager, config: &Config) -> Result<(), BoxDynError> {
    let _: usize = FORGET_VACUUMED
        .key(config.done_jobs_set())
        .key(config.job_data_hash())
        .invoke_async(conn)
        .await?;
    Ok(())
}

/// Vacuums every [`VACUUM_EVERY`], for ever; errors are logged and tried again next time.
pub async fn run_vacuum(applies: ApplyBatchStorage, sweeps: SweepRunStorage) {
    let mut ticks = tokio::time::interval(VACUUM_EVERY);
    loop {
        ticks.tick().await;
        match vacuum_finished_jobs(&applies, &sweeps, KEEP_FINISHED).await {
            Ok(removed) => tracing::debug!(removed, "finished jobs removed from Redis"),
            Err(e) => tracing::warn!(error = %e, "removing finished jobs from Redis failed"),
        }
    }
}
