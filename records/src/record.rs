//! What every record type declares once — its wire twin, its parse, and its stored columns — and
//! what is derived from that for any entity: field names, JSON-shape messages, parsing raw JSON.
//!
//! Every record has an `erp_id` (first on the wire) and a `source_updated_at` (last): the run
//! protocol pages, upserts and sweeps by them, so the [`Record`] trait gives them directly. The
//! fields in between are the entity's own and are listed in [`Record::COLUMNS`], in wire order,
//! each with how it is stored; the store builds its statements from that list alone.

use std::fmt::Debug;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::value::RawValue;

use crate::fields::ErpId;
use crate::problems::RecordProblems;
use crate::registry::Registered;

/// A record type of one entity. Implemented once, in the entity's folder.
pub trait Record:
    Registered + Clone + PartialEq + Debug + Serialize + DeserializeOwned + Send + Sync + 'static
{
    /// The record exactly as it travels as JSON; every field optional, so that every problem of a
    /// record is found and reported at once.
    type Wire: Serialize + DeserializeOwned + Clone + Debug + PartialEq + Default + Send + Sync;

    /// The entity's own fields, between `erp_id` and `source_updated_at`, in wire order. Each is a
    /// column of the entity's table with the same name.
    const COLUMNS: &'static [Column<Self>];

    /// The only way to make a record: every field validated, every problem listed.
    fn parse(wire: Self::Wire) -> Result<Self, RecordProblems>;

    /// The record from the wire form of one that [`Record::parse`] accepted before: a job the API
    /// made. Each field is converted to its type (numbers, words, timestamps, dates, decimals)
    /// and no business rule is checked again; a field missing, or one that does not convert,
    /// means the payload was not made by the API, and is the error.
    fn from_trusted_wire(wire: Self::Wire) -> Result<Self, String>;

    /// The record in its canonical wire form.
    fn to_wire(&self) -> Self::Wire;

    fn erp_id(&self) -> ErpId;

    /// When the ERP last changed the record: the stale-data rule and the sweep compare by it.
    fn source_updated_at(&self) -> DateTime<Utc>;
}

/// One stored field of a record: its name, and how to read its value from a parsed record. The
/// constructors fix the column's kind, so the kind and the value always agree.
pub struct Column<R: 'static> {
    name: &'static str,
    read: Read<R>,
}

enum Read<R: 'static> {
    Integer(fn(&R) -> i64),
    Text(for<'a> fn(&'a R) -> &'a str),
    OptionalText(for<'a> fn(&'a R) -> Option<&'a str>),
    Decimal(fn(&R) -> Decimal),
    Date(fn(&R) -> NaiveDate),
}

/// How a column is stored and travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// `BIGINT`; a JSON number.
    Integer,
    /// `VARCHAR`/`CHAR`, never empty; a JSON string.
    Text,
    /// `VARCHAR … NULL`; a JSON string or null.
    OptionalText,
    /// `DECIMAL`; a decimal string such as `"1234.50"`, never a float.
    Decimal,
    /// `DATE`; `YYYY-MM-DD`.
    Date,
}

/// The value of one column of one record, ready to be bound to a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnValue<'a> {
    Integer(i64),
    Text(&'a str),
    OptionalText(Option<&'a str>),
    Decimal(Decimal),
    Date(NaiveDate),
}

/// The JSON type a field travels as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonKind {
    Integer,
    Text,
}

impl<R> Column<R> {
    pub const fn integer(name: &'static str, read: fn(&R) -> i64) -> Self {
        Self {
            name,
            read: Read::Integer(read),
        }
    }

    pub const fn text(name: &'static str, read: for<'a> fn(&'a R) -> &'a str) -> Self {
        Self {
            name,
            read: Read::Text(read),
        }
    }

    pub const fn optional_text(
        name: &'static str,
        read: for<'a> fn(&'a R) -> Option<&'a str>,
    ) -> Self {
        Self {
            name,
            read: Read::OptionalText(read),
        }
    }

    pub const fn decimal(name: &'static str, read: fn(&R) -> Decimal) -> Self {
        Self {
            name,
            read: Read::Decimal(read),
        }
    }

