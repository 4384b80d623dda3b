//! The apply handler: a plain function that loads one job, retrying what is transient,
//! isolating bad rows, and dead-lettering what fails for good.

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use backon::Retryable;
use sqlx::MySqlPool;

use queue::{ApplyBatch, ApplyPayload};
use store::apply::{apply_job, Applied};
use store::dead_letters::{insert_dead_letter, NewDeadLetter};
use store::failure::{classify_sqlx, is_unreachable, FailureKind};

use crate::config::RetryConfig;
use crate::events::{JobFinished, JobHeld, JobRetried, UndecodableDeadLettered};
use crate::isolate::isolate_bad_rows;

/// How a job ended. Every job ends in one of these; none ends in silence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    Loaded {
        records: usize,
    },
    /// Some rows were refused by the database and stored as rejected; the others loaded.
    PartlyLoaded {
        loaded: usize,
        rejected: usize,
    },
    AlreadyApplied,
    DeadLettered {
        dead_letter_id: i64,
        /// The last error, as stored with the dead letter.
        error: String,
    },
}

/// Applies `job`; returns an error when MySQL is unreachable (the job is not dead-lettered for
/// that) or the dead-letter table could not be written. The queue handler calls
/// [`apply_until_recorded`] instead, which never gives a job back.
pub async fn apply_batch(
    pool: &MySqlPool,
    job: &ApplyBatch,
    retry: RetryConfig,
) -> Result<JobOutcome, sqlx::Error> {
    let attempts = AtomicU32::new(0);
    let key = job.key();
    let result = (|| async {
        attempts.fetch_add(1, Ordering::Relaxed);
        apply_job(pool, job).await
    })
    .retry(retry.backoff())
    .when(|e| classify_sqlx(e) == FailureKind::Retriable)
    .notify(|error, delay| {
        let run_id = job.run_id;
        JobRetried {
            run_id,
            key: &key,
            error,
            delay,
        }
        .emit();
    })
    .await;
    let outcome = match result {
        Ok(Applied::Loaded { records }) => JobOutcome::Loaded { records },
        Ok(Applied::AlreadyApplied) => JobOutcome::AlreadyApplied,
        Ok(Applied::UnknownRun) => {
            let reason = format!(
                "MySQL has no run {} with nonce {:?}: the job outlived its run (was MySQL restored \
                 to an earlier point?); nothing was written",
                job.run_id, job.run_nonce
            );
            dead_letter(pool, job, attempts.load(Ordering::Relaxed), &reason).await?
        }
        Err(e) if classify_sqlx(&e) == FailureKind::BadData => {
            tracing::warn!(error = %e, "isolating rows the database refused");
            match isolate_bad_rows(pool, job, retry).await {
                Ok(outcome) => outcome,
                Err(e) if is_unreachable(&e) => return Err(e),
                Err(e) => {
                    dead_letter(pool, job, attempts.load(Ordering::Relaxed), &e.to_string()).await?
                }
            }
        }
        // MySQL away is no fault of the job: the caller waits it out.
        Err(e) if is_unreachable(&e) => return Err(e),
        Err(e) => dead_letter(pool, job, attempts.load(Ordering::Relaxed), &e.to_string()).await?,
    };
    Ok(outcome)
}

/// Longest pause between two tries of a job that could be neither applied nor dead-lettered.
const MAX_HOLD_DELAY: Duration = Duration::from_secs(30);

/// Applies `job` and does not return until MySQL holds its outcome: loaded, rejected rows or a
/// dead letter.
///
/// When MySQL is unreachable, or cannot even take the dead letter, handing the job back to the queue
/// would be worse than waiting: apalis retries a failed job a fixed number of times, seconds
/// apart, then parks it where no operator looks, and its run would stay closing for ever. Holding
/// it also stops this worker from taking more jobs while MySQL is away.
#[tracing::instrument(skip_all, fields(run_id = job.run_id, job = %job.key()))]
pub async fn apply_until_recorded(
    pool: &MySqlPool,
    job: &ApplyBatch,
    retry: RetryConfig,
) -> JobOutcome {
    let started = Instant::now();
    let key = job.key();
    let outcome =
        hold_until_recorded(job.run_id, &key, retry, || apply_batch(pool, job, retry)).await;
    JobFinished {
        run_id: job.run_id,
        key: &key,
        entity: job.records.entity(),
        outcome: &outcome,
        elapsed: started.elapsed(),
    }
    .emit();
    outcome
}

/// Runs `record` until it succeeds, holding the job `key` meanwhile: each failure (MySQL
/// unreachable, or unable even to take a dead letter) is reported, then waited out with a pause
/// that doubles up to [`MAX_HOLD_DELAY`].
async fn hold_until_recorded<T, Fut>(
    run_id: i64,
    key: &str,
    retry: RetryConfig,
    mut record: impl FnMut() -> Fut,
) -> T
where
    Fut: Future<Output = Result<T, sqlx::Error>>,
{
    let mut delay = retry.first_delay;
    loop {
        match record().await {
            Ok(recorded) => return recorded,
            Err(error) => {
                JobHeld {
                    run_id,
                    key,
                    error: &error,
                    delay,
                }
                .emit();
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(MAX_HOLD_DELAY);
            }
        }
    }
}

async fn dead_letter(
    pool: &MySqlPool,
    job: &ApplyBatch,
    attempts: u32,
    last_error: &str,
) -> Result<JobOutcome, sqlx::Error> {
    let payload = serde_json::to_string(job).unwrap_or_default();
    let id = insert_dead_letter(
        pool,
        &NewDeadLetter {
            job_kind: "apply-batch",
            job_key: &job.key(),
            run_id: Some(job.run_id),
            attempts,
            last_error,
            payload: &payload,
        },
    )
    .await?;
    Ok(JobOutcome::DeadLettered {
        dead_letter_id: id,
        error: last_error.to_owned(),
    })
}

/// What can still be read of a payload that does not decode: the job's place in its run.
#[derive(serde::Deserialize)]
struct Header {
    run_id: Option<i64>,
    run_nonce: Option<String>,
    batch_seq: Option<i64>,
    chunk: Option<i32>,
}

/// Dead-letters a payload that does not decode into a job, with the reason, and does not return
/// until MySQL holds it. Retrying would fail the same way: nothing is written to the records.
#[tracing::instrument(skip_all)]
pub async fn dead_letter_undecodable(
    pool: &MySqlPool,
    payload: &ApplyPayload,
    reason: &str,
    retry: RetryConfig,
) -> JobOutcome {
    let header = serde_json::from_str::<Header>(payload.text()).ok();
    let run_id = header.as_ref().and_then(|h| h.run_id);
    let key = match header {
        Some(Header {
            run_id: Some(run_id),
            run_nonce: Some(nonce),
            batch_seq: Some(seq),
            chunk: Some(chunk),
        }) => records::job::apply_job_key(run_id, &nonce, seq, chunk),
        _ => "undecodable".to_owned(),
    };
    let last_error = format!("the payload does not decode into a job: {reason}");
    let letter = NewDeadLetter {
        job_kind: "apply-batch",
        job_key: &key,
        run_id,
        attempts: 1,
        last_error: &last_error,
        payload: payload.text(),
    };
    let dead_letter_id = hold_until_recorded(run_id.unwrap_or(0), &key, retry, || {
        insert_dead_letter(pool, &letter)
    })
    .await;
    UndecodableDeadLettered {
        run_id,
        key: &key,
        dead_letter_id,
        error: &last_error,
    }
    .emit();
    JobOutcome::DeadLettered {
        dead_letter_id,
        error: last_error,
    }
}
