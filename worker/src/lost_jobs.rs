//! Jobs lost with the queue. Redis holds a run's jobs until they are applied; if it loses them (a
//! flush, a restart without persistence, an eviction), nothing would ever apply them and their run
//! would wait in `closing`, in silence, until `DIS_RUN_IDLE_LIMIT` (hours) failed it. A closing run
//! that has gone quiet is checked instead: when jobs it waits for are neither applied nor known to
//! the queue any more, it is failed at once, saying so. A failed run is never swept; the
//! extractor's next run loads everything again.

use std::time::Duration;

use apalis::prelude::BoxDynError;
use sqlx::MySqlPool;

use queue::{forgotten_apply_jobs, ApplyBatchStorage};
use records::RunStatus;
use store::outstanding::quiet_closing_runs;
use store::runs::transition;

/// How often quiet closing runs are checked.
pub const LOOK_FOR_LOST_JOBS_EVERY: Duration = Duration::from_secs(5);

/// How long a closing run must have made no progress before its jobs are looked for: well above
/// the time a worker holds a job it has taken from the queue (whose queue entry a flush can
/// remove while the worker still applies it), so a run that is moving is never checked.
pub const QUIET_BEFORE_LOOKING: Duration = Duration::from_secs(10);

/// Fails every quiet closing run whose awaited jobs the queue has forgotten; returns their ids.
pub async fn fail_runs_with_lost_jobs(
    pool: &MySqlPool,
    applies: &ApplyBatchStorage,
) -> Result<Vec<i64>, BoxDynError> {
    let mut failed = Vec::new();
    for run in quiet_closing_runs(pool, QUIET_BEFORE_LOOKING).await? {
        let lost = forgotten_apply_jobs(applies, &run.waiting_for).await?;
        if lost.is_empty() {
            continue;
        }
        let queue = applies.get_config().queue.as_ref().to_owned();
        let reason = format!(
            "{} of its {} jobs were lost: neither applied nor in the queue {queue} any more (was \
             Redis flushed, restarted without its data, or evicting keys?); failed so that it is \
             never swept; run it again (first lost: {})",
            lost.len(),
            run.jobs_enqueued,
            lost[0]
        );
        if transition(
            pool,
            run.run_id,
            &[RunStatus::Closing],
            RunStatus::Failed,
            Some(&reason),
        )
        .await?
        {
            tracing::error!(run_id = run.run_id, %reason, "run failed: its jobs were lost");
            failed.push(run.run_id);
        }
    }
    Ok(failed)
}
