//! The jobs a closing run still waits for once it has gone quiet, so that the worker can check
//! they are still in the queue: a job Redis lost (flushed, restarted without its data, evicted)
//! would otherwise keep its run closing, in silence, until `DIS_RUN_IDLE_LIMIT`.

use std::collections::HashSet;
use std::time::Duration;

use records::job::apply_job_key;
use sqlx::MySqlPool;

use crate::lifecycle::LAST_PROGRESS;

/// A closing run without progress for a while, and the keys of the jobs it waits for: those of
/// its received batches neither applied nor dead-lettered (a dead letter waits for an operator,
/// not for the queue).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuietRun {
    pub run_id: i64,
    pub jobs_enqueued: i64,
    pub waiting_for: Vec<String>,
}

/// Closing runs that wait for jobs and have made no progress for `quiet`, oldest first. Cheap
/// while runs move: the jobs are only listed for runs that stopped moving.
pub async fn quiet_closing_runs(
    pool: &MySqlPool,
    quiet: Duration,
) -> Result<Vec<QuietRun>, sqlx::Error> {
    let quiet_us = i64::try_from(quiet.as_micros()).unwrap_or(i64::MAX);
    let runs: Vec<(i64, String, i64)> = sqlx::query_as(&format!(
        "SELECT r.id, r.nonce, r.jobs_enqueued, {LAST_PROGRESS} AS last_progress FROM sync_runs r \
         WHERE r.status = 'closing' \
         AND r.jobs_enqueued > (SELECT COUNT(*) FROM run_jobs j WHERE j.run_id = r.id) \
         HAVING last_progress < NOW(6) - INTERVAL ? MICROSECOND ORDER BY r.id"
    ))
    .bind(quiet_us)
    .fetch_all(pool)
    .await?;
    let mut quiet_runs = Vec::with_capacity(runs.len());
    for (run_id, nonce, jobs_enqueued) in runs {
        let waiting_for = jobs_waited_for(pool, run_id, &nonce).await?;
        quiet_runs.push(QuietRun {
            run_id,
            jobs_enqueued,
            waiting_for,
        });
    }
    Ok(quiet_runs)
}

async fn jobs_waited_for(
    pool: &MySqlPool,
    run_id: i64,
    nonce: &str,
) -> Result<Vec<String>, sqlx::Error> {
    let batches: Vec<(i64, i64)> =
        sqlx::query_as("SELECT seq, jobs FROM run_batches WHERE run_id = ? AND state = 'enqueued'")
            .bind(run_id)
            .fetch_all(pool)
            .await?;
    let applied: HashSet<(i64, i32)> =
        sqlx::query_as("SELECT batch_seq, chunk FROM run_jobs WHERE run_id = ?")
            .bind(run_id)
            .fetch_all(pool)
            .await?
            .into_iter()
            .collect();
    let dead: HashSet<String> = sqlx::query_scalar(
        "SELECT job_key FROM dead_letters WHERE run_id = ? AND job_kind = 'apply-batch'",
    )
    .bind(run_id)
    .fetch_all(pool)
    .await?
    .into_iter()
    .collect();
    let mut waiting = Vec::new();
    for (seq, jobs) in batches {
        for chunk in 0..i32::try_from(jobs).unwrap_or(i32::MAX) {
            if applied.contains(&(seq, chunk)) {
                continue;
            }
            let key = apply_job_key(run_id, nonce, seq, chunk);
            if !dead.contains(&key) {
                waiting.push(key);
            }
        }
    }
    Ok(waiting)
}
