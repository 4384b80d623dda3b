//! The run watch: moves closing runs on once their last job is applied, keeps every sweeping run's
//! sweep queued, fails closing runs whose jobs the queue lost, and fails runs abandoned without
//! progress.
//! One cheap query a tick replaces a status read after every job (a statement per 100 records).

use std::time::Duration;

use apalis::prelude::BoxDynError;
use sqlx::MySqlPool;

use queue::{enqueue_sweep, ApplyBatchStorage, SweepRunStorage};
use records::RunStatus;
use store::lifecycle::{advance_closing_run, fail_abandoned_runs, Advance};
use store::runs::closing_or_sweeping_runs;

use crate::lost_jobs::{fail_runs_with_lost_jobs, LOOK_FOR_LOST_JOBS_EVERY};
use crate::repeated_failure::RepeatedFailure;

/// How long a finished run may wait before it is seen: the end-to-end latency this adds.
pub const LOOK_AT_RUNS_EVERY: Duration = Duration::from_millis(100);

/// One pass over the unfinished runs: moves each closing one on if it is done, and pushes the
/// sweep of each sweeping one again; returns how many closing runs moved on.
///
/// A run moves to `sweeping` in MySQL before its sweep job reaches Redis; if that push failed,
/// nothing else would ever sweep it. The queue's idempotency key makes the push a no-op for a
/// sweep already queued, running or done.
pub async fn advance_runs(
    pool: &MySqlPool,
    sweeps: &SweepRunStorage,
) -> Result<usize, BoxDynError> {
    let mut moved = 0;
    for run in closing_or_sweeping_runs(pool).await? {
        if run.status == RunStatus::Sweeping {
            enqueue_sweep(
                &mut sweeps.clone(),
                run.run_id,
                &run.nonce,
                run.sweep_approved,
            )
            .await?;
            continue;
        }
        match advance_closing_run(pool, run.run_id).await? {
            Advance::Waiting | Advance::NotClosing => {}
            Advance::ReadyToSweep => {
                enqueue_sweep(&mut sweeps.clone(), run.run_id, &run.nonce, false).await?;
                moved += 1;
            }
            Advance::Completed | Advance::Failed(_) => moved += 1,
        }
    }
    Ok(moved)
}

/// How often runs without progress are looked for; the idle limit itself is hours.
pub const LOOK_FOR_ABANDONED_EVERY: Duration = Duration::from_secs(30);

/// Runs [`advance_runs`] every [`LOOK_AT_RUNS_EVERY`], fails closing runs whose jobs were lost
/// every [`LOOK_FOR_LOST_JOBS_EVERY`] and abandoned runs every [`LOOK_FOR_ABANDONED_EVERY`], for
/// ever; errors are tried again on the next tick and logged as [`RepeatedFailure`] says.
pub async fn watch_runs(
    pool: MySqlPool,
    applies: ApplyBatchStorage,
    sweeps: SweepRunStorage,
    idle_limit: Duration,
) {
    let mut ticks = tokio::time::interval(LOOK_AT_RUNS_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut lost = tokio::time::interval(LOOK_FOR_LOST_JOBS_EVERY);
    lost.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut abandoned = tokio::time::interval(LOOK_FOR_ABANDONED_EVERY);
    abandoned.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut advancing = RepeatedFailure::new("moving runs on");
    let mut looking_for_lost = RepeatedFailure::new("looking for lost jobs");
    let mut looking_for_abandoned = RepeatedFailure::new("looking for abandoned runs");
    loop {
        tokio::select! {
            _ = ticks.tick() => advancing.record(&advance_runs(&pool, &sweeps).await),
            _ = lost.tick() => {
                looking_for_lost.record(&fail_runs_with_lost_jobs(&pool, &applies).await);
            }
            _ = abandoned.tick() => {
                looking_for_abandoned.record(&fail_abandoned_runs(&pool, idle_limit, None).await);
            }
        }
    }
}
