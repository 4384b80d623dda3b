//! Applying one job: the upsert and the run's progress accounting in one transaction.

use sqlx::{MySqlConnection, MySqlPool};

use crate::upserts::{upsert_records, RunStamp};
use records::job::ApplyBatch;

/// What applying a job did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The records were written and the job counted.
    Loaded { records: usize },
    /// The job was applied by an earlier delivery; nothing changed.
    AlreadyApplied,
    /// MySQL has no run with the job's id and nonce: the job outlived its run (MySQL restored to an
    /// earlier point, or the run deleted). Nothing was written; applying it could stamp rows for
    /// another run that took the same id.
    UnknownRun,
}

/// Whether MySQL knows the job's run, by id and nonce. A plain (non-locking) read: run rows are
/// never deleted and a run's nonce never changes.
pub async fn run_is_known(
    conn: &mut MySqlConnection,
    job: &ApplyBatch,
) -> Result<bool, sqlx::Error> {
    let nonce: Option<String> = sqlx::query_scalar("SELECT nonce FROM sync_runs WHERE id = ?")
        .bind(job.run_id)
        .fetch_optional(conn)
        .await?;
    Ok(nonce.as_deref() == Some(job.run_nonce.as_str()))
}

/// Claims the job in `run_jobs`; false when an earlier delivery already did.
///
/// The row lock taken here makes a concurrent duplicate delivery wait for this transaction and
/// then find the row, so the job is applied and counted once.
pub async fn claim_job(
    conn: &mut MySqlConnection,
    job: &ApplyBatch,
    loaded: usize,
    rejected: usize,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT IGNORE INTO run_jobs (run_id, batch_seq, chunk, records, loaded, rejected) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(job.run_id)
    .bind(job.batch_seq)
    .bind(job.chunk)
    .bind(job.records.len() as i64)
    .bind(loaded as i64)
    .bind(rejected as i64)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The stamp of the job's rows: its run, and whether that run is full.
pub fn stamp_of(job: &ApplyBatch) -> RunStamp {
    RunStamp {
        run_id: job.run_id,
        mode: job.mode,
    }
}

/// Applies a job as one statement in one transaction with its progress row.
pub async fn apply_job(pool: &MySqlPool, job: &ApplyBatch) -> Result<Applied, sqlx::Error> {
    let mut tx = pool.begin().await?;
    if !run_is_known(&mut tx, job).await? {
        tx.rollback().await?;
        return Ok(Applied::UnknownRun);
    }
    if !claim_job(&mut tx, job, job.records.len(), 0).await? {
        tx.rollback().await?;
        return Ok(Applied::AlreadyApplied);
    }
    upsert_records(&mut tx, &job.records, stamp_of(job)).await?;
    tx.commit().await?;
    Ok(Applied::Loaded {
        records: job.records.len(),
    })
}
