//! The SQL of a record table, derived from its record type's columns: which columns it stores, how
//! a record's values are bound, and how a row is read back into the wire form.
//!
//! Every record table has the record's fields as columns of the same names, then the columns the
//! sync keeps for itself (see [`BOOKKEEPING`]).

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::mysql::{MySqlArguments, MySqlRow};
use sqlx::{Arguments, Encode, MySql, Row, Type};

use records::fields::format_timestamp;
use records::record::{field_names, KEY_FIELD, TIMESTAMP_FIELD};
use records::{ColumnKind, ColumnValue, Entity, EntityVisitor, Record};

/// Columns every record table has after the record's own fields:
/// - `source_updated_ns`: `source_updated_at` to the nanosecond, for the stale-data rule
///   (`source_updated_at` is the same instant as a `DATETIME(6)`, for people and SQL);
/// - `last_full_run_id`: the last full run that saw the row; its sweep deletes what it did not see;
/// - `first_run_id`: the run that inserted the row;
/// - `changed_run_id`: the last run whose record moved the row's `source_updated_at` forward.
pub const BOOKKEEPING: [&str; 4] = [
    "source_updated_ns",
    "last_full_run_id",
    "first_run_id",
    "changed_run_id",
];

/// Every stored column of `R`'s table, in one order: for inserts, and for copies between the
/// table and its audit twin.
pub fn stored_columns<R: Record>() -> Vec<&'static str> {
    let mut columns = field_names::<R>();
    columns.extend(BOOKKEEPING);
    columns
}

/// [`stored_columns`] of an entity known at run time, joined for SQL.
pub fn stored_column_list(entity: Entity) -> String {
    struct List;
    impl EntityVisitor for List {
        type Output = String;
        fn visit<R: Record>(self) -> String {
            stored_columns::<R>().join(", ")
        }
    }
    entity.dispatch(List)
}

/// The columns an upsert may overwrite: every field but the key.
pub fn value_columns<R: Record>() -> impl Iterator<Item = &'static str> {
    R::COLUMNS
        .iter()
        .map(records::Column::name)
        .chain(std::iter::once(TIMESTAMP_FIELD))
}

pub fn nanos(t: DateTime<Utc>) -> i64 {
    // Validation only admits timestamps that fit (see records::fields::timestamp).
    t.timestamp_nanos_opt().unwrap_or(i64::MAX)
}

/// Adds one value to a statement's arguments; a value that does not encode is a bug, reported as
/// sqlx reports one.
pub fn bind_value<'q, T>(arguments: &mut MySqlArguments, value: T) -> Result<(), sqlx::Error>
where
    T: 'q + Encode<'q, MySql> + Type<MySql>,
{
    arguments.add(value).map_err(sqlx::Error::Encode)
}

/// Binds the record's fields, in [`field_names`] order.
pub fn bind_fields<R: Record>(
    arguments: &mut MySqlArguments,
    record: &R,
) -> Result<(), sqlx::Error> {
    bind_value(arguments, record.erp_id().get())?;
    for column in R::COLUMNS {
        match column.value(record) {
            ColumnValue::Integer(v) => bind_value(arguments, v)?,
            ColumnValue::Text(v) => bind_value(arguments, v)?,
            ColumnValue::OptionalText(v) => bind_value(arguments, v)?,
            ColumnValue::Decimal(v) => bind_value(arguments, v)?,
            ColumnValue::Date(v) => bind_value(arguments, v)?,
        }
    }
    bind_value(arguments, record.source_updated_at().naive_utc())
}

/// `SELECT` of every field of `R`'s table, in wire order, each in the type its kind reads back as.
pub fn select_fields<R: Record>() -> String {
    let mut select = vec![KEY_FIELD.to_owned()];
    for column in R::COLUMNS {
        let name = column.name();
        select.push(match column.kind() {
            // Counts may be stored unsigned; every integer of a record fits a signed BIGINT.
            ColumnKind::Integer => format!("CAST({name} AS SIGNED) AS {name}"),
            _ => name.to_owned(),
        });
    }
    select.push("source_updated_ns".to_owned());
    format!("SELECT {} FROM {}", select.join(", "), R::ENTITY.table())
}

/// A row of [`select_fields`] as the record's canonical wire form, which is what the ERP sent
/// for it: its timestamp to the nanosecond, decimals without trailing zeros.
pub fn wire_from_row<R: Record>(row: &MySqlRow) -> Result<R::Wire, sqlx::Error> {
    use serde_json::Value;
    let mut fields = serde_json::Map::new();
    fields.insert(KEY_FIELD.into(), Value::from(row.try_get::<i64, _>(0)?));
    for (i, column) in R::COLUMNS.iter().enumerate() {
        let at = i + 1;
        let value = match column.kind() {
            ColumnKind::Integer => Value::from(row.try_get::<i64, _>(at)?),
            ColumnKind::Text => Value::from(row.try_get::<String, _>(at)?),
            ColumnKind::OptionalText => Value::from(row.try_get::<Option<String>, _>(at)?),
            ColumnKind::Decimal => {
                Value::from(row.try_get::<Decimal, _>(at)?.normalize().to_string())
            }
            ColumnKind::Date => Value::from(row.try_get::<NaiveDate, _>(at)?.to_string()),
        };
        fields.insert(column.name().into(), value);
    }
    let nanos: i64 = row.try_get(R::COLUMNS.len() + 1)?;
    let at = format_timestamp(&DateTime::<Utc>::from_timestamp_nanos(nanos));
    fields.insert(TIMESTAMP_FIELD.into(), Value::from(at));
    serde_json::from_value(Value::Object(fields)).map_err(|e| sqlx::Error::Decode(e.into()))
}
