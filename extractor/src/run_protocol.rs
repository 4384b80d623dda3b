//! Drives one run of the ingest API: open it, stream the records in batches, declare its end,
//! and wait until the API has settled it. A run given up on is aborted, so it is never swept.

use std::future::Future;
use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};
use serde::Serialize;
use shared::domain::{Entity, RunMode};

use crate::batches::Batches;
use crate::client::{ApiClient, ApiError};
use crate::outcome::{AbortOutcome, RunReport, SyncError};
use crate::progress::{Progress, Sent};
use crate::wire::{BatchReceipt, RecordError, RunView};

/// How rejections are kept for the report; the API keeps them all.
const REJECTION_SAMPLES: usize = 5;

/// Tuning of a sync.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Records per batch (one `PUT`).
    pub batch_size: usize,
    /// Batches in flight at once; this also bounds the records held in memory.
    pub concurrency: usize,
    /// Shows progress on stderr when it is a terminal.
    pub progress: bool,
    /// Pause between two reads of the run's status while waiting for it to settle.
    pub poll_interval: Duration,
    /// Longest wait for the run to settle after its end was declared; `None` waits for ever.
    pub wait_timeout: Option<Duration>,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            batch_size: 1000,
            concurrency: 4,
            progress: true,
            poll_interval: Duration::from_millis(200),
            wait_timeout: Some(Duration::from_hours(1)),
        }
    }
}

/// Sends `records` of `entity` as one run and waits until the API settles it.
pub async fn sync_entity<I, R>(
    client: &ApiClient,
    entity: Entity,
    mode: RunMode,
    records: I,
    options: &SyncOptions,
) -> Result<RunReport, SyncError>
where
    I: IntoIterator<Item = R>,
    R: Serialize,
{
    sync_entity_until(
        client,
        entity,
        mode,
        records,
        options,
        std::future::pending(),
    )
    .await
}

/// [`sync_entity`] that gives up when `stop` completes (Ctrl-C, say): before the run's end is
/// declared, the run is aborted; after, only the wait stops and the run goes on in the API.
pub async fn sync_entity_until<I, R, S>(
    client: &ApiClient,
    entity: Entity,
    mode: RunMode,
    records: I,
    options: &SyncOptions,
    stop: S,
) -> Result<RunReport, SyncError>
where
    I: IntoIterator<Item = R>,
    R: Serialize,
    S: Future<Output = ()>,
{
    let started = Instant::now();
    let run_id = client
        .create_run(entity, mode)
        .await
        .map_err(|source| SyncError::Open {
            entity,
            mode,
            source,
        })?;
    tracing::info!(run_id, %entity, mode = mode.as_str(), "run opened");
    let progress = Progress::new(options.progress, entity, run_id);
    let mut stop = std::pin::pin!(stop);
    let delivered = tokio::select! {
        delivered = deliver(client, run_id, records, options, &progress) => delivered,
        () = &mut stop => Err(Failure::Interrupted),
    };
    let posted = match delivered {
        Ok(posted) => posted,
        Err(failure) => return Err(give_up(client, run_id, failure).await),
    };
    let run = tokio::select! {
        run = wait_until_settled(client, run_id, options, &progress) => run?,
        () = &mut stop => return Err(SyncError::StoppedWaiting { run_id }),
    };
    drop(progress);
    tracing::info!(run_id, status = run.status.as_str(), "run settled");
    Ok(report(entity, mode, &posted, run, started.elapsed()))
}

/// What went wrong before the run's end was declared, and so calls for an abort.
enum Failure {
    Batch { seq: u64, source: ApiError },
    Complete(ApiError),
    Interrupted,
}

/// Batches and records sent, and the first rejections.
#[derive(Default)]
struct Posted {
    sent: Sent,
    rejections: Vec<RecordError>,
}

impl Posted {
    fn add(&mut self, records: u64, receipt: BatchReceipt) {
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

/// Sends every batch, then declares the run's end with what was sent.
async fn deliver<I, R>(
    client: &ApiClient,
    run_id: i64,
    records: I,
    options: &SyncOptions,
    progress: &Progress,
) -> Result<Posted, Failure>
where
    I: IntoIterator<Item = R>,
    R: Serialize,
{
    let posted = post_batches(client, run_id, records, options, progress).await?;
    client
        .complete(run_id, posted.sent.batches, posted.sent.records)
        .await
        .map_err(Failure::Complete)?;
    tracing::debug!(
        run_id,
        batches = posted.sent.batches,
        records = posted.sent.records,
        "end declared"
    );
    Ok(posted)
}

/// Posts the batches with at most `concurrency` in flight; the iterator is only read as fast as
/// batches are answered, so memory holds `concurrency` batches whatever the size of the source.
async fn post_batches<I, R>(
    client: &ApiClient,
    run_id: i64,
    records: I,
    options: &SyncOptions,
    progress: &Progress,
) -> Result<Posted, Failure>
where
    I: IntoIterator<Item = R>,
    R: Serialize,
{
    let batches = Batches::new(records.into_iter(), options.batch_size);
    let mut answers = stream::iter(batches)
        .map(|(seq, batch)| async move {
            let answer = client.put_batch(run_id, seq, &batch).await;
            (seq, batch.len() as u64, answer)
        })
        .buffer_unordered(options.concurrency.max(1));
    let mut posted = Posted::default();
    while let Some((seq, records, answer)) = answers.next().await {
        let receipt = answer.map_err(|source| Failure::Batch { seq, source })?;
        posted.add(records, receipt);
        progress.sent(&posted.sent);
    }
    Ok(posted)
}

/// Polls the run until it is final or held, or the wait times out.
async fn wait_until_settled(
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
        if run.settled() {
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

/// Aborts the run, so a partial run can never be swept, and says why it was given up.
async fn give_up(client: &ApiClient, run_id: i64, failure: Failure) -> SyncError {
    let abort = match client.abort(run_id).await {
        Ok(_) => AbortOutcome::Aborted,
        Err(error) => {
            tracing::error!(run_id, %error, "the run could not be aborted");
            AbortOutcome::NotAborted(error)
        }
    };
    match failure {
        Failure::Batch { seq, source } => SyncError::Batch {
            run_id,
            seq,
            source,
            abort,
        },
        Failure::Complete(source) => SyncError::Complete {
            run_id,
            source,
            abort,
        },
        Failure::Interrupted => SyncError::Interrupted { run_id, abort },
    }
}

fn report(
    entity: Entity,
    mode: RunMode,
    posted: &Posted,
    run: RunView,
    elapsed: Duration,
) -> RunReport {
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
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
        elapsed,
        rejection_samples: posted.rejections.clone(),
    }
}
