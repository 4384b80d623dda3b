//! The influencer record: its wire form and its parsed, validated form.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::document::Document;
use crate::fields::{self, ErpId, InfluencerStatus, Platform};
use crate::problems::RecordProblems;

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
            .and_then(|v| p.check("name", fields::bounded_text(&v, 200)));
        let handle = p
            .required("handle", wire.handle)
            .and_then(|v| p.check("handle", fields::bounded_text(&v, 100)));
        // An empty optional field means "none", as ERPs often store '' for missing values.
        let email = wire
            .email
            .filter(|v| !v.trim().is_empty())
            .and_then(|v| p.check("email", fields::email(&v)));
        let phone = wire
            .phone
            .filter(|v| !v.trim().is_empty())
            .and_then(|v| p.check("phone", fields::phone(&v)));
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
            .and_then(|v| p.check("city", fields::bounded_text(&v, 100)));
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

impl Serialize for Influencer {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_wire().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Influencer {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = InfluencerWire::deserialize(deserializer)?;
        Self::parse(wire).map_err(serde::de::Error::custom)
    }
}
