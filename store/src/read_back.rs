//! Reads the mirrored records back in their canonical form, for checks, tests and the demo's report.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::{MySqlPool, Row};

use records::fields::format_timestamp;
use records::{ContractWire, Entity, InfluencerWire};

fn timestamp_from_nanos(nanos: i64) -> String {
    format_timestamp(&DateTime::<Utc>::from_timestamp_nanos(nanos))
}

/// Every influencer, ordered by key, as the wire form the ERP would send.
pub async fn all_influencers(pool: &MySqlPool) -> Result<Vec<InfluencerWire>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT erp_id, name, handle, email, phone, platform, CAST(followers AS SIGNED) AS followers, document, city, \
         state, status, source_updated_ns FROM influencers ORDER BY erp_id",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(InfluencerWire {
                erp_id: Some(r.try_get("erp_id")?),
                name: Some(r.try_get("name")?),
                handle: Some(r.try_get("handle")?),
                email: r.try_get("email")?,
                phone: r.try_get("phone")?,
                platform: Some(r.try_get("platform")?),
                followers: Some(r.try_get("followers")?),
                document: Some(r.try_get("document")?),
                city: Some(r.try_get("city")?),
                state: Some(r.try_get("state")?),
                status: Some(r.try_get("status")?),
                source_updated_at: Some(timestamp_from_nanos(r.try_get("source_updated_ns")?)),
            })
        })
        .collect()
}

/// Every contract, ordered by key, as the wire form the ERP would send.
pub async fn all_contracts(pool: &MySqlPool) -> Result<Vec<ContractWire>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT erp_id, influencer_erp_id, campaign, amount, currency, starts_on, ends_on, status, source_updated_ns \
         FROM contracts ORDER BY erp_id",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ContractWire {
                erp_id: Some(r.try_get("erp_id")?),
                influencer_erp_id: Some(r.try_get("influencer_erp_id")?),
                campaign: Some(r.try_get("campaign")?),
                amount: Some(r.try_get::<Decimal, _>("amount")?.normalize().to_string()),
                currency: Some(r.try_get("currency")?),
                starts_on: Some(r.try_get::<NaiveDate, _>("starts_on")?.to_string()),
                ends_on: Some(r.try_get::<NaiveDate, _>("ends_on")?.to_string()),
                status: Some(r.try_get("status")?),
                source_updated_at: Some(timestamp_from_nanos(r.try_get("source_updated_ns")?)),
            })
        })
        .collect()
}

pub async fn count_rows(pool: &MySqlPool, entity: Entity) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", entity.as_str()))
        .fetch_one(pool)
        .await
}
