//! Isolating the rows of a job that the database refuses, so the good rows still load.

use backon::Retryable;
use sqlx::MySqlPool;

use queue::{ApplyBatch, Records};
use records::{Record, RecordProblems, RecordsVisitor};
use store::apply::{claim_job, stamp_of};
use store::batches::{store_refused_record, Rejection};
use store::failure::{classify_sqlx, FailureKind};
use store::upserts::upsert_records;

use crate::apply::JobOutcome;
use crate::config::RetryConfig;

/// One record of a job, alone, as records of its entity; and its key and JSON for a rejection.
struct Single(usize);

impl<'r> RecordsVisitor<'r> for Single {
    type Output = (Records, i64, String);

    fn visit<R: Record>(self, records: &'r [R]) -> Self::Output {
        let record = &records[self.0];
        // The wire object, field names and all, as the API stores the records it refuses.
        let payload = serde_json::to_string(&record.to_wire()).unwrap_or_default();
        (
            R::into_records(vec![record.clone()]),
            record.erp_id().get(),
            payload,
        )
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
        let (one, erp_id, payload) = job.records.dispatch(Single(index));
        let applied = (|| async {
            let mut conn = pool.acquire().await?;
            upsert_records(&mut conn, &one, stamp_of(job)).await
        })
        .retry(retry.backoff())
        .when(|e| classify_sqlx(e) == FailureKind::Retriable)
        .await;
        match applied {
            Ok(_) => {}
            Err(e) if classify_sqlx(&e) == FailureKind::BadData => {
                rejected += 1;
                let mut problems = RecordProblems::default();
                problems.add(
                    "record",
                    format!("refused by the database: {}", database_message(&e)),
                );
                let rejection = Rejection {
                    record_index: job.indices.get(index).copied().unwrap_or(index as i32),
                    erp_id: Some(erp_id),
                    problems,
                    payload,
                };
                let entity = job.records.entity();
                store_refused_record(pool, job.run_id, entity, job.batch_seq, &rejection).await?;
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

/// The server's own words, without sqlx's wrapping.
fn database_message(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Database(db) => db.message().to_owned(),
        other => other.to_string(),
    }
}
