//! Dead letters as the dashboard lists them: without their payloads, which are read one at a
//! time when an operator asks (`crate::dead_letters::get_dead_letter`).

use chrono::NaiveDateTime;
use sqlx::{FromRow, MySqlPool};

use super::{Page, Paging};

#[derive(Debug, Clone, FromRow)]
pub struct DeadLetterRow {
    pub id: i64,
    pub job_kind: String,
    pub job_key: String,
    pub run_id: Option<i64>,
    pub attempts: i32,
    pub last_error: String,
    pub failed_at: NaiveDateTime,
    pub replayed_at: Option<NaiveDateTime>,
}

/// Which dead letters to list.
#[derive(Debug, Clone, Copy, Default)]
pub struct DeadLetterFilter {
    /// Only those not replayed yet.
    pub pending_only: bool,
    pub run_id: Option<i64>,
}

/// Newest first. One statement.
pub async fn dead_letters_page(
    pool: &MySqlPool,
    filter: DeadLetterFilter,
    paging: Paging,
) -> Result<Page<DeadLetterRow>, sqlx::Error> {
    let rows = sqlx::query_as(
        "SELECT id, job_kind, job_key, run_id, attempts, last_error, failed_at, replayed_at \
         FROM dead_letters WHERE (? = FALSE OR replayed_at IS NULL) AND (? IS NULL OR run_id = ?) \
         ORDER BY id DESC LIMIT ? OFFSET ?",
    )
    .bind(filter.pending_only)
    .bind(filter.run_id)
    .bind(filter.run_id)
    .bind(paging.limit_probe())
    .bind(paging.offset())
    .fetch_all(pool)
    .await?;
    Ok(Page::from_probe(rows, paging))
}

/// The ids of a run's dead letters not replayed yet, oldest first: what "replay all" replays.
pub async fn pending_ids_of_run(pool: &MySqlPool, run_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM dead_letters WHERE run_id = ? AND replayed_at IS NULL ORDER BY id",
    )
    .bind(run_id)
    .fetch_all(pool)
    .await
}

/// How many dead letters wait for an operator. One statement.
pub async fn pending_count(pool: &MySqlPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM dead_letters WHERE replayed_at IS NULL")
        .fetch_one(pool)
        .await
}
