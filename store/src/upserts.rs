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

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex, OnceLock};

use sqlx::mysql::MySqlArguments;
use sqlx::{Arguments, MySqlConnection};

use records::{Record, Records, RecordsVisitor, RunMode};

use crate::columns::{bind_fields, bind_value, nanos, stored_columns, value_columns};

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

/// The text of the upsert of `rows` records of `R`, built once per table and row count and kept:
/// a job's statement is the same text every time, and it was built again for every job (about
/// 2,000 placeholders, each written with `format!` machinery). At most
/// [`records::job::RECORDS_PER_JOB`] texts per table, a few hundred kilobytes in all.
fn upsert_sql<R: Record>(rows: usize) -> Arc<str> {
    /// Texts by table and row count.
    type Texts = HashMap<(&'static str, usize), Arc<str>>;
    static TEXTS: OnceLock<Mutex<Texts>> = OnceLock::new();
    let table = R::ENTITY.table();
    let mut texts = TEXTS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    texts
        .entry((table, rows))
        .or_insert_with(|| write_upsert_sql::<R>(rows).into())
        .clone()
}

fn write_upsert_sql<R: Record>(rows: usize) -> String {
    let columns = stored_columns::<R>();
    let placeholders = format!("({})", vec!["?"; columns.len()].join(", "));
    let mut sql = format!(
        "INSERT INTO {} ({}) VALUES {}",
        R::ENTITY.table(),
        columns.join(", "),
        vec![placeholders.as_str(); rows].join(", ")
    );
    sql.push_str(" ON DUPLICATE KEY UPDATE ");
    for column in value_columns::<R>() {
        let _ = write!(
            sql,
            "{column} = IF(VALUES(source_updated_ns) >= source_updated_ns, VALUES({column}), {column}), "
        );
    }
    // "Changed" means the ERP's timestamp moved forward; a record sent again is not a change.
    sql.push_str(
        "changed_run_id = IF(VALUES(source_updated_ns) > source_updated_ns, \
         VALUES(changed_run_id), changed_run_id), ",
    );
    // The "seen by" stamp only ever moves to a later run: a late job of an earlier (aborted or
    // failed) run must not take the stamp away from the run being swept.
    sql.push_str(
        "last_full_run_id = NULLIF(GREATEST(COALESCE(VALUES(last_full_run_id), 0), \
         COALESCE(last_full_run_id, 0)), 0), \
         source_updated_ns = GREATEST(VALUES(source_updated_ns), source_updated_ns)",
    );
    sql
}

/// Every value of the upsert of `rows`, in [`stored_columns`] order, row after row.
fn upsert_arguments<R: Record>(rows: &[R], stamp: RunStamp) -> Result<MySqlArguments, sqlx::Error> {
    let per_row = stored_columns::<R>().len();
    let mut arguments = MySqlArguments::default();
    // Sized up front: grown by doubling, the buffer of a job's values was copied again and again.
    arguments.reserve(rows.len() * per_row, rows.len() * per_row * 24);
    for record in rows {
        bind_fields(&mut arguments, record)?;
        bind_value(&mut arguments, nanos(record.source_updated_at()))?;
        bind_value(&mut arguments, stamp.full_run())?;
        bind_value(&mut arguments, stamp.run_id)?;
        bind_value(&mut arguments, stamp.run_id)?;
    }
    Ok(arguments)
}

/// A statement's text and values.
type Statement = (Arc<str>, MySqlArguments);

/// The upsert of `rows`; `None` when there are none.
fn statement<R: Record>(rows: &[R], stamp: RunStamp) -> Result<Option<Statement>, sqlx::Error> {
    if rows.is_empty() {
        return Ok(None);
    }
    Ok(Some((
        upsert_sql::<R>(rows.len()),
        upsert_arguments(rows, stamp)?,
    )))
}

async fn execute(
    conn: &mut MySqlConnection,
    statement: Option<Statement>,
) -> Result<u64, sqlx::Error> {
    let Some((sql, arguments)) = statement else {
        return Ok(0);
    };
    let done = sqlx::query_with(&sql, arguments).execute(conn).await?;
    Ok(done.rows_affected())
}

/// Upserts `rows` into their table in one statement.
pub async fn upsert<R: Record>(
    conn: &mut MySqlConnection,
    rows: &[R],
    stamp: RunStamp,
) -> Result<u64, sqlx::Error> {
    execute(conn, statement(rows, stamp)?).await
}

/// Upserts the records of a job, whatever their entity.
pub async fn upsert_records(
    conn: &mut MySqlConnection,
    records: &Records,
    stamp: RunStamp,
) -> Result<u64, sqlx::Error> {
    struct Upsert(RunStamp);
    impl RecordsVisitor<'_> for Upsert {
        type Output = Result<Option<Statement>, sqlx::Error>;
        fn visit<R: Record>(self, records: &[R]) -> Self::Output {
            statement(records, self.0)
        }
    }
    execute(conn, records.dispatch(Upsert(stamp))?).await
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use records::{Contract, Influencer};

    use super::upsert_sql;
    use crate::columns::stored_columns;

    fn placeholders(sql: &str) -> usize {
        sql.matches('?').count()
    }

    #[test]
    fn the_upsert_of_n_rows_has_one_placeholder_per_value_and_its_text_is_built_once() {
        for rows in [1, 37, 100] {
            let sql = upsert_sql::<Influencer>(rows);
            assert_eq!(
                placeholders(&sql),
                rows * stored_columns::<Influencer>().len()
            );
            assert!(sql.starts_with("INSERT INTO influencers ("), "{sql}");
            assert!(Arc::ptr_eq(&sql, &upsert_sql::<Influencer>(rows)));
        }
        let contracts = upsert_sql::<Contract>(37);
        assert!(
            contracts.starts_with("INSERT INTO contracts ("),
            "{contracts}"
        );
        assert_eq!(
            placeholders(&contracts),
            37 * stored_columns::<Contract>().len()
        );
    }
}
