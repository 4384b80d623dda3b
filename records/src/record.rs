//! Entities and the parsing of one raw JSON record into a validated record, with every problem listed.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::contract::{Contract, ContractWire};
use crate::influencer::{Influencer, InfluencerWire};
use crate::problems::RecordProblems;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Entity {
    Influencers,
    Contracts,
}

impl Entity {
    pub const ALL: [Entity; 2] = [Entity::Influencers, Entity::Contracts];

    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Influencers => "influencers",
            Entity::Contracts => "contracts",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "influencers" => Ok(Entity::Influencers),
            "contracts" => Ok(Entity::Contracts),
            other => Err(format!(
                "{other:?} is not an entity; expected influencers or contracts"
            )),
        }
    }

    /// The record's fields in their canonical (wire) order.
    pub fn field_names(self) -> &'static [&'static str] {
        match self {
            Entity::Influencers => &[
                "erp_id",
                "name",
                "handle",
                "email",
                "phone",
                "platform",
                "followers",
                "document",
                "city",
                "state",
                "status",
                "source_updated_at",
            ],
            Entity::Contracts => &[
                "erp_id",
                "influencer_erp_id",
                "campaign",
                "amount",
                "currency",
                "starts_on",
                "ends_on",
                "status",
                "source_updated_at",
            ],
        }
    }
}

impl std::fmt::Display for Entity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The JSON type a field travels as: keys and counts are numbers, everything else is text.
fn json_kind(field: &str) -> JsonKind {
    match field {
        "erp_id" | "influencer_erp_id" | "followers" => JsonKind::Integer,
        _ => JsonKind::Text,
    }
}

#[derive(Clone, Copy)]
enum JsonKind {
    Integer,
    Text,
}

/// Parses one record of `entity` from its raw JSON.
///
/// The typed path is tried first because it is the common case and costs one pass; only a record
/// that does not even have the right shape is looked at again to say what is wrong with it.
pub fn parse_influencer(raw: &RawValue) -> Result<Influencer, RecordProblems> {
    match serde_json::from_str::<InfluencerWire>(raw.get()) {
        Ok(wire) => Influencer::parse(wire),
        Err(_) => Err(describe_shape(Entity::Influencers, raw)),
    }
}

pub fn parse_contract(raw: &RawValue) -> Result<Contract, RecordProblems> {
    match serde_json::from_str::<ContractWire>(raw.get()) {
        Ok(wire) => Contract::parse(wire),
        Err(_) => Err(describe_shape(Entity::Contracts, raw)),
    }
}

/// Explains, field by field, why a record does not have the shape of its entity.
fn describe_shape(entity: Entity, raw: &RawValue) -> RecordProblems {
    let mut problems = RecordProblems::default();
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(raw.get())
    else {
        problems.add("record", "must be a JSON object");
        return problems;
    };
    let known = entity.field_names();
    for key in map.keys() {
        if !known.contains(&key.as_str()) {
            problems.add(key, format!("is not a field of {entity}"));
        }
    }
    for name in known {
        match (map.get(*name), json_kind(name)) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(json: &str) -> Box<RawValue> {
        RawValue::from_string(json.to_owned()).unwrap()
    }

    #[test]
    fn every_problem_of_a_record_is_listed_by_field() {
        let problems = parse_influencer(&raw(
            r#"{"erp_id": 0, "name": "", "platform": "myspace", "followers": -1, "document": "123",
                "state": "ZZ", "status": "active", "source_updated_at": "yesterday", "email": "x@"}"#,
        ))
        .unwrap_err();
        let fields: Vec<&str> = problems.items().iter().map(|p| p.field.as_str()).collect();
        for expected in [
            "erp_id",
            "name",
            "handle",
            "email",
            "platform",
            "followers",
            "document",
            "city",
            "state",
            "source_updated_at",
        ] {
            assert!(
                fields.contains(&expected),
                "{expected} missing from {fields:?}"
            );
        }
    }

    #[test]
    fn unknown_fields_and_wrong_types_are_named() {
        let problems = parse_contract(&raw(r#"{"erp_id": "7", "colour": "red"}"#)).unwrap_err();
        let text = problems.to_string();
        assert!(
            text.contains("colour: is not a field of contracts"),
            "{text}"
        );
        assert!(text.contains("erp_id: must be a whole number"), "{text}");
    }

    #[test]
    fn a_contract_ending_before_it_starts_is_refused() {
        let problems = parse_contract(&raw(
            r#"{"erp_id": 1, "influencer_erp_id": 2, "campaign": "Verão", "amount": "10.00",
                "starts_on": "2024-02-01", "ends_on": "2024-01-01", "status": "active",
                "source_updated_at": "2024-01-01T00:00:00Z"}"#,
        ))
        .unwrap_err();
        assert!(problems
            .to_string()
            .contains("ends_on: 2024-01-01 is before starts_on 2024-02-01"));
    }

    #[test]
    fn a_valid_contract_defaults_to_brl_and_round_trips() {
        let contract = parse_contract(&raw(
            r#"{"erp_id": 1, "influencer_erp_id": 2, "campaign": "Verão", "amount": "1234.50",
                "starts_on": "2024-01-01", "ends_on": "2024-12-31", "status": "active",
                "source_updated_at": "2024-01-01T00:00:00.5-03:00"}"#,
        ))
        .unwrap();
        assert_eq!(contract.currency(), "BRL");
        let again: Contract =
            serde_json::from_str(&serde_json::to_string(&contract).unwrap()).unwrap();
        assert_eq!(again, contract);
    }
}
