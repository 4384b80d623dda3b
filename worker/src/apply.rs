//! The apply handler: a plain function that loads one job, retrying what is transient,
//! isolating bad rows, and dead-lettering what fails for good.

use std::sync::atomic::{AtomicU32, Ordering};

use backon::Retryable;
use sqlx::MySqlPool;

use shared::db::dead_letters::{insert_dead_letter, NewDeadLetter};
use shared::db::jobs::{apply_job, Applied};
use shared::failure::{classify_sqlx, FailureKind};
use shared::jobs::ApplyBatch;

use crate::config::RetryConfig;
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
    },
}

/// Applies `job`; returns an error only when even the dead-letter table could not be written,
/// in which case the queue keeps the job and delivers it again.
pub async fn apply_batch(
    pool: &MySqlPool,
    job: &ApplyBatch,
    retry: RetryConfig,
) -> Result<JobOutcome, sqlx::Error> {
    let attempts = AtomicU32::new(0);
    let result = (|| async {
        attempts.fetch_add(1, Ordering::Relaxed);
        apply_job(pool, job).await
    })
    .retry(retry.backoff())
    .when(|e| classify_sqlx(e) == FailureKind::Retriable)
    .notify(|e, delay| tracing::warn!(run_id = job.run_id, job = %job.key(), error = %e, ?delay, "retrying job"))
    .await;
    let outcome = match result {
        Ok(Applied::Loaded { records }) => JobOutcome::Loaded { records },
        Ok(Applied::AlreadyApplied) => JobOutcome::AlreadyApplied,
        Err(e) if classify_sqlx(&e) == FailureKind::BadData => {
            tracing::warn!(run_id = job.run_id, job = %job.key(), error = %e, "isolating rows the database refused");
            match isolate_bad_rows(pool, job, retry).await {
                Ok(outcome) => outcome,
                Err(e) => dead_letter(pool, job, attempts.load(Ordering::Relaxed), &e).await?,
            }
        }
        Err(e) => dead_letter(pool, job, attempts.load(Ordering::Relaxed), &e).await?,
    };
    Ok(outcome)
}

async fn dead_letter(
    pool: &MySqlPool,
    job: &ApplyBatch,
    attempts: u32,
    error: &sqlx::Error,
) -> Result<JobOutcome, sqlx::Error> {
    let payload = serde_json::to_string(job).unwrap_or_default();
    let last_error = error.to_string();
    let id = insert_dead_letter(
        pool,
        &NewDeadLetter {
            job_kind: "apply-batch",
            job_key: &job.key(),
            run_id: Some(job.run_id),
            attempts,
            last_error: &last_error,
            payload: &payload,
        },
    )
    .await?;
    tracing::error!(run_id = job.run_id, job = %job.key(), dead_letter_id = id, error = %last_error, "job dead-lettered");
    Ok(JobOutcome::DeadLettered { dead_letter_id: id })
}
