//! Rows of the ERP as wire records: canonical columns found by name, values taken as they are
//! so that the API, not the extractor, decides what is valid (a record dropped here would be swept).

use chrono_tz::Tz;
use records::record::{fields, TIMESTAMP_FIELD};
use records::{Entity, EntityVisitor, JsonKind, Record};
use serde::ser::SerializeMap;
use serde::Serialize;
use serde_json::Value;
use tiberius::{Column, ColumnData, Row};

use super::errors::ErpError;
use super::time::erp_timestamp_to_wire;

/// A record read from the ERP: its fields under their canonical names, in wire order, with the
/// values the ERP holds. It serializes exactly as the entity's wire form.
#[derive(Debug, Clone, PartialEq)]
pub struct ErpRecord {
    fields: Vec<(&'static str, Value)>,
}

impl ErpRecord {
    pub fn erp_id(&self) -> Option<i64> {
        self.fields.first().and_then(|(_, key)| key.as_i64())
    }

    /// The record as `R`'s wire type; for tests and checks.
    pub fn to_wire<R: Record>(&self) -> Result<R::Wire, serde_json::Error> {
        serde_json::from_value(serde_json::to_value(self)?)
    }
}

impl Serialize for ErpRecord {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.fields.len()))?;
        for (name, value) in &self.fields {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// How a canonical column is read from a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cell {
    Integer,
    Text,
    /// ERP local time, sent in UTC.
    Timestamp,
}

/// The canonical columns of `entity`, in wire order, each with how its cell is read.
fn cells_of(entity: Entity) -> Vec<(&'static str, Cell)> {
    struct Cells;
    impl EntityVisitor for Cells {
        type Output = Vec<(&'static str, Cell)>;
        fn visit<R: Record>(self) -> Self::Output {
            fields::<R>()
                .map(|(name, kind)| match kind {
                    _ if name == TIMESTAMP_FIELD => (name, Cell::Timestamp),
                    JsonKind::Integer => (name, Cell::Integer),
                    JsonKind::Text => (name, Cell::Text),
                })
                .collect()
        }
    }
    entity.dispatch(Cells)
}

/// The canonical columns an entity's statement must return, in their wire order.
pub fn canonical_columns(entity: Entity) -> Vec<&'static str> {
    cells_of(entity).into_iter().map(|(name, _)| name).collect()
}

/// Where each canonical column sits in a result; names match whatever their case.
#[derive(Debug, Clone)]
pub struct Layout {
    columns: Vec<(&'static str, Cell)>,
    positions: Vec<usize>,
}

impl Layout {
    /// Finds the canonical columns of `entity` among `columns`, or says which are missing.
    pub fn find(entity: Entity, columns: &[Column], what: &str) -> Result<Self, ErpError> {
        let wanted = cells_of(entity);
        let positions: Vec<Option<usize>> = wanted
            .iter()
            .map(|(name, _)| {
                columns
                    .iter()
                    .position(|c| c.name().eq_ignore_ascii_case(name))
            })
            .collect();
        let missing: Vec<String> = wanted
            .iter()
            .zip(&positions)
            .filter(|(_, at)| at.is_none())
            .map(|((name, _), _)| name.to_uppercase())
            .collect();
        if !missing.is_empty() {
            return Err(ErpError::result(
                what,
                format!(
                    "the statement returns no column {}; alias the ERP's columns to the canonical names \
                     (see \"The reference schema and its statements\" in the README)",
                    missing.join(", ")
                ),
            ));
        }
        Ok(Self {
            columns: wanted,
            positions: positions.into_iter().flatten().collect(),
        })
    }

    /// The row as the entity's wire record, its timestamp turned into UTC.
    pub fn record(&self, row: &Row, zone: Tz, what: &str) -> Result<ErpRecord, ErpError> {
        let cells = Cells {
            row,
            layout: self,
            what,
        };
        let fields = self
            .columns
            .iter()
            .enumerate()
            .map(|(field, (name, cell))| {
                let value = match cell {
                    Cell::Integer => cells.integer(field)?.map(Value::from),
                    Cell::Text => cells.text(field)?.map(Value::from),
                    Cell::Timestamp => cells.timestamp(field, zone)?.map(Value::from),
                };
                Ok((*name, value.unwrap_or(Value::Null)))
            })
            .collect::<Result<_, ErpError>>()?;
        Ok(ErpRecord { fields })
    }
}

struct Cells<'a> {
    row: &'a Row,
    layout: &'a Layout,
    what: &'a str,
}

