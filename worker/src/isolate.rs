//! Isolating the rows of a job that the database refuses, so the good rows still load.

use backon::Retryable;
use sqlx::MySqlPool;

use queue::{ApplyBatch, Records};
use store::apply::{claim_job, upsert_records};
use store::failure::{classify_sqlx, FailureKind};

use crate::apply::JobOutcome;
use crate::config::RetryConfig;

fn single(records: &Records, index: usize) -> Records {
    match records {
        Records::Influencers(rows) => Records::Influencers(vec![rows[index].clone()]),
        Records::Contracts(rows) => Records::Contracts(vec![rows[index].clone()]),
    }
}

/// Applies the job row by row, storing each refused row in `rejected_records` with the database's
/// reason, then counts the job once. Each row is its own transaction: upserts are idempotent and
/// rejections are unique per record, so a crash half-way is repaired by the redelivery.
pub async fn isolate_bad_rows(
    pool: &MySqlPool,
    job: &ApplyBatch,
    retry: RetryConfig,
) -> Result<JobOutcome, sqlx::Error> {
    let mut rejected = 0;
    for index in 0..job.records.len() {
        let one = single(&job.records, index);
        let applied = (|| async {
            let mut conn = pool.acquire().await?;
            upsert_records(&mut conn, job, &one).await
        })
        .retry(retry.backoff())
        .when(|e| classify_sqlx(e) == FailureKind::Retriable)
        .await;
        match applied {
            Ok(_) => {}
            Err(e) if classify_sqlx(&e) == FailureKind::BadData => {
                rejected += 1;
                store_rejection(pool, job, index, &one, &e).await?;
            }
            Err(e) => return Err(e),
        }
    }
    let loaded = job.records.len() - rejected;
    let mut conn = pool.acquire().await?;
    if !claim_job(&mut conn, job, loaded, rejected).await? {
        return Ok(JobOutcome::AlreadyApplied);
    }
    Ok(JobOutcome::PartlyLoaded { loaded, rejected })
}

async fn store_rejection(
    pool: &MySqlPool,
    job: &ApplyBatch,
    index: usize,
    one: &Records,
    error: &sqlx::Error,
) -> Result<(), sqlx::Error> {
    let (erp_id, payload) = match one {
        Records::Influencers(rows) => (rows[0].erp_id().get(), serde_json::to_string(&rows[0])),
        Records::Contracts(rows) => (rows[0].erp_id().get(), serde_json::to_string(&rows[0])),
    };
    let problems = serde_json::json!([{ "field": "record", "message": format!("refused by the database: {}", database_message(error)) }]);
    sqlx::query(
        "INSERT IGNORE INTO rejected_records (run_id, entity, batch_seq, record_index, erp_id, stage, problems, payload) \
         VALUES (?, ?, ?, ?, ?, 'database', ?, ?)",
    )
    .bind(job.run_id)
    .bind(job.records.entity().as_str())
    .bind(job.batch_seq)
    .bind(job.indices.get(index).copied().unwrap_or(index as i32))
    .bind(erp_id)
    .bind(problems.to_string())
    .bind(payload.unwrap_or_default())
    .execute(pool)
    .await?;
    Ok(())
}

/// The server's own words, without sqlx's wrapping.
fn database_message(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Database(db) => db.message().to_owned(),
        other => other.to_string(),
    }
}
