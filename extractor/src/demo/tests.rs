//! Properties of the demo data set: deterministic, valid, and a plausible "next day".

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use records::{Campaign, CampaignWire, Contract, ContractWire, Influencer, InfluencerWire};

use super::{Day, DemoDataset, DemoSize};

const SMALL: DemoSize = DemoSize {
    influencers: 2_000,
    campaigns: 200,
    contracts: 6_000,
};

fn influencers_by_id(day: Day) -> BTreeMap<i64, InfluencerWire> {
    let set = DemoDataset::new(DemoSize::default(), day);
    set.influencers().map(|r| (r.erp_id.unwrap(), r)).collect()
}

fn campaigns_by_id(day: Day) -> BTreeMap<i64, CampaignWire> {
    let set = DemoDataset::new(DemoSize::default(), day);
    set.campaigns().map(|r| (r.erp_id.unwrap(), r)).collect()
}

fn contracts_by_id(day: Day) -> BTreeMap<i64, ContractWire> {
    let set = DemoDataset::new(DemoSize::default(), day);
    set.contracts().map(|r| (r.erp_id.unwrap(), r)).collect()
}

fn at(timestamp: Option<&String>) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(timestamp.unwrap())
        .unwrap()
        .into()
}

/// Counts of (changed, new, deleted) records between day one and the next day.
fn differences<T: PartialEq>(one: &BTreeMap<i64, T>, next: &BTreeMap<i64, T>) -> [usize; 3] {
    let changed = one
        .iter()
        .filter(|(id, r)| next.get(id).is_some_and(|n| n != *r))
        .count();
    let new = next.keys().filter(|id| !one.contains_key(id)).count();
    let deleted = one.keys().filter(|id| !next.contains_key(id)).count();
    [changed, new, deleted]
}

fn share(count: usize, of: usize) -> f64 {
    count as f64 * 100.0 / of as f64
}

#[test]
fn iterating_the_same_data_set_twice_gives_the_same_records() {
    for day in [Day::One, Day::Next] {
        let set = DemoDataset::new(SMALL, day);
        assert!(set
            .influencers()
            .eq(DemoDataset::new(SMALL, day).influencers()));
        assert!(set.contracts().eq(set.contracts()));
    }
}

#[test]
fn records_come_in_ascending_erp_id_order_and_match_direct_look_ups() {
    let set = DemoDataset::new(SMALL, Day::Next);
    let ids: Vec<i64> = set.contracts().map(|c| c.erp_id.unwrap()).collect();
    assert!(ids.windows(2).all(|pair| pair[0] < pair[1]));
    let third = set.influencers().nth(2).unwrap();
    assert_eq!(set.influencer(third.erp_id.unwrap()), Some(third));
    assert_eq!(set.influencer(0), None);
}

#[test]
fn every_record_passes_validation_except_the_few_the_next_day_spoils() {
    for day in [Day::One, Day::Next] {
        let set = DemoDataset::new(DemoSize::default(), day);
        let (bad_influencers, bad_contracts) = set.invalid_keys();
        for wire in set.influencers() {
            let key = wire.erp_id.unwrap();
            let parsed = Influencer::parse(wire.clone());
            assert_eq!(
                parsed.is_err(),
                bad_influencers.contains(&key),
                "{wire:?}: {parsed:?}"
            );
        }
        for wire in set.campaigns() {
            let shown = format!("{wire:?}");
            Campaign::parse(wire).unwrap_or_else(|p| panic!("{shown}: {p:?}"));
        }
        for wire in set.contracts() {
            let key = wire.erp_id.unwrap();
            let parsed = Contract::parse(wire.clone());
            assert_eq!(
                parsed.is_err(),
                bad_contracts.contains(&key),
                "{wire:?}: {parsed:?}"
            );
        }
    }
}

