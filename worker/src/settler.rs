//! Moves closing runs on once their last job is applied, and keeps every sweeping run's sweep queued.
//! One cheap query a tick replaces a status read after every job (a statement per 100 records).

use std::time::Duration;

use apalis::prelude::BoxDynError;
use sqlx::MySqlPool;

use shared::db::lifecycle::{settle_run, Settled};
use shared::db::runs::unsettled_runs;
use shared::domain::RunStatus;
use shared::jobs::{enqueue_sweep, SweepRunStorage};

/// How long a finished run may wait before it is seen: the end-to-end latency this adds.
pub const SETTLE_EVERY: Duration = Duration::from_millis(100);

/// One pass over the unsettled runs: settles each closing one, and pushes the sweep of each
/// sweeping one again; returns how many closing runs moved on.
///
/// A run moves to `sweeping` in MySQL before its sweep job reaches Redis; if that push failed,
/// nothing else would ever sweep it. The queue's idempotency key makes the push a no-op for a
/// sweep already queued, running or done.
pub async fn settle_runs(pool: &MySqlPool, sweeps: &SweepRunStorage) -> Result<usize, BoxDynError> {
    let mut moved = 0;
    for run in unsettled_runs(pool).await? {
        if run.status == RunStatus::Sweeping {
            enqueue_sweep(&mut sweeps.clone(), run.run_id, run.sweep_approved).await?;
            continue;
        }
        match settle_run(pool, run.run_id).await? {
            Settled::Waiting | Settled::NotClosing => {}
            Settled::ReadyToSweep => {
                enqueue_sweep(&mut sweeps.clone(), run.run_id, false).await?;
                moved += 1;
            }
            Settled::Completed | Settled::Failed(_) => moved += 1,
        }
    }
    Ok(moved)
}

/// Runs [`settle_runs`] every [`SETTLE_EVERY`], for ever; errors are logged and tried again.
pub async fn run_settler(pool: MySqlPool, sweeps: SweepRunStorage) {
    let mut ticks = tokio::time::interval(SETTLE_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Err(e) = settle_runs(&pool, &sweeps).await {
            tracing::warn!(error = %e, "settling runs failed; trying again");
        }
    }
}
