//! Reads the mirrored records back in their canonical wire form, for checks, tests and the
//! demo's report.

use sqlx::MySqlPool;

use records::{Entity, Record};

use crate::columns::{select_fields, wire_from_row};

/// Every record of `R`'s table, ordered by key, as the wire form the ERP would send.
pub async fn all_records<R: Record>(pool: &MySqlPool) -> Result<Vec<R::Wire>, sqlx::Error> {
    let rows = sqlx::query(&format!("{} ORDER BY erp_id", select_fields::<R>()))
        .fetch_all(pool)
        .await?;
    rows.iter().map(wire_from_row::<R>).collect()
}

pub async fn count_rows(pool: &MySqlPool, entity: Entity) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", entity.table()))
        .fetch_one(pool)
        .await
}
