//! Batches received by runs: idempotent receipt, and the rejected records they carried.

use sqlx::{MySql, MySqlPool, Row};

use records::api::{RejectedRecord, RejectionStage};
use records::{Entity, RecordProblems};

/// A batch already on file for `(run_id, seq)`.
#[derive(Debug, Clone)]
pub struct StoredBatch {
    pub body_sha256: String,
    pub enqueued: bool,
    pub response: String,
}

/// One record refused, as it is stored.
#[derive(Debug, Clone)]
pub struct Rejection {
    pub record_index: i32,
    pub erp_id: Option<i64>,
    pub problems: RecordProblems,
    /// The record as it came, JSON.
    pub payload: String,
}

/// Stores a refusal once: a redelivered job or a replayed batch finds its row already there.
async fn insert_rejection<'e>(
    executor: impl sqlx::Executor<'e, Database = MySql>,
    run_id: i64,
    entity: Entity,
    batch_seq: i64,
    stage: RejectionStage,
    rejection: &Rejection,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT IGNORE INTO rejected_records (run_id, entity, batch_seq, record_index, erp_id, stage, problems, payload) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(run_id)
    .bind(entity.as_str())
    .bind(batch_seq)
    .bind(rejection.record_index)
    .bind(rejection.erp_id)
    .bind(stage.as_str())
    .bind(serde_json::to_string(&rejection.problems).unwrap_or_default())
    .bind(&rejection.payload)
    .execute(executor)
    .await?;
    Ok(())
}

/// Stores a record of a job that the database refused, with the database's reason.
pub async fn store_refused_record(
    pool: &MySqlPool,
    run_id: i64,
    entity: Entity,
    batch_seq: i64,
    rejection: &Rejection,
) -> Result<(), sqlx::Error> {
    insert_rejection(
        pool,
        run_id,
        entity,
        batch_seq,
        RejectionStage::Database,
        rejection,
    )
    .await
}

/// Counts of a batch, fixed when it is first received.
#[derive(Debug, Clone, Copy)]
pub struct BatchCounts {
    pub records: i64,
    pub accepted: i64,
    pub rejected: i64,
    pub jobs: i64,
}

pub async fn find_batch(
    pool: &MySqlPool,
    run_id: i64,
    seq: i64,
) -> Result<Option<StoredBatch>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT body_sha256, state, response FROM run_batches WHERE run_id = ? AND seq = ?",
    )
    .bind(run_id)
    .bind(seq)
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(StoredBatch {
            body_sha256: r.try_get("body_sha256")?,
            enqueued: r.try_get::<String, _>("state")? == "enqueued",
            response: r.try_get("response")?,
        })
    })
    .transpose()
}

/// Files a new batch as `pending` with its rejected records, in one transaction.
/// Returns false when the same `(run_id, seq)` was filed meanwhile by a concurrent request.
#[allow(clippy::too_many_arguments)]
pub async fn file_pending_batch(
    pool: &MySqlPool,
    run_id: i64,
    entity: Entity,
    seq: i64,
    body_sha256: &str,
    counts: BatchCounts,
    rejections: &[Rejection],
    response: &str,
) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO run_batches (run_id, seq, body_sha256, records, accepted, rejected, jobs, state, response) \
         VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
    )
    .bind(run_id)
    .bind(seq)
    .bind(body_sha256)
    .bind(counts.records)
    .bind(counts.accepted)
    .bind(counts.rejected)
    .bind(counts.jobs)
    .bind(response)
    .execute(&mut *tx)
    .await;
    match inserted {
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Ok(false),
        other => other?,
    };
    for rejection in rejections {
        insert_rejection(
            &mut *tx,
            run_id,
            entity,
            seq,
            RejectionStage::Validation,
            rejection,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Marks a pending batch as enqueued and adds its counts to its run, exactly once. True when this
/// call moved it; false when an earlier request (the same batch sent again) already had, so
/// whoever counts batches counts each once.
pub async fn mark_batch_enqueued(
    pool: &MySqlPool,
    run_id: i64,
    seq: i64,
) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let moved = sqlx::query("UPDATE run_batches SET state = 'enqueued' WHERE run_id = ? AND seq = ? AND state = 'pending'")
        .bind(run_id)
        .bind(seq)
        .execute(&mut *tx)
        .await?;
    let moved = moved.rows_affected() == 1;
    if moved {
        sqlx::query(
            "UPDATE sync_runs r JOIN run_batches b ON b.run_id = r.id AND b.seq = ? \
             SET r.received_batches = r.received_batches + 1, r.received_records = r.received_records + b.records, \
                 r.accepted_records = r.accepted_records + b.accepted, r.rejected_records = r.rejected_records + b.rejected, \
                 r.jobs_enqueued = r.jobs_enqueued + b.jobs \
             WHERE r.id = ?",
        )
        .bind(seq)
        .bind(run_id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(moved)
}

pub async fn rejected_records_of_run(
    pool: &MySqlPool,
    run_id: i64,
    limit: i64,
) -> Result<Vec<RejectedRecord>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, run_id, entity, batch_seq, record_index, erp_id, stage, problems, payload \
         FROM rejected_records WHERE run_id = ? ORDER BY batch_seq, record_index LIMIT ?",
    )
    .bind(run_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter().map(rejected_record).collect()
}

fn rejected_record(row: &sqlx::mysql::MySqlRow) -> Result<RejectedRecord, sqlx::Error> {
    let decode = |e: String| sqlx::Error::Decode(e.into());
    let json = |column: &str| -> Result<serde_json::Value, sqlx::Error> {
        let text: String = row.try_get(column)?;
        serde_json::from_str(&text).map_err(|e| decode(e.to_string()))
    };
    Ok(RejectedRecord {
        id: row.try_get("id")?,
        run_id: row.try_get("run_id")?,
        entity: Entity::parse(&row.try_get::<String, _>("entity")?).map_err(decode)?,
        batch_seq: row.try_get("batch_seq")?,
        record_index: row.try_get("record_index")?,
        erp_id: row.try_get("erp_id")?,
        stage: RejectionStage::parse(&row.try_get::<String, _>("stage")?).map_err(decode)?,
        problems: serde_json::from_value(json("problems")?).map_err(|e| decode(e.to_string()))?,
        payload: json("payload")?,
    })
}
