//! The contract record: its wire form, its parsed and validated form, and its stored columns.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::fields::{self, word_enum, ErpId};
use crate::problems::RecordProblems;
use crate::record::{serde_via_wire, Column, Record};

word_enum!(ContractStatus, "status", [Draft => "draft", Active => "active", Finished => "finished", Cancelled => "cancelled"]);

/// A contract exactly as it travels as JSON; every field optional so that all problems are reported.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractWire {
    pub erp_id: Option<i64>,
    pub influencer_erp_id: Option<i64>,
    pub campaign: Option<String>,
    pub amount: Option<String>,
    pub currency: Option<String>,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    pub status: Option<String>,
    pub source_updated_at: Option<String>,
}

/// A validated contract. Only [`Contract::parse`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contract {
    erp_id: ErpId,
    influencer_erp_id: ErpId,
    campaign: String,
    amount: Decimal,
    currency: String,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    status: ContractStatus,
    source_updated_at: DateTime<Utc>,
}

impl Contract {
    pub fn parse(wire: ContractWire) -> Result<Self, RecordProblems> {
        let mut p = RecordProblems::default();
        let erp_id = p
            .required("erp_id", wire.erp_id)
            .and_then(|v| p.check("erp_id", ErpId::parse(v)));
        let influencer_erp_id = p
            .required("influencer_erp_id", wire.influencer_erp_id)
            .and_then(|v| p.check("influencer_erp_id", ErpId::parse(v)));
        let campaign = p
            .required("campaign", wire.campaign)
            .and_then(|v| p.check("campaign", fields::bounded_text(v, 200)));
        let amount = p
            .required("amount", wire.amount)
            .and_then(|v| p.check("amount", fields::amount(&v)));
        let currency = p.check(
            "currency",
            fields::currency(wire.currency.as_deref().unwrap_or("BRL")),
        );
        let starts_on = p
            .required("starts_on", wire.starts_on)
            .and_then(|v| p.check("starts_on", fields::date(&v)));
        let ends_on = p
            .required("ends_on", wire.ends_on)
            .and_then(|v| p.check("ends_on", fields::date(&v)));
        fields::check_period(&mut p, starts_on, ends_on);
        let status = p
            .required("status", wire.status)
            .and_then(|v| p.check("status", ContractStatus::parse(&v)));
        let source_updated_at = p
            .required("source_updated_at", wire.source_updated_at)
            .and_then(|v| p.check("source_updated_at", fields::timestamp(&v)));
        if !p.is_empty() {
            return Err(p);
        }
        Ok(Self {
            erp_id: erp_id.expect("checked by is_empty"),
            influencer_erp_id: influencer_erp_id.expect("checked by is_empty"),
            campaign: campaign.expect("checked by is_empty"),
            amount: amount.expect("checked by is_empty"),
            currency: currency.expect("checked by is_empty"),
            starts_on: starts_on.expect("checked by is_empty"),
            ends_on: ends_on.expect("checked by is_empty"),
            status: status.expect("checked by is_empty"),
            source_updated_at: source_updated_at.expect("checked by is_empty"),
        })
    }

    pub fn to_wire(&self) -> ContractWire {
        ContractWire {
            erp_id: Some(self.erp_id.get()),
            influencer_erp_id: Some(self.influencer_erp_id.get()),
            campaign: Some(self.campaign.clone()),
            amount: Some(self.amount.to_string()),
            currency: Some(self.currency.clone()),
            starts_on: Some(self.starts_on.to_string()),
            ends_on: Some(self.ends_on.to_string()),
            status: Some(self.status.as_str().to_owned()),
            source_updated_at: Some(fields::format_timestamp(&self.source_updated_at)),
        }
    }

