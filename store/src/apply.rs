//! Applying jobs: each job's upsert and its row of the run's progress in one transaction, one job
//! alone or several together.

use sqlx::{MySql, MySqlConnection, MySqlPool, QueryBuilder};

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

/// Applies several jobs in one transaction, each still its own statement and its own `run_jobs`
/// row; `true` when every one of them was new and is now loaded and counted.
///
/// `false` means nothing was written: a job was applied before (a redelivery) or its run is
/// unknown, and the caller applies the jobs one by one with [`apply_job`] to learn which. That
/// path is rare, so the common one costs one statement per job plus four per group, instead of
/// five per job.
pub async fn apply_jobs_together(
    pool: &MySqlPool,
    jobs: &[&ApplyBatch],
) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    if !runs_are_known(&mut tx, jobs).await? || !claim_all(&mut tx, jobs).await? {
        tx.rollback().await?;
        return Ok(false);
    }
    for job in jobs {
        upsert_records(&mut tx, &job.records, stamp_of(job)).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Whether MySQL knows the run of every job: one read per distinct run (a group is nearly always
/// of one run).
async fn runs_are_known(
    conn: &mut MySqlConnection,
    jobs: &[&ApplyBatch],
) -> Result<bool, sqlx::Error> {
    let mut checked: Vec<(i64, &str)> = Vec::new();
    for job in jobs {
        let run = (job.run_id, job.run_nonce.as_str());
        if checked.contains(&run) {
            continue;
        }
        if !run_is_known(conn, job).await? {
            return Ok(false);
        }
        checked.push(run);
    }
    Ok(true)
}

/// Claims every job in `run_jobs` with one statement; false when any was claimed before. The
/// row locks make a concurrent duplicate delivery wait for this transaction, then find its row.
async fn claim_all(conn: &mut MySqlConnection, jobs: &[&ApplyBatch]) -> Result<bool, sqlx::Error> {
    let mut insert = QueryBuilder::<MySql>::new(
        "INSERT IGNORE INTO run_jobs (run_id, batch_seq, chunk, records, loaded, rejected) ",
    );
    insert.push_values(jobs, |mut row, job| {
        let records = job.records.len() as i64;
        row.push_bind(job.run_id)
            .push_bind(job.batch_seq)
            .push_bind(job.chunk)
            .push_bind(records)
            .push_bind(records)
            .push_bind(0_i64);
    });
    let claimed = insert.build().execute(&mut *conn).await?.rows_affected();
    Ok(claimed == jobs.len() as u64)
}
