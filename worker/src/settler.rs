//! Moves closing runs on once their last job is applied. One cheap query a tick replaces a status
//! read after every job, which cost the database a statement per 100 records.

use std::time::Duration;

use apalis::prelude::BoxDynError;
use sqlx::MySqlPool;

use shared::db::lifecycle::{settle_run, Settled};
use shared::db::runs::{closing_run_ids, sweeping_runs};
use shared::jobs::{enqueue_sweep, SweepRunStorage};

/// How long a finished run may wait before it is seen: the end-to-end latency this adds.
pub const SETTLE_EVERY: Duration = Duration::from_millis(100);

/// Settles every closing run once; returns how many moved on.
pub async fn settle_closing_runs(
    pool: &MySqlPool,
    sweeps: &SweepRunStorage,
) -> Result<usize, BoxDynError> {
    let mut moved = 0;
    for run_id in closing_run_ids(pool).await? {
        match settle_run(pool, run_id).await? {
            Settled::Waiting | Settled::NotClosing => {}
            Settled::ReadyToSweep => {
                enqueue_sweep(&mut sweeps.clone(), run_id, false).await?;
                moved += 1;
            }
            Settled::Completed | Settled::Failed(_) => moved += 1,
        }
    }
    Ok(moved)
}

/// Pushes the sweep of every sweeping run again. A run moves to `sweeping` in MySQL before its
/// sweep job reaches Redis; if that push failed, nothing else would ever sweep it. The queue's
/// idempotency key makes the push a no-op for a sweep already queued, running or done.
pub async fn ensure_sweeps_queued(
    pool: &MySqlPool,
    sweeps: &SweepRunStorage,
) -> Result<(), BoxDynError> {
    for (run_id, approved) in sweeping_runs(pool).await? {
        enqueue_sweep(&mut sweeps.clone(), run_id, approved).await?;
    }
    Ok(())
}

/// Settles closing runs every [`SETTLE_EVERY`], for ever; errors are logged and tried again.
pub async fn run_settler(pool: MySqlPool, sweeps: SweepRunStorage) {
    let mut ticks = tokio::time::interval(SETTLE_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Err(e) = settle_closing_runs(&pool, &sweeps).await {
            tracing::warn!(error = %e, "settling closing runs failed; trying again");
        }
        if let Err(e) = ensure_sweeps_queued(&pool, &sweeps).await {
            tracing::warn!(error = %e, "queueing due sweeps failed; trying again");
        }
    }
}
