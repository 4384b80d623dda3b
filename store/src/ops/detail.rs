//! The parts of one run an operator opens: its batches, its rejected records with their
//! reasons, and what its sweep deleted that can still be restored.

use chrono::NaiveDateTime;
use sqlx::{FromRow, MySqlPool};

use super::{Page, Paging};
use records::{Entity, RecordProblems};

/// A batch as received, with how many of its jobs the workers applied.
#[derive(Debug, Clone, FromRow)]
pub struct BatchRow {
    pub seq: i64,
    pub records: i64,
    pub accepted: i64,
    pub rejected: i64,
    pub jobs: i64,
    pub jobs_applied: i64,
    /// `pending` until its jobs are in the queue, then `enqueued`.
    pub state: String,
    pub received_at: NaiveDateTime,
}

/// A run's batches in order. One statement; the applied count is a correlated count over
/// `run_jobs`'s primary key, so it reads only the page's jobs.
pub async fn batches_page(
    pool: &MySqlPool,
    run_id: i64,
    paging: Paging,
) -> Result<Page<BatchRow>, sqlx::Error> {
    let rows = sqlx::query_as(
        "SELECT b.seq, b.records, b.accepted, b.rejected, b.jobs, \
         (SELECT COUNT(*) FROM run_jobs j WHERE j.run_id = b.run_id AND j.batch_seq = b.seq) AS jobs_applied, \
         b.state, b.received_at FROM run_batches b WHERE b.run_id = ? ORDER BY b.seq LIMIT ? OFFSET ?",
    )
    .bind(run_id)
    .bind(paging.limit_probe())
    .bind(paging.offset())
    .fetch_all(pool)
    .await?;
    Ok(Page::from_probe(rows, paging))
}

/// A rejected record with its reasons; its payload stays in the table.
#[derive(Debug, Clone, FromRow)]
pub struct RejectedRow {
    pub batch_seq: i64,
    pub record_index: i32,
    pub erp_id: Option<i64>,
    /// `validation` (the API refused it) or `database` (MySQL refused it while applying).
    pub stage: String,
    /// The reasons as stored: a JSON list of `{field, message}`.
    pub problems: String,
    pub rejected_at: NaiveDateTime,
}

impl RejectedRow {
    /// The reasons one per line, `field: message`; the stored text if it is not that list.
    pub fn reasons(&self) -> Vec<String> {
        match serde_json::from_str::<RecordProblems>(&self.problems) {
            Ok(problems) => problems
                .items()
                .iter()
                .map(|p| format!("{}: {}", p.field, p.message))
                .collect(),
            Err(_) => vec![self.problems.clone()],
        }
    }
}

/// A run's rejected records in batch order. One statement, on the `rejected_once` key.
pub async fn rejected_page(
    pool: &MySqlPool,
    run_id: i64,
    paging: Paging,
) -> Result<Page<RejectedRow>, sqlx::Error> {
    let rows = sqlx::query_as(
        "SELECT batch_seq, record_index, erp_id, stage, problems, rejected_at FROM rejected_records \
         WHERE run_id = ? ORDER BY batch_seq, record_index LIMIT ? OFFSET ?",
    )
    .bind(run_id)
    .bind(paging.limit_probe())
    .bind(paging.offset())
    .fetch_all(pool)
    .await?;
    Ok(Page::from_probe(rows, paging))
}

/// Rows the run's sweep deleted and no undo has restored yet. One statement.
pub async fn restorable_rows(
    pool: &MySqlPool,
    entity: Entity,
    run_id: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM {}_swept WHERE swept_by_run_id = ? AND restored_at IS NULL",
        entity.as_str()
    ))
    .bind(run_id)
    .fetch_one(pool)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(problems: &str) -> RejectedRow {
        RejectedRow {
            batch_seq: 1,
            record_index: 0,
            erp_id: None,
            stage: "validation".into(),
            problems: problems.into(),
            rejected_at: NaiveDateTime::default(),
        }
    }

    #[test]
    fn stored_reasons_read_one_per_field_and_odd_text_reads_as_it_is() {
        let row = rejected(
            r#"[{"field":"email","message":"is not an email"},{"field":"state","message":"is not a UF"}]"#,
        );
        assert_eq!(
            row.reasons(),
            ["email: is not an email", "state: is not a UF"]
        );
        assert_eq!(rejected("Duplicate entry").reasons(), ["Duplicate entry"]);
    }
}
