//! How a job carries a record: a row, the JSON array of its wire fields in wire order, rather
//! than an object that names every field again in every record.
//!
//! The names were about half of a job's bytes, and every byte of a job is paid several times:
//! the API writes it, Redis hashes it into its Lua interpreter on the push and again on the
//! fetch (every string a script touches is interned, and hashed byte by byte), and the worker
//! reads it. Reading needs nothing of its own: serde's derived `Deserialize` of a struct takes an
//! array of its fields in order as well as an object, so a job pushed with objects is still read.
//!
//! The row is written straight from the record's [`Record::COLUMNS`], the same list the store
//! binds its statements from, so no wire twin is built (a copy of every string) on the way.

use std::fmt::Display;

use serde::ser::{Serialize, SerializeTuple, Serializer};

use crate::fields::format_timestamp;
use crate::record::{ColumnValue, Record};

/// `record` serialized as its row: `erp_id`, each of [`Record::COLUMNS`], `source_updated_at`,
/// each value as its wire field holds it.
pub struct AsRow<'a, R>(pub &'a R);

impl<R: Record> Serialize for AsRow<'_, R> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let record = self.0;
        let mut row = serializer.serialize_tuple(R::COLUMNS.len() + 2)?;
        row.serialize_element(&record.erp_id().get())?;
        for column in R::COLUMNS {
            match column.value(record) {
                ColumnValue::Integer(v) => row.serialize_element(&v)?,
                ColumnValue::Text(v) => row.serialize_element(v)?,
                ColumnValue::OptionalText(v) => row.serialize_element(&v)?,
                // The wire forms are their `Display`: `1234.5`, `2026-01-31`.
                ColumnValue::Decimal(v) => row.serialize_element(&AsText(v))?,
                ColumnValue::Date(v) => row.serialize_element(&AsText(v))?,
            }
        }
        row.serialize_element(&format_timestamp(&record.source_updated_at()))?;
        row.end()
    }
}

/// A value written as the JSON string of its `Display`, without a `String` in between.
struct AsText<T>(T);

impl<T: Display> Serialize for AsText<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::AsRow;
    use crate::record::{field_names, parse_raw, Record};
    use crate::{Campaign, Contract, Influencer};

    /// The row of a record is its wire form's values, in the order of its fields.
    fn assert_row_is_the_wire_in_order<R: Record>(json: &str) {
        let raw = serde_json::value::RawValue::from_string(json.to_owned()).unwrap();
        let record: R = parse_raw(&raw).unwrap();
        let Value::Object(wire) = serde_json::to_value(record.to_wire()).unwrap() else {
            panic!("a wire form is an object");
        };
        let expected: Vec<Value> = field_names::<R>()
            .into_iter()
            .map(|name| wire[name].clone())
            .collect();
        let row = serde_json::to_value(AsRow(&record)).unwrap();
        assert_eq!(row, Value::Array(expected));
    }

    #[test]
    fn the_row_of_each_entity_holds_its_wire_values_in_field_order() {
        assert_row_is_the_wire_in_order::<Influencer>(
            r#"{"erp_id":7,"name":" Ana ","handle":"@a","email":null,"phone":"+55 11 91234-5678",
            "platform":"Instagram","followers":12,"document":"529.982.247-25","city":"X",
            "state":"sp","status":"active","source_updated_at":"2026-01-01T00:00:00.123456789-03:00"}"#,
        );
        assert_row_is_the_wire_in_order::<Contract>(
            r#"{"erp_id":8,"influencer_erp_id":7,"campaign":"Verão","amount":"1234.50",
            "currency":"brl","starts_on":"2026-01-01","ends_on":"2026-02-01","status":"active",
            "source_updated_at":"2026-01-01T00:00:00Z"}"#,
        );
        assert_row_is_the_wire_in_order::<Campaign>(
            r#"{"erp_id":9,"name":"Verão","brand":"B","starts_on":"2026-01-01",
            "ends_on":"2026-02-01","budget":"0.0100","currency":"BRL","status":"active",
            "source_updated_at":"2026-01-01T00:00:00+00:00"}"#,
        );
    }
}