#[test]
fn the_next_day_spoils_3_influencers_and_5_contracts_one_of_each_new_each_for_a_reason() {
    assert_eq!(
        DemoDataset::new(DemoSize::default(), Day::One).invalid_keys(),
        (vec![], vec![])
    );
    let one = DemoDataset::new(DemoSize::default(), Day::One);
    let next = DemoDataset::new(DemoSize::default(), Day::Next);
    let (influencers, contracts) = next.invalid_keys();
    let existed: Vec<bool> = influencers
        .iter()
        .map(|k| one.influencer(*k).is_some())
        .collect();
    assert_eq!(existed, [true, true, false]);
    let existed: Vec<bool> = contracts
        .iter()
        .map(|k| one.contract(*k).is_some())
        .collect();
    assert_eq!(existed, [true, true, true, true, false]);
    let reasons: Vec<String> = influencers
        .iter()
        .map(|k| {
            Influencer::parse(next.influencer(*k).unwrap())
                .unwrap_err()
                .to_string()
        })
        .chain(contracts.iter().map(|k| {
            Contract::parse(next.contract(*k).unwrap())
                .unwrap_err()
                .to_string()
        }))
        .collect();
    let expected = [
        "document: is not a valid CPF",
        "platform: \"orkut\" is not a platform",
        "email: \"contato@\" is not a valid e-mail address; state: \"SS\" is not a Brazilian UF",
        "ends_on: ",
        "currency: \"R$\" is not an ISO 4217 currency code",
        "amount: must not be negative",
        "status: \"signed\" is not a status",
        "starts_on: \"2027-02-30\" is not a date",
    ];
    for (reason, expected) in reasons.iter().zip(expected) {
        assert!(reason.starts_with(expected), "{reason} is not {expected}");
    }
}

#[test]
fn the_day_one_data_set_has_exactly_the_requested_sizes() {
    let set = DemoDataset::new(SMALL, Day::One);
    assert_eq!(set.influencers().count(), SMALL.influencers);
    assert_eq!(set.campaigns().count(), SMALL.campaigns);
    assert_eq!(set.contracts().count(), SMALL.contracts);
    let empty = DemoDataset::new(
        DemoSize {
            influencers: 0,
            campaigns: 0,
            contracts: 10,
        },
        Day::Next,
    );
    assert_eq!(empty.influencers().count() + empty.contracts().count(), 0);
}

#[test]
fn the_data_looks_brazilian_with_accents_cities_and_both_documents() {
    let all: Vec<InfluencerWire> = DemoDataset::new(SMALL, Day::One).influencers().collect();
    let has = |pred: &dyn Fn(&InfluencerWire) -> bool| all.iter().any(pred);
    assert!(has(
        &|r| r.name.as_deref().unwrap().contains('ã') || r.name.as_deref().unwrap().contains('ç')
    ));
    assert!(has(
        &|r| r.city.as_deref() == Some("São Paulo") && r.state.as_deref() == Some("SP")
    ));
    assert!(has(&|r| r.email.is_none()) && has(&|r| r.phone.is_none()));
    let digits = |r: &InfluencerWire| {
        r.document
            .as_deref()
            .unwrap()
            .chars()
            .filter(char::is_ascii_digit)
            .count()
    };
    let companies = all.iter().filter(|r| digits(r) == 14).count();
    assert!((100..400).contains(&companies), "{companies} companies");
    let amount = DemoDataset::new(SMALL, Day::One)
        .contracts()
        .next()
        .unwrap()
        .amount
        .unwrap();
    assert_eq!(amount.split('.').nth(1).map(str::len), Some(2), "{amount}");
}

