//! The end of a run: what was posted, the wait until the API is done with the run (it is final,
//! or held for an operator), and the report.

use std::time::{Duration, Instant};

use records::api::{BatchReceipt, RecordError, RunView};
use records::{Entity, RunMode, RunStatus};

use super::{SyncOptions, REJECTION_SAMPLES};
use crate::client::ApiClient;
use crate::outcome::{RunReport, SyncError};
use crate::progress::{Progress, Sent};

/// Batches and records sent, and the first rejections.
#[derive(Default)]
pub(super) struct Posted {
    pub(super) sent: Sent,
    pub(super) rejections: Vec<RecordError>,
}

impl Posted {
    pub(super) fn add(&mut self, records: u64, receipt: BatchReceipt) {
        if receipt.accepted + receipt.rejected != records {
            tracing::warn!(
                seq = receipt.seq,
                records,
                ?receipt,
                "the API's counts do not add up to the batch"
            );
        }
        self.sent.batches += 1;
        self.sent.records += records;
        self.sent.accepted += receipt.accepted;
        self.sent.rejected += receipt.rejected;
        let room = REJECTION_SAMPLES.saturating_sub(self.rejections.len());
        self.rejections
            .extend(receipt.errors.into_iter().take(room));
    }
}

/// Polls the run until it is no longer in progress (final, or held), or the wait times out.
pub(super) async fn wait_for_outcome(
    client: &ApiClient,
    run_id: i64,
    options: &SyncOptions,
    progress: &Progress,
) -> Result<RunView, SyncError> {
    let started = Instant::now();
    loop {
        let run = client
            .get_run(run_id)
            .await
            .map_err(|source| SyncError::Status { run_id, source })?;
        progress.waiting(&run);
        if !run.status.in_progress() {
            return Ok(run);
        }
        if options
            .wait_timeout
            .is_some_and(|limit| started.elapsed() >= limit)
        {
            return Err(SyncError::WaitTimedOut {
                run_id,
                status: run.status,
                waited: started.elapsed(),
            });
        }
        tokio::time::sleep(options.poll_interval).await;
    }
}

/// How the run of `entity` opened before `run_id` ended, if it did not complete; best effort, since
/// it only informs the report.
pub(super) async fn previous_run_note(
    client: &ApiClient,
    entity: Entity,
    run_id: i64,
) -> Option<String> {
    let runs = client.recent_runs(entity, 2).await.ok()?;
    let previous = runs.into_iter().find(|run| run.run_id < run_id)?;
    if !matches!(previous.status, RunStatus::Failed | RunStatus::Aborted) {
        return None;
    }
    let note = format!(
        "run {} of {entity} ended {}{}",
        previous.run_id,
        previous.status.as_str(),
        previous
            .status_reason
            .as_deref()
            .map(|reason| format!(": {reason}"))
            .unwrap_or_default()
    );
    tracing::warn!(run_id, previous_run = previous.run_id, "{note}");
    Some(note)
}

pub(super) fn report(
    entity: Entity,
    mode: RunMode,
    posted: &Posted,
    run: RunView,
    elapsed: Duration,
    previous_run: Option<String>,
) -> RunReport {
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    let summary = |n: Option<i64>| n.map(count);
    RunReport {
        run_id: run.run_id,
        entity,
        mode,
        status: run.status,
        status_reason: run.status_reason,
        batches: posted.sent.batches,
        records: posted.sent.records,
        accepted: count(run.accepted_records),
        rejected: count(run.rejected_records),
        loaded: count(run.loaded_records),
        new: summary(run.new_records),
        changed: summary(run.changed_records),
        unchanged: summary(run.unchanged_records),
        swept: count(run.swept_rows),
        elapsed,
        rejection_samples: posted.rejections.clone(),
        previous_run,
    }
}
