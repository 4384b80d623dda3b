//! The influencer record: its wire form, its parsed and validated form, and its stored columns.

pub mod document;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::fields::{self, word_enum, ErpId};
use crate::problems::RecordProblems;
use crate::record::{serde_via_wire, Column, Record};
use document::Document;

word_enum!(Platform, "platform", [Instagram => "instagram", Tiktok => "tiktok", Youtube => "youtube", Twitch => "twitch", Kwai => "kwai", Other => "other"]);
word_enum!(InfluencerStatus, "status", [Active => "active", Inactive => "inactive", Blocked => "blocked"]);

/// An influencer exactly as it travels as JSON; every field optional so that all problems are reported.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InfluencerWire {
    pub erp_id: Option<i64>,
    pub name: Option<String>,
    pub handle: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub platform: Option<String>,
    pub followers: Option<i64>,
    pub document: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub status: Option<String>,
    pub source_updated_at: Option<String>,
}

/// A validated influencer. Only [`Influencer::parse`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Influencer {
    erp_id: ErpId,
    name: String,
    handle: String,
    email: Option<String>,
    phone: Option<String>,
    platform: Platform,
    followers: u64,
    document: Document,
    city: String,
    state: String,
    status: InfluencerStatus,
    source_updated_at: DateTime<Utc>,
}

impl Influencer {
    pub fn parse(wire: InfluencerWire) -> Result<Self, RecordProblems> {
        let mut p = RecordProblems::default();
        let erp_id = p
            .required("erp_id", wire.erp_id)
            .and_then(|v| p.check("erp_id", ErpId::parse(v)));
        let name = p
            .required("name", wire.name)
            .and_then(|v| p.check("name", fields::bounded_text(v, 200)));
        let handle = p
            .required("handle", wire.handle)
            .and_then(|v| p.check("handle", fields::bounded_text(v, 100)));
        // An empty optional field means "none", as ERPs often store '' for missing values.
        let email = wire
            .email
            .filter(|v| !v.trim().is_empty())
            .and_then(|v| p.check("email", fields::email(v)));
        let phone = wire
            .phone
            .filter(|v| !v.trim().is_empty())
            .and_then(|v| p.check("phone", fields::phone(v)));
        let platform = p
            .required("platform", wire.platform)
            .and_then(|v| p.check("platform", Platform::parse(&v)));
        let followers = p.required("followers", wire.followers).and_then(|v| {
            p.check(
                "followers",
                u64::try_from(v).map_err(|_| format!("must be 0 or more, got {v}")),
            )
        });
        let document = p
            .required("document", wire.document)
            .and_then(|v| p.check("document", Document::parse(&v)));
        let city = p
            .required("city", wire.city)
            .and_then(|v| p.check("city", fields::bounded_text(v, 100)));
        let state = p
            .required("state", wire.state)
            .and_then(|v| p.check("state", fields::uf(&v)));
        let status = p
            .required("status", wire.status)
            .and_then(|v| p.check("status", InfluencerStatus::parse(&v)));
        let source_updated_at = p
            .required("source_updated_at", wire.source_updated_at)
            .and_then(|v| p.check("source_updated_at", fields::timestamp(&v)));
        if !p.is_empty() {
            return Err(p);
        }
        Ok(Self {
            erp_id: erp_id.expect("checked by is_empty"),
            name: name.expect("checked by is_empty"),
            handle: handle.expect("checked by is_empty"),
            email,
            phone,
            platform: platform.expect("checked by is_empty"),
            followers: followers.expect("checked by is_empty"),
            document: document.expect("checked by is_empty"),
            city: city.expect("checked by is_empty"),
            state: state.expect("checked by is_empty"),
            status: status.expect("checked by is_empty"),
            source_updated_at: source_updated_at.expect("checked by is_empty"),
        })
    }

    pub fn to_wire(&self) -> InfluencerWire {
        InfluencerWire {
            erp_id: Some(self.erp_id.get()),
            name: Some(self.name.clone()),
            handle: Some(self.handle.clone()),
            email: self.email.clone(),
            phone: self.phone.clone(),
            platform: Some(self.platform.as_str().to_owned()),
            followers: Some(self.followers as i64),
            document: Some(self.document.as_str().to_owned()),
            city: Some(self.city.clone()),
            state: Some(self.state.clone()),
            status: Some(self.status.as_str().to_owned()),
            source_updated_at: Some(fields::format_timestamp(&self.source_updated_at)),
        }
    }

