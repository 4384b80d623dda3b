//! Undoing a sweep: the rows a run deleted come back from the audit table, column for column.

use sqlx::MySqlPool;

use records::api::RunView;

use crate::columns::stored_column_list;

/// Restores the rows `run`'s sweep deleted and not yet restored; returns how many came back.
///
/// A key that exists again (a later run brought it back) keeps its current, newer row.
pub async fn undo_sweep(pool: &MySqlPool, run: &RunView) -> Result<u64, sqlx::Error> {
    let (table, swept) = (run.entity.table(), run.entity.swept_table());
    let columns = stored_column_list(run.entity);
    let mut tx = pool.begin().await?;
    let restored = sqlx::query(&format!(
        "INSERT INTO {table} ({columns}) SELECT {columns} FROM {swept} \
         WHERE swept_by_run_id = ? AND restored_at IS NULL ON DUPLICATE KEY UPDATE erp_id = {table}.erp_id"
    ))
    .bind(run.run_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query(&format!(
        "UPDATE {swept} SET restored_at = CURRENT_TIMESTAMP(6) WHERE swept_by_run_id = ? AND restored_at IS NULL"
    ))
    .bind(run.run_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(restored)
}
