//! Multi-row upserts of the mirrored records, one statement for up to 100 records of any entity.
//!
//! Stale data never wins: each column takes the incoming value only when the incoming
//! `source_updated_ns` is not older than the stored one. MySQL evaluates the assignments of
//! `ON DUPLICATE KEY UPDATE` left to right with the new values visible, so `source_updated_ns`
//! must stay the last assignment.
//!
//! The same statement keeps the run's change summary without a statement of its own: a row's
//! `first_run_id` is set when it is inserted, and its `changed_run_id` whenever a record moves its
//! `source_updated_ns` forward (see `lifecycle::count_changes`).

use sqlx::{MySql, MySqlConnection, QueryBuilder};

use records::{Record, Records, RecordsVisitor, RunMode};

use crate::columns::{bind_fields, nanos, stored_columns, value_columns};

/// The run a write belongs to: every row it inserts or moves forward is marked with it, and a full
/// run also stamps every row it sees, changed or not, so that its sweep knows what it saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunStamp {
    pub run_id: i64,
    pub mode: RunMode,
}

impl RunStamp {
    fn full_run(self) -> Option<i64> {
        (self.mode == RunMode::Full).then_some(self.run_id)
    }
}

fn push_update_clause<R: Record>(builder: &mut QueryBuilder<'_, MySql>) {
    builder.push(" ON DUPLICATE KEY UPDATE ");
    for column in value_columns::<R>() {
        builder.push(format!(
            "{column} = IF(VALUES(source_updated_ns) >= source_updated_ns, VALUES({column}), {column}), "
        ));
    }
    // "Changed" means the ERP's timestamp moved forward; a record sent again is not a change.
    builder.push(
        "changed_run_id = IF(VALUES(source_updated_ns) > source_updated_ns, \
         VALUES(changed_run_id), changed_run_id), ",
    );
    // The "seen by" stamp only ever moves to a later run: a late job of an earlier (aborted or
    // failed) run must not take the stamp away from the run being swept.
    builder.push(
        "last_full_run_id = NULLIF(GREATEST(COALESCE(VALUES(last_full_run_id), 0), \
         COALESCE(last_full_run_id, 0)), 0), \
         source_updated_ns = GREATEST(VALUES(source_updated_ns), source_updated_ns)",
    );
}

/// Upserts `rows` into their table in one statement.
pub async fn upsert<R: Record>(
    conn: &mut MySqlConnection,
    rows: &[R],
    stamp: RunStamp,
) -> Result<u64, sqlx::Error> {
    match build_upsert(rows, stamp) {
        Some(mut builder) => Ok(builder.build().execute(&mut *conn).await?.rows_affected()),
        None => Ok(0),
    }
}

/// The upsert statement of `rows` with every value bound; `None` when there are none.
fn build_upsert<R: Record>(rows: &[R], stamp: RunStamp) -> Option<QueryBuilder<'_, MySql>> {
    if rows.is_empty() {
        return None;
    }
    let mut builder = QueryBuilder::<MySql>::new(format!(
        "INSERT INTO {} ({}) ",
        R::ENTITY.table(),
        stored_columns::<R>().join(", ")
    ));
    builder.push_values(rows, |mut row, record| {
        bind_fields(&mut row, record);
        row.push_bind(nanos(record.source_updated_at()))
            .push_bind(stamp.full_run())
            .push_bind(stamp.run_id)
            .push_bind(stamp.run_id);
    });
    push_update_clause::<R>(&mut builder);
    Some(builder)
}

/// Upserts the records of a job, whatever their entity.
pub async fn upsert_records(
    conn: &mut MySqlConnection,
    records: &Records,
    stamp: RunStamp,
) -> Result<u64, sqlx::Error> {
    struct Build(RunStamp);
    impl<'r> RecordsVisitor<'r> for Build {
        type Output = Option<QueryBuilder<'r, MySql>>;
        fn visit<R: Record>(self, records: &'r [R]) -> Self::Output {
            build_upsert(records, self.0)
        }
    }
    match records.dispatch(Build(stamp)) {
        Some(mut builder) => Ok(builder.build().execute(&mut *conn).await?.rows_affected()),
        None => Ok(0),
    }
}
