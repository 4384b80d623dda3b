//! The records every measurement uses: the demo's influencers, and a re-sync with a share changed.

use chrono::Duration;
use extractor::{Day, DemoDataset, DemoSize};
use records::fields::format_timestamp;
use records::{Influencer, InfluencerWire};

pub fn day_one(count: usize) -> Vec<InfluencerWire> {
    DemoDataset::new(
        DemoSize {
            influencers: count,
            campaigns: 0,
            contracts: 0,
        },
        Day::One,
    )
    .influencers()
    .collect()
}

/// The same records with every `1/share`-th one changed and a day newer.
pub fn with_changed_share(records: &[InfluencerWire], share: f64) -> Vec<InfluencerWire> {
    let every = (1.0 / share.max(1e-6)).round().max(1.0) as usize;
    records
        .iter()
        .enumerate()
        .map(|(i, record)| {
            let mut record = record.clone();
            if i % every == 0 {
                record.followers = record.followers.map(|f| f + 1);
                let parsed = Influencer::parse(record.clone()).expect("demo records are valid");
                record.source_updated_at = Some(format_timestamp(
                    &(parsed.source_updated_at() + Duration::days(1)),
                ));
            }
            record
        })
        .collect()
}

pub fn parsed(records: &[InfluencerWire]) -> Vec<Influencer> {
    records
        .iter()
        .map(|r| Influencer::parse(r.clone()).expect("demo records are valid"))
        .collect()
}

/// The share of records that differ between two versions of the same data set.
pub fn changed_share(before: &[InfluencerWire], after: &[InfluencerWire]) -> f64 {
    let changed = before.iter().zip(after).filter(|(a, b)| a != b).count();
    changed as f64 / before.len().max(1) as f64
}
