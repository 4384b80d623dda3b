//! The dead-letter table: jobs that failed for good, kept whole so an operator can replay them.

use sqlx::mysql::MySqlRow;
use sqlx::{MySqlPool, Row};

use records::api::DeadLetter;

const DEAD_LETTER_SELECT: &str = "SELECT id, job_kind, job_key, run_id, attempts, last_error, \
    payload, failed_at, replayed_at FROM dead_letters";

fn dead_letter(row: &MySqlRow) -> Result<DeadLetter, sqlx::Error> {
    Ok(DeadLetter {
        id: row.try_get("id")?,
        job_kind: row.try_get("job_kind")?,
        job_key: row.try_get("job_key")?,
        run_id: row.try_get("run_id")?,
        attempts: row.try_get("attempts")?,
        last_error: row.try_get("last_error")?,
        payload: row.try_get("payload")?,
        failed_at: row.try_get("failed_at")?,
        replayed_at: row.try_get("replayed_at")?,
    })
}

pub struct NewDeadLetter<'a> {
    pub job_kind: &'a str,
    pub job_key: &'a str,
    pub run_id: Option<i64>,
    pub attempts: u32,
    pub last_error: &'a str,
    pub payload: &'a str,
}

pub async fn insert_dead_letter(
    pool: &MySqlPool,
    letter: &NewDeadLetter<'_>,
) -> Result<i64, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO dead_letters (job_kind, job_key, run_id, attempts, last_error, payload) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(letter.job_kind)
    .bind(letter.job_key)
    .bind(letter.run_id)
    .bind(letter.attempts)
    .bind(letter.last_error)
    .bind(letter.payload)
    .execute(pool)
    .await?;
    Ok(i64::try_from(done.last_insert_id()).unwrap_or(i64::MAX))
}

pub async fn list_dead_letters(
    pool: &MySqlPool,
    only_pending: bool,
    limit: i64,
) -> Result<Vec<DeadLetter>, sqlx::Error> {
    sqlx::query(&format!(
        "{DEAD_LETTER_SELECT} WHERE (? = FALSE OR replayed_at IS NULL) ORDER BY id DESC LIMIT ?"
    ))
    .bind(only_pending)
    .bind(limit)
    .fetch_all(pool)
    .await?
    .iter()
    .map(dead_letter)
    .collect()
}

pub async fn get_dead_letter(pool: &MySqlPool, id: i64) -> Result<Option<DeadLetter>, sqlx::Error> {
    sqlx::query(&format!("{DEAD_LETTER_SELECT} WHERE id = ?"))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .as_ref()
        .map(dead_letter)
        .transpose()
}

/// Marks a letter replayed; false when it already was (a replay happens once).
pub async fn mark_replayed(pool: &MySqlPool, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE dead_letters SET replayed_at = CURRENT_TIMESTAMP(6) WHERE id = ? AND replayed_at IS NULL")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}
