//! Deciding when a closing run is finished: every declared batch received, every job applied.

use sqlx::MySqlPool;

use crate::db::runs::{get_run, highest_seq, transition};
use crate::domain::{RunMode, RunStatus};

/// Where a settle attempt left the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    /// The run is not closing (still open, or already past this point): nothing to do.
    NotClosing,
    /// Batches or jobs are still outstanding.
    Waiting,
    /// What arrived can never match what was declared; the run failed and will never be swept.
    Failed(String),
    /// Every record of an incremental run is applied.
    Completed,
    /// Every record of a full run is applied and the run moved to `sweeping`: the caller enqueues the sweep.
    ReadyToSweep,
}

/// Checks a closing run against its declared end and moves it on when it is done.
///
/// Safe to call from any number of places at once: the status moves by a conditional update, so
/// only one caller wins each transition.
pub async fn settle_run(pool: &MySqlPool, run_id: i64) -> Result<Settled, sqlx::Error> {
    let Some(run) = get_run(pool, run_id).await? else {
        return Ok(Settled::NotClosing);
    };
    if run.status != RunStatus::Closing {
        return Ok(Settled::NotClosing);
    }
    let declared_batches = run.declared_batches.unwrap_or(0);
    let declared_records = run.declared_records.unwrap_or(0);
    let highest = highest_seq(pool, run_id).await?;
    let mismatch = if highest > declared_batches || run.received_batches > declared_batches {
        Some(format!(
            "declared {declared_batches} batches but received batch number {highest}"
        ))
    } else if run.received_batches == declared_batches && run.received_records != declared_records {
        Some(format!(
            "declared {declared_records} records but the {declared_batches} batches held {}",
            run.received_records
        ))
    } else {
        None
    };
    if let Some(reason) = mismatch {
        transition(
            pool,
            run_id,
            &[RunStatus::Closing],
            RunStatus::Failed,
            Some(&reason),
        )
        .await?;
        return Ok(Settled::Failed(reason));
    }
    if run.received_batches < declared_batches || run.jobs_applied < run.jobs_enqueued {
        return Ok(Settled::Waiting);
    }
    let (next, settled) = match run.mode {
        RunMode::Incremental => (RunStatus::Completed, Settled::Completed),
        RunMode::Full => (RunStatus::Sweeping, Settled::ReadyToSweep),
    };
    if transition(pool, run_id, &[RunStatus::Closing], next, None).await? {
        Ok(settled)
    } else {
        Ok(Settled::NotClosing)
    }
}