    pub fn erp_id(&self) -> ErpId {
        self.erp_id
    }
    pub fn influencer_erp_id(&self) -> ErpId {
        self.influencer_erp_id
    }
    pub fn campaign(&self) -> &str {
        &self.campaign
    }
    pub fn amount(&self) -> Decimal {
        self.amount
    }
    pub fn currency(&self) -> &str {
        &self.currency
    }
    pub fn starts_on(&self) -> NaiveDate {
        self.starts_on
    }
    pub fn ends_on(&self) -> NaiveDate {
        self.ends_on
    }
    pub fn status(&self) -> ContractStatus {
        self.status
    }
    pub fn source_updated_at(&self) -> DateTime<Utc> {
        self.source_updated_at
    }
}

serde_via_wire!(Contract);

impl Record for Contract {
    type Wire = ContractWire;

    const COLUMNS: &'static [Column<Self>] = &[
        Column::integer("influencer_erp_id", |r| r.influencer_erp_id.get()),
        Column::text("campaign", Self::campaign),
        Column::decimal("amount", Self::amount),
        Column::text("currency", Self::currency),
        Column::date("starts_on", Self::starts_on),
        Column::date("ends_on", Self::ends_on),
        Column::text("status", |r| r.status.as_str()),
    ];

    fn parse(wire: ContractWire) -> Result<Self, RecordProblems> {
        Self::parse(wire)
    }

    fn from_trusted_wire(wire: ContractWire) -> Result<Self, String> {
        use fields::trusted::{date, decimal, erp_id, present, timestamp, word};
        Ok(Self {
            erp_id: erp_id("erp_id", wire.erp_id)?,
            influencer_erp_id: erp_id("influencer_erp_id", wire.influencer_erp_id)?,
            campaign: present("campaign", wire.campaign)?,
            amount: decimal("amount", wire.amount)?,
            currency: present("currency", wire.currency)?,
            starts_on: date("starts_on", wire.starts_on)?,
            ends_on: date("ends_on", wire.ends_on)?,
            status: word("status", wire.status, ContractStatus::parse)?,
            source_updated_at: timestamp("source_updated_at", wire.source_updated_at)?,
        })
    }

    fn to_wire(&self) -> ContractWire {
        self.to_wire()
    }

    fn erp_id(&self) -> ErpId {
        self.erp_id
    }

    fn source_updated_at(&self) -> DateTime<Utc> {
        self.source_updated_at
    }
}

#[cfg(test)]
mod tests {
    use serde_json::value::RawValue;

    use super::*;
    use crate::record::parse_raw;

    fn raw(json: &str) -> Box<RawValue> {
        RawValue::from_string(json.to_owned()).unwrap()
    }

    fn parse(json: &str) -> Result<Contract, RecordProblems> {
        parse_raw::<Contract>(&raw(json))
    }

    #[test]
    fn unknown_fields_and_wrong_types_are_named() {
        let problems = parse(r#"{"erp_id": "7", "colour": "red"}"#).unwrap_err();
        let text = problems.to_string();
        assert!(
            text.contains("colour: is not a field of contracts"),
            "{text}"
        );
        assert!(text.contains("erp_id: must be a whole number"), "{text}");
    }

    #[test]
    fn a_contract_ending_before_it_starts_is_refused() {
        let problems = parse(
            r#"{"erp_id": 1, "influencer_erp_id": 2, "campaign": "Verão", "amount": "10.00",
                "starts_on": "2024-02-01", "ends_on": "2024-01-01", "status": "active",
                "source_updated_at": "2024-01-01T00:00:00Z"}"#,
        )
        .unwrap_err();
        assert!(problems
            .to_string()
            .contains("ends_on: 2024-01-01 is before starts_on 2024-02-01"));
    }

    #[test]
    fn a_valid_contract_defaults_to_brl_and_round_trips() {
        let contract = parse(
            r#"{"erp_id": 1, "influencer_erp_id": 2, "campaign": "Verão", "amount": "1234.50",
                "starts_on": "2024-01-01", "ends_on": "2024-12-31", "status": "active",
                "source_updated_at": "2024-01-01T00:00:00.5-03:00"}"#,
        )
        .unwrap();
        assert_eq!(contract.currency(), "BRL");
        let again: Contract =
            serde_json::from_str(&serde_json::to_string(&contract).unwrap()).unwrap();
        assert_eq!(again, contract);
    }
}
