//! The campaign record: a brand's campaign with its period and budget, as the ERP keeps it.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::fields::{self, word_enum, ErpId};
use crate::problems::RecordProblems;
use crate::record::{serde_via_wire, Column, Record};

word_enum!(CampaignStatus, "status", [Planned => "planned", Active => "active", Finished => "finished", Cancelled => "cancelled"]);

/// A campaign exactly as it travels as JSON; every field optional so that all problems are reported.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignWire {
    pub erp_id: Option<i64>,
    pub name: Option<String>,
    pub brand: Option<String>,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    pub budget: Option<String>,
    pub currency: Option<String>,
    pub status: Option<String>,
    pub source_updated_at: Option<String>,
}

/// A validated campaign. Only [`Campaign::parse`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Campaign {
    erp_id: ErpId,
    name: String,
    brand: String,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    budget: Decimal,
    currency: String,
    status: CampaignStatus,
    source_updated_at: DateTime<Utc>,
}

impl Campaign {
    pub fn parse(wire: CampaignWire) -> Result<Self, RecordProblems> {
        let mut p = RecordProblems::default();
        let erp_id = p
            .required("erp_id", wire.erp_id)
            .and_then(|v| p.check("erp_id", ErpId::parse(v)));
        let name = p
            .required("name", wire.name)
            .and_then(|v| p.check("name", fields::bounded_text(v, 200)));
        let brand = p
            .required("brand", wire.brand)
            .and_then(|v| p.check("brand", fields::bounded_text(v, 100)));
        let starts_on = p
            .required("starts_on", wire.starts_on)
            .and_then(|v| p.check("starts_on", fields::date(&v)));
        let ends_on = p
            .required("ends_on", wire.ends_on)
            .and_then(|v| p.check("ends_on", fields::date(&v)));
        fields::check_period(&mut p, starts_on, ends_on);
        let budget = p
            .required("budget", wire.budget)
            .and_then(|v| p.check("budget", fields::amount(&v)));
        // As for contracts, an ERP that leaves the currency empty means reais.
        let currency = p.check(
            "currency",
            fields::currency(wire.currency.as_deref().unwrap_or("BRL")),
        );
        let status = p
            .required("status", wire.status)
            .and_then(|v| p.check("status", CampaignStatus::parse(&v)));
        let source_updated_at = p
            .required("source_updated_at", wire.source_updated_at)
            .and_then(|v| p.check("source_updated_at", fields::timestamp(&v)));
        if !p.is_empty() {
            return Err(p);
        }
        Ok(Self {
            erp_id: erp_id.expect("checked by is_empty"),
            name: name.expect("checked by is_empty"),
            brand: brand.expect("checked by is_empty"),
            starts_on: starts_on.expect("checked by is_empty"),
            ends_on: ends_on.expect("checked by is_empty"),
            budget: budget.expect("checked by is_empty"),
            currency: currency.expect("checked by is_empty"),
            status: status.expect("checked by is_empty"),
            source_updated_at: source_updated_at.expect("checked by is_empty"),
        })
    }

    pub fn to_wire(&self) -> CampaignWire {
        CampaignWire {
            erp_id: Some(self.erp_id.get()),
            name: Some(self.name.clone()),
            brand: Some(self.brand.clone()),
            starts_on: Some(self.starts_on.to_string()),
            ends_on: Some(self.ends_on.to_string()),
            budget: Some(self.budget.to_string()),
            currency: Some(self.currency.clone()),
            status: Some(self.status.as_str().to_owned()),
            source_updated_at: Some(fields::format_timestamp(&self.source_updated_at)),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn brand(&self) -> &str {
        &self.brand
    }
    pub fn starts_on(&self) -> NaiveDate {
        self.starts_on
    }
    pub fn ends_on(&self) -> NaiveDate {
        self.ends_on
    }
    pub fn budget(&self) -> Decimal {
        self.budget
    }
    pub fn currency(&self) -> &str {
        &self.currency
    }
    pub fn status(&self) -> CampaignStatus {
        self.status
    }
}

serde_via_wire!(Campaign);

impl Record for Campaign {
    type Wire = CampaignWire;

    const COLUMNS: &'static [Column<Self>] = &[
        Column::text("name", Self::name),
        Column::text("brand", Self::brand),
        Column::date("starts_on", Self::starts_on),
        Column::date("ends_on", Self::ends_on),
        Column::decimal("budget", Self::budget),
        Column::text("currency", Self::currency),
        Column::text("status", |r| r.status.as_str()),
    ];

    fn parse(wire: CampaignWire) -> Result<Self, RecordProblems> {
        Self::parse(wire)
    }

    fn from_trusted_wire(wire: CampaignWire) -> Result<Self, String> {
        use fields::trusted::{date, decimal, erp_id, present, timestamp, word};
        Ok(Self {
            erp_id: erp_id("erp_id", wire.erp_id)?,
            name: present("name", wire.name)?,
            brand: present("brand", wire.brand)?,
            starts_on: date("starts_on", wire.starts_on)?,
            ends_on: date("ends_on", wire.ends_on)?,
            budget: decimal("budget", wire.budget)?,
            currency: present("currency", wire.currency)?,
            status: word("status", wire.status, CampaignStatus::parse)?,
            source_updated_at: timestamp("source_updated_at", wire.source_updated_at)?,
        })
    }

    fn to_wire(&self) -> CampaignWire {
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

    fn parse(json: &str) -> Result<Campaign, RecordProblems> {
        parse_raw::<Campaign>(&RawValue::from_string(json.to_owned()).unwrap())
    }

    #[test]
    fn a_valid_campaign_keeps_its_budget_exact_and_round_trips() {
        let campaign = parse(
            r#"{"erp_id": 3, "name": "Verão Açaí 2027", "brand": "Açaí do Norte",
                "starts_on": "2026-12-01", "ends_on": "2027-02-28", "budget": "250000.10",
                "status": "planned", "source_updated_at": "2026-11-27T01:00:00.1234567-03:00"}"#,
        )
        .unwrap();
        assert_eq!(campaign.currency(), "BRL");
        assert_eq!(campaign.budget().to_string(), "250000.1");
        let again: Campaign =
            serde_json::from_str(&serde_json::to_string(&campaign).unwrap()).unwrap();
        assert_eq!(again, campaign);
    }

    #[test]
    fn every_problem_of_a_campaign_is_listed_by_field() {
        let problems = parse(
            r#"{"erp_id": 3, "name": " ", "starts_on": "2027-03-01", "ends_on": "2027-02-28",
                "budget": "1.23456", "currency": "XYZ", "status": "paused",
                "source_updated_at": "2026-11-27T01:00:00Z"}"#,
        )
        .unwrap_err()
        .to_string();
        for expected in [
            "name: must not be empty",
            "brand: is required",
            "ends_on: 2027-02-28 is before starts_on 2027-03-01",
            "budget: has more than 4 decimal places",
            "currency: \"XYZ\" is not an ISO 4217 currency code",
            "status: \"paused\" is not a status",
        ] {
            assert!(
                problems.contains(expected),
                "{expected} missing from {problems}"
            );
        }
    }

    #[test]
    fn a_budget_sent_as_a_number_is_refused_as_the_wrong_type() {
        let problems = parse(r#"{"erp_id": 3, "budget": 1000.5}"#)
            .unwrap_err()
            .to_string();
        assert!(problems.contains("budget: must be a string"), "{problems}");
    }
}