    pub fn erp_id(&self) -> ErpId {
        self.erp_id
    }
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn handle(&self) -> &str {
        &self.handle
    }
    pub fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }
    pub fn phone(&self) -> Option<&str> {
        self.phone.as_deref()
    }
    pub fn platform(&self) -> Platform {
        self.platform
    }
    pub fn followers(&self) -> u64 {
        self.followers
    }
    pub fn document(&self) -> &Document {
        &self.document
    }
    pub fn city(&self) -> &str {
        &self.city
    }
    pub fn state(&self) -> &str {
        &self.state
    }
    pub fn status(&self) -> InfluencerStatus {
        self.status
    }
    pub fn source_updated_at(&self) -> DateTime<Utc> {
        self.source_updated_at
    }
}

serde_via_wire!(Influencer);

impl Record for Influencer {
    type Wire = InfluencerWire;

    const COLUMNS: &'static [Column<Self>] = &[
        Column::text("name", Self::name),
        Column::text("handle", Self::handle),
        Column::optional_text("email", Self::email),
        Column::optional_text("phone", Self::phone),
        Column::text("platform", |r| r.platform.as_str()),
        // Parsed from an i64, so it fits one.
        Column::integer("followers", |r| r.followers as i64),
        Column::text("document", |r| r.document.as_str()),
        Column::text("city", Self::city),
        Column::text("state", Self::state),
        Column::text("status", |r| r.status.as_str()),
    ];

    fn parse(wire: InfluencerWire) -> Result<Self, RecordProblems> {
        Self::parse(wire)
    }

    fn from_trusted_wire(wire: InfluencerWire) -> Result<Self, String> {
        use fields::trusted::{erp_id, present, timestamp, word};
        let followers = present("followers", wire.followers)?;
        Ok(Self {
            erp_id: erp_id("erp_id", wire.erp_id)?,
            name: present("name", wire.name)?,
            handle: present("handle", wire.handle)?,
            email: wire.email,
            phone: wire.phone,
            platform: word("platform", wire.platform, Platform::parse)?,
            followers: u64::try_from(followers).map_err(|e| format!("followers: {e}"))?,
            document: Document::trusted(present("document", wire.document)?),
            city: present("city", wire.city)?,
            state: present("state", wire.state)?,
            status: word("status", wire.status, InfluencerStatus::parse)?,
            source_updated_at: timestamp("source_updated_at", wire.source_updated_at)?,
        })
    }

    fn to_wire(&self) -> InfluencerWire {
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

    #[test]
    fn every_problem_of_a_record_is_listed_by_field() {
        let problems = parse_raw::<Influencer>(&raw(
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
    fn a_badly_shaped_influencer_is_told_its_own_fields() {
        let problems = parse_raw::<Influencer>(&raw(r#"{"followers": "many", "budget": "1"}"#))
            .unwrap_err()
            .to_string();
        assert!(
            problems.contains("followers: must be a whole number"),
            "{problems}"
        );
        assert!(
            problems.contains("budget: is not a field of influencers"),
            "{problems}"
        );
    }

    #[test]
    fn a_job_s_record_is_decoded_without_the_business_rules_but_not_without_its_types() {
        let made_by_the_api = r#"{"erp_id": 7, "name": "Ana", "handle": "ana", "email": null,
            "phone": null, "platform": "instagram", "followers": 10, "document": "11111111111",
            "city": "Recife", "state": "PE", "status": "active",
            "source_updated_at": "2026-11-27T10:00:00Z"}"#;
        let decoded: Influencer = serde_json::from_str(made_by_the_api).unwrap();
        assert_eq!(
            decoded.document().as_str(),
            "11111111111",
            "check digits are the API's business"
        );
        let not_a_timestamp = made_by_the_api.replace("2026-11-27T10:00:00Z", "yesterday");
        let error = serde_json::from_str::<Influencer>(&not_a_timestamp).unwrap_err();
        assert!(error.to_string().contains("source_updated_at"), "{error}");
    }
}