impl Cells<'_> {
    fn data(&self, field: usize) -> Result<&ColumnData<'static>, ErpError> {
        self.row
            .get_column_data(self.layout.positions[field])
            .map_err(|e| ErpError::result(self.what, e.to_string()))
    }

    fn wrong(&self, field: usize, problem: &str) -> ErpError {
        let column = self.layout.columns[field].0.to_uppercase();
        ErpError::result(self.what, format!("column {column} {problem}"))
    }

    fn integer(&self, field: usize) -> Result<Option<i64>, ErpError> {
        match self.data(field)? {
            ColumnData::U8(v) => Ok(v.map(i64::from)),
            ColumnData::I16(v) => Ok(v.map(i64::from)),
            ColumnData::I32(v) => Ok(v.map(i64::from)),
            ColumnData::I64(v) => Ok(*v),
            ColumnData::Numeric(None) | ColumnData::String(None) => Ok(None),
            ColumnData::Numeric(Some(n)) if n.scale() == 0 => i64::try_from(n.value())
                .map(Some)
                .map_err(|_| self.wrong(field, "holds a number too large for a BIGINT")),
            ColumnData::String(Some(text)) => text
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| self.wrong(field, &format!("holds {text:?}, not an integer"))),
            _ => Err(self.wrong(field, "is not an integer column")),
        }
    }

    fn text(&self, field: usize) -> Result<Option<String>, ErpError> {
        match self.data(field)? {
            // CHAR(n) columns come padded with spaces that are not part of the value.
            ColumnData::String(v) => Ok(v.as_ref().map(|t| t.trim_end_matches(' ').to_owned())),
            ColumnData::Numeric(v) => Ok(v.map(|n| n.to_string())),
            ColumnData::U8(v) => Ok(v.map(|n| n.to_string())),
            ColumnData::I16(v) => Ok(v.map(|n| n.to_string())),
            ColumnData::I32(v) => Ok(v.map(|n| n.to_string())),
            ColumnData::I64(v) => Ok(v.map(|n| n.to_string())),
            ColumnData::Guid(v) => Ok(v.map(|g| g.to_string())),
            ColumnData::F32(_) | ColumnData::F64(_) => Err(self.wrong(
                field,
                "is a float, which cannot hold exact amounts; project it with CONVERT(VARCHAR(40), CAST(… AS DECIMAL(19,4)))",
            )),
            ColumnData::Date(_)
            | ColumnData::DateTime(_)
            | ColumnData::SmallDateTime(_)
            | ColumnData::DateTime2(_)
            | ColumnData::DateTimeOffset(_)
            | ColumnData::Time(_) => Err(self.wrong(
                field,
                "is a date/time type; project it as text: CONVERT(VARCHAR(33), …, 126) for timestamps, CONVERT(VARCHAR(10), …, 23) for dates",
            )),
            _ => Err(self.wrong(field, "is neither text nor a number")),
        }
    }

    fn timestamp(&self, field: usize, zone: Tz) -> Result<Option<String>, ErpError> {
        Ok(self
            .text(field)?
            .map(|text| erp_timestamp_to_wire(&text, zone)))
    }
}

#[cfg(test)]
mod tests {
    use tiberius::ColumnType;

    use super::*;

    fn text(value: Option<&str>) -> ColumnData<'static> {
        ColumnData::String(value.map(|v| v.to_owned().into()))
    }

    fn contract_row(amount: ColumnData<'static>) -> Row {
        Row::builder()
            .column("ERP_ID", ColumnType::Int8, ColumnData::I64(Some(7)))
            .column(
                "Influencer_Erp_Id",
                ColumnType::Int4,
                ColumnData::I32(Some(3)),
            )
            .column("CAMPAIGN", ColumnType::NVarchar, text(Some("Verão 2027")))
            .column("AMOUNT", ColumnType::BigVarChar, amount)
            .column("CURRENCY", ColumnType::BigChar, text(Some("BRL")))
            .column(
                "STARTS_ON",
                ColumnType::BigVarChar,
                text(Some("2027-01-01")),
            )
            .column("ENDS_ON", ColumnType::BigVarChar, text(Some("2027-03-31")))
            .column("STATUS", ColumnType::BigChar, text(Some("active    ")))
            .column(
                "SOURCE_UPDATED_AT",
                ColumnType::BigVarChar,
                text(Some("2026-11-26T22:15:00.5000000")),
            )
            .build()
    }

    fn map(row: &Row) -> Result<ErpRecord, ErpError> {
        let layout = Layout::find(Entity::Contracts, row.columns(), "contracts.full")?;
        layout.record(row, chrono_tz::America::Sao_Paulo, "contracts.full")
    }

    #[test]
    fn columns_are_found_whatever_their_case_and_char_padding_is_dropped() {
        let record = map(&contract_row(text(Some("1234.5000")))).unwrap();
        let wire = record.to_wire::<records::Contract>().unwrap();
        assert_eq!(wire.influencer_erp_id, Some(3));
        assert_eq!(wire.amount.as_deref(), Some("1234.5000"));
        assert_eq!(wire.status.as_deref(), Some("active"));
        assert_eq!(
            wire.source_updated_at.as_deref(),
            Some("2026-11-27T01:15:00.5000000Z")
        );
    }

    #[test]
    fn a_float_amount_is_refused_because_it_is_not_exact() {
        let error = map(&contract_row(ColumnData::F64(Some(1234.5)))).unwrap_err();
        assert!(error.to_string().contains("AMOUNT is a float"), "{error}");
    }

    #[test]
    fn a_statement_missing_canonical_columns_names_them() {
        let row = Row::builder()
            .column("ID", ColumnType::Int8, ColumnData::I64(Some(1)))
            .build();
        let error = Layout::find(Entity::Influencers, row.columns(), "influencers.full")
            .unwrap_err()
            .to_string();
        assert!(error.contains("ERP_ID, NAME, HANDLE"), "{error}");
    }
}
