//! Drives one run of the ingest API: open it, stream the records in batches, declare its end,
//! and wait until the API is done with it (final, or held for an operator). A run given up on is aborted, so it is never swept.

mod finish;

use std::future::Future;
use std::time::{Duration, Instant};

use futures::stream::{self, Stream, StreamExt, TryChunksError, TryStreamExt};
use records::api::BatchReceipt;
use records::{Entity, RunMode};
use serde::Serialize;

use crate::batches::Batches;
use crate::client::{ApiClient, ApiError};
use crate::outcome::{AbortOutcome, RunReport, SyncError};
use crate::progress::Progress;
use finish::{previous_run_note, report, wait_for_outcome, Posted};

/// Why a source stopped yielding records; it aborts the run.
pub type SourceError = Box<dyn std::error::Error + Send + Sync>;

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
    /// Pause between two reads of the run's status while waiting for its outcome.
    pub poll_interval: Duration,
    /// Longest wait for the run's outcome after its end was declared; `None` waits for ever.
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

/// Sends `records` of `entity` as one run and waits until the API is done with it.
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
    let batches = stream::iter(Batches::new(records.into_iter(), options.batch_size)).map(Ok);
    drive(client, entity, mode, batches, options, stop).await
}

/// [`sync_entity_until`] for a source that reads asynchronously and can fail, such as the ERP:
/// records are cut into batches as they arrive, and a source error aborts the run, so a run
/// that did not see every record can never be swept.
pub async fn sync_entity_stream_until<T, R, E, S>(
    client: &ApiClient,
    entity: Entity,
    mode: RunMode,
    records: T,
    options: &SyncOptions,
    stop: S,
) -> Result<RunReport, SyncError>
where
    T: Stream<Item = Result<R, E>>,
    R: Serialize,
    E: Into<SourceError>,
    S: Future<Output = ()>,
{
    let mut seq = 0;
    let batches = records
        .map_err(Into::into)
        .try_chunks(options.batch_size.max(1))
        .map(
            move |chunk: Result<Vec<R>, TryChunksError<R, SourceError>>| {
                seq += 1;
                chunk.map(|batch| (seq, batch)).map_err(|error| error.1)
            },
        );
    drive(client, entity, mode, batches, options, stop).await
}

/// Opens the run, delivers the batches, and waits until the API is done with the run.
async fn drive<B, R, S>(
    client: &ApiClient,
    entity: Entity,
    mode: RunMode,
    batches: B,
    options: &SyncOptions,
    stop: S,
) -> Result<RunReport, SyncError>
where
    B: Stream<Item = Result<(u64, Vec<R>), SourceError>>,
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
        })?
        .run_id;
    tracing::info!(run_id, %entity, mode = mode.as_str(), "run opened");
    let progress = Progress::new(options.progress, entity, run_id);
    let mut stop = std::pin::pin!(stop);
    let delivered = tokio::select! {
        delivered = deliver(client, run_id, batches, options, &progress) => delivered,
        () = &mut stop => Err(Failure::Interrupted),
    };
    let posted = match delivered {
        Ok(posted) => posted,
        Err(failure) => return Err(give_up(client, run_id, failure).await),
    };
    let run = tokio::select! {
        run = wait_for_outcome(client, run_id, options, &progress) => run?,
        () = &mut stop => return Err(SyncError::StoppedWaiting { run_id }),
    };
    drop(progress);
    tracing::info!(run_id, status = run.status.as_str(), "run finished");
    // Read last, so the protocol's own requests are never held up by it.
    let previous_run = previous_run_note(client, entity, run_id).await;
    Ok(report(
        entity,
        mode,
        &posted,
        run,
        started.elapsed(),
        previous_run,
    ))
}

/// What went wrong before the run's end was declared, and so calls for an abort.
enum Failure {
    Source(SourceError),
    Batch { seq: u64, source: ApiError },
    Complete(ApiError),
    Interrupted,
}

/// Sends every batch, then declares the run's end with what was sent.
async fn deliver<B, R>(
    client: &ApiClient,
    run_id: i64,
    batches: B,
    options: &SyncOptions,
    progress: &Progress,
) -> Result<Posted, Failure>
where
    B: Stream<Item = Result<(u64, Vec<R>), SourceError>>,
    R: Serialize,
{
    let posted = post_batches(client, run_id, batches, options, progress).await?;
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

/// Posts the batches with at most `concurrency` in flight; the source is only read as fast as
/// batches are answered, so memory holds `concurrency` batches whatever the size of the source.
async fn post_batches<B, R>(
    client: &ApiClient,
    run_id: i64,
    batches: B,
    options: &SyncOptions,
    progress: &Progress,
) -> Result<Posted, Failure>
where
    B: Stream<Item = Result<(u64, Vec<R>), SourceError>>,
    R: Serialize,
{
    let mut answers = std::pin::pin!(batches
        .map(|next| put_batch(client, run_id, next))
        .buffer_unordered(options.concurrency.max(1)));
    let mut posted = Posted::default();
    while let Some(answer) = answers.next().await {
        let (records, receipt) = answer?;
        posted.add(records, receipt);
        progress.sent(&posted.sent);
    }
    Ok(posted)
}

/// Sends one batch the source produced, or passes on the source's failure.
async fn put_batch<R: Serialize>(
    client: &ApiClient,
    run_id: i64,
    next: Result<(u64, Vec<R>), SourceError>,
) -> Result<(u64, BatchReceipt), Failure> {
    let (seq, batch) = next.map_err(Failure::Source)?;
    let answer = client.put_batch(run_id, seq, &batch).await;
    let receipt = answer.map_err(|source| Failure::Batch { seq, source })?;
    Ok((batch.len() as u64, receipt))
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
        Failure::Source(source) => SyncError::Source {
            run_id,
            source,
            abort,
        },
    }
}
