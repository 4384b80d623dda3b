//! An operator's approval of a held sweep.

use sqlx::MySqlPool;

/// Marks a held run's sweep approved and moves the run back to `sweeping`, in one statement;
/// false when the run was not held (any more). The caller enqueues the approved sweep.
pub async fn approve_held_sweep(
    pool: &MySqlPool,
    run_id: i64,
    reason: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE sync_runs SET sweep_approved = TRUE, status = 'sweeping', status_reason = ? \
         WHERE id = ? AND status = 'held'",
    )
    .bind(reason)
    .bind(run_id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}
