//! Multi-row upserts of the mirrored records, and reading them back.
//!
//! Stale data never wins: each column takes the incoming value only when the incoming
//! `source_updated_ns` is not older than the stored one. MySQL evaluates the assignments of
//! `ON DUPLICATE KEY UPDATE` left to right with the new values visible, so `source_updated_ns`
//! must stay the last assignment.

use chrono::{DateTime, Utc};
use sqlx::{MySql, MySqlConnection, QueryBuilder};

use records::{Contract, Entity, Influencer};

/// The record's fields after its key, in canonical order: the columns an upsert writes. The
/// upserts below bind values in this same order.
fn value_columns(entity: Entity) -> &'static [&'static str] {
    &entity.field_names()[1..]
}

/// Every stored column of a table, in one order, for copies between a table and its audit twin.
pub fn stored_columns(entity: Entity) -> String {
    let fields = value_columns(entity);
    format!(
        "erp_id, {}, source_updated_ns, last_full_run_id",
        fields.join(", ")
    )
}

fn nanos(t: DateTime<Utc>) -> i64 {
    // Validation only admits timestamps that fit (see fields::timestamp).
    t.timestamp_nanos_opt().unwrap_or(i64::MAX)
}

fn push_update_clause(builder: &mut QueryBuilder<'_, MySql>, columns: &[&str]) {
    builder.push(" ON DUPLICATE KEY UPDATE ");
    for column in columns {
        builder.push(format!(
            "{column} = IF(VALUES(source_updated_ns) >= source_updated_ns, VALUES({column}), {column}), "
        ));
    }
    // The "seen by" stamp only ever moves to a later run: a late job of an earlier (aborted or
    // failed) run must not take the stamp away from the run being swept.
    builder.push(
        "last_full_run_id = NULLIF(GREATEST(COALESCE(VALUES(last_full_run_id), 0), \
         COALESCE(last_full_run_id, 0)), 0), \
         source_updated_ns = GREATEST(VALUES(source_updated_ns), source_updated_ns)",
    );
}

/// Upserts influencers in one statement; `full_run` stamps every row as seen by that run.
pub async fn upsert_influencers(
    conn: &mut MySqlConnection,
    rows: &[Influencer],
    full_run: Option<i64>,
) -> Result<u64, sqlx::Error> {
    if rows.is_empty() {
        return Ok(0);
    }
    let mut builder = QueryBuilder::<MySql>::new("INSERT INTO influencers (erp_id, ");
    builder.push(value_columns(Entity::Influencers).join(", "));
    builder.push(", source_updated_ns, last_full_run_id) ");
    builder.push_values(rows, |mut b, r| {
        b.push_bind(r.erp_id().get())
            .push_bind(r.name())
            .push_bind(r.handle())
            .push_bind(r.email())
            .push_bind(r.phone())
            .push_bind(r.platform().as_str())
            .push_bind(r.followers())
            .push_bind(r.document().as_str())
            .push_bind(r.city())
            .push_bind(r.state())
            .push_bind(r.status().as_str())
            .push_bind(r.source_updated_at().naive_utc())
            .push_bind(nanos(r.source_updated_at()))
            .push_bind(full_run);
    });
    push_update_clause(&mut builder, value_columns(Entity::Influencers));
    Ok(builder.build().execute(&mut *conn).await?.rows_affected())
}

/// Upserts contracts in one statement; `full_run` stamps every row as seen by that run.
pub async fn upsert_contracts(
    conn: &mut MySqlConnection,
    rows: &[Contract],
    full_run: Option<i64>,
) -> Result<u64, sqlx::Error> {
    if rows.is_empty() {
        return Ok(0);
    }
    let mut builder = QueryBuilder::<MySql>::new("INSERT INTO contracts (erp_id, ");
    builder.push(value_columns(Entity::Contracts).join(", "));
    builder.push(", source_updated_ns, last_full_run_id) ");
    builder.push_values(rows, |mut b, r| {
        b.push_bind(r.erp_id().get())
            .push_bind(r.influencer_erp_id().get())
            .push_bind(r.campaign())
            .push_bind(r.amount())
            .push_bind(r.currency())
            .push_bind(r.starts_on())
            .push_bind(r.ends_on())
            .push_bind(r.status().as_str())
            .push_bind(r.source_updated_at().naive_utc())
            .push_bind(nanos(r.source_updated_at()))
            .push_bind(full_run);
    });
    push_update_clause(&mut builder, value_columns(Entity::Contracts));
    Ok(builder.build().execute(&mut *conn).await?.rows_affected())
}