#[test]
fn the_next_day_changes_about_3_adds_about_2_and_deletes_about_1_percent_of_influencers() {
    let one = influencers_by_id(Day::One);
    let next = influencers_by_id(Day::Next);
    let [changed, new, deleted] = differences(&one, &next);
    let total = one.len();
    assert!(
        (2.0..4.0).contains(&share(changed, total)),
        "{changed} changed"
    );
    assert!((1.5..2.5).contains(&share(new, total)), "{new} new");
    assert!(
        (0.5..1.5).contains(&share(deleted, total)),
        "{deleted} deleted"
    );
    let day_one_max = *one.keys().last().unwrap();
    assert!(next
        .keys()
        .filter(|id| !one.contains_key(id))
        .all(|id| *id > day_one_max));
}

#[test]
fn the_next_day_changes_adds_and_deletes_contracts_in_similar_shares() {
    let one = contracts_by_id(Day::One);
    let next = contracts_by_id(Day::Next);
    let [changed, new, deleted] = differences(&one, &next);
    let total = one.len();
    assert!(
        (2.0..4.0).contains(&share(changed, total)),
        "{changed} changed"
    );
    assert!((1.5..2.5).contains(&share(new, total)), "{new} new");
    // Its own 1 % plus the contracts of deleted influencers.
    assert!(
        (1.0..3.0).contains(&share(deleted, total)),
        "{deleted} deleted"
    );
}

#[test]
fn the_next_day_changes_adds_and_deletes_campaigns_in_similar_shares_with_later_timestamps() {
    let one = campaigns_by_id(Day::One);
    let next = campaigns_by_id(Day::Next);
    let [changed, new, deleted] = differences(&one, &next);
    let total = one.len();
    assert!(
        (1.0..5.0).contains(&share(changed, total)),
        "{changed} changed"
    );
    assert!((1.5..2.5).contains(&share(new, total)), "{new} new");
    assert!(
        (0.2..2.0).contains(&share(deleted, total)),
        "{deleted} deleted"
    );
    for (id, before) in &one {
        if let Some(after) = next.get(id).filter(|after| *after != before) {
            assert!(at(after.source_updated_at.as_ref()) > at(before.source_updated_at.as_ref()));
            assert_ne!(after.budget, before.budget, "campaign {id}");
        }
    }
}

#[test]
fn a_record_changed_the_next_day_carries_a_later_source_updated_at() {
    let (bad_influencers, bad_contracts) =
        DemoDataset::new(DemoSize::default(), Day::Next).invalid_keys();
    let one = contracts_by_id(Day::One);
    let next = contracts_by_id(Day::Next);
    for (id, before) in one.iter().filter(|(id, _)| !bad_contracts.contains(id)) {
        if let Some(after) = next.get(id).filter(|after| *after != before) {
            assert!(at(after.source_updated_at.as_ref()) > at(before.source_updated_at.as_ref()));
            assert_ne!(after.amount, before.amount, "contract {id}");
        }
    }
    let one = influencers_by_id(Day::One);
    let next = influencers_by_id(Day::Next);
    for (id, before) in one.iter().filter(|(id, _)| !bad_influencers.contains(id)) {
        if let Some(after) = next.get(id).filter(|after| *after != before) {
            assert!(at(after.source_updated_at.as_ref()) > at(before.source_updated_at.as_ref()));
            assert_ne!(after.followers, before.followers, "influencer {id}");
        }
    }
}

#[test]
fn contracts_only_reference_influencers_that_exist_on_the_same_day() {
    for day in [Day::One, Day::Next] {
        let influencers = influencers_by_id(day);
        let set = DemoDataset::new(DemoSize::default(), day);
        let orphans = set
            .contracts()
            .filter(|c| !influencers.contains_key(&c.influencer_erp_id.unwrap()))
            .count();
        assert_eq!(orphans, 0, "{day:?}");
    }
}

#[test]
fn timestamps_keep_sub_second_precision() {
    let first = DemoDataset::new(SMALL, Day::One)
        .influencers()
        .next()
        .unwrap();
    let stamp = first.source_updated_at.unwrap();
    let fraction = stamp.split('.').nth(1).unwrap().trim_end_matches('Z');
    assert!(fraction.len() >= 6, "{stamp}");
}