    pub const fn date(name: &'static str, read: fn(&R) -> NaiveDate) -> Self {
        Self {
            name,
            read: Read::Date(read),
        }
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    pub fn kind(&self) -> ColumnKind {
        match self.read {
            Read::Integer(_) => ColumnKind::Integer,
            Read::Text(_) => ColumnKind::Text,
            Read::OptionalText(_) => ColumnKind::OptionalText,
            Read::Decimal(_) => ColumnKind::Decimal,
            Read::Date(_) => ColumnKind::Date,
        }
    }

    pub fn value<'a>(&self, record: &'a R) -> ColumnValue<'a> {
        match self.read {
            Read::Integer(read) => ColumnValue::Integer(read(record)),
            Read::Text(read) => ColumnValue::Text(read(record)),
            Read::OptionalText(read) => ColumnValue::OptionalText(read(record)),
            Read::Decimal(read) => ColumnValue::Decimal(read(record)),
            Read::Date(read) => ColumnValue::Date(read(record)),
        }
    }
}

impl ColumnKind {
    pub fn json(self) -> JsonKind {
        match self {
            ColumnKind::Integer => JsonKind::Integer,
            ColumnKind::Text
            | ColumnKind::OptionalText
            | ColumnKind::Decimal
            | ColumnKind::Date => JsonKind::Text,
        }
    }
}

/// The key every record starts with, and the timestamp it ends with, on the wire.
pub const KEY_FIELD: &str = "erp_id";
pub const TIMESTAMP_FIELD: &str = "source_updated_at";

/// Every field of `R` in wire order, each with its JSON type.
pub fn fields<R: Record>() -> impl Iterator<Item = (&'static str, JsonKind)> {
    std::iter::once((KEY_FIELD, JsonKind::Integer))
        .chain(R::COLUMNS.iter().map(|c| (c.name(), c.kind().json())))
        .chain(std::iter::once((TIMESTAMP_FIELD, JsonKind::Text)))
}

/// The field names of `R` in wire order: the canonical columns an ERP statement returns.
pub fn field_names<R: Record>() -> Vec<&'static str> {
    fields::<R>().map(|(name, _)| name).collect()
}

/// Parses one record of `R` from its raw JSON.
///
/// The typed path is tried first because it is the common case and costs one pass; only a record
/// that does not even have the right shape is looked at again to say what is wrong with it.
pub fn parse_raw<R: Record>(raw: &RawValue) -> Result<R, RecordProblems> {
    match serde_json::from_str::<R::Wire>(raw.get()) {
        Ok(wire) => R::parse(wire),
        Err(_) => Err(describe_shape::<R>(raw)),
    }
}

/// Explains, field by field, why a record does not have the shape of its entity.
fn describe_shape<R: Record>(raw: &RawValue) -> RecordProblems {
    let mut problems = RecordProblems::default();
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(raw.get())
    else {
        problems.add("record", "must be a JSON object");
        return problems;
    };
    for key in map.keys() {
        if !fields::<R>().any(|(name, _)| name == key) {
            problems.add(key, format!("is not a field of {}", R::ENTITY));
        }
    }
    for (name, kind) in fields::<R>() {
        match (map.get(name), kind) {
            (None | Some(serde_json::Value::Null), _)
            | (Some(serde_json::Value::String(_)), JsonKind::Text) => {}
            (Some(serde_json::Value::Number(n)), JsonKind::Integer) if n.is_i64() => {}
            (Some(_), JsonKind::Integer) => problems.add(name, "must be a whole number"),
            (Some(_), JsonKind::Text) => problems.add(name, "must be a string"),
        }
    }
    if problems.is_empty() {
        problems.add("record", "could not be read as a record");
    }
    problems
}

/// Serializes a record as its wire form, as a row (see [`crate::row`]), and reads it back (a row
/// or an object) through [`Record::from_trusted_wire`]:
/// records are deserialized only from jobs, which the API made from records it had validated,
/// and Redis is inside the system's boundary, so the business rules are not run again.
macro_rules! serde_via_wire {
    ($record:ty) => {
        impl serde::Serialize for $record {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                $crate::row::AsRow(self).serialize(serializer)
            }
        }

        impl<'de> serde::Deserialize<'de> for $record {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let wire = <$record as $crate::record::Record>::Wire::deserialize(deserializer)?;
                <$record as $crate::record::Record>::from_trusted_wire(wire)
                    .map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use serde_via_wire;
