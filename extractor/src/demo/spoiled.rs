//! The few invalid records of the next day. ERPs hold bad data too, and the demo shows what
//! becomes of it: rejected with every reason, counted in its run, never loaded, and — for a key
//! DIS already holds — kept as it was and never swept.

use chrono::{Days, NaiveDate};
use records::{ContractWire, InfluencerWire};

/// Data sets smaller than this (per entity, on day one) have no invalid records.
const SMALLEST_SPOILED: usize = 20;

/// Keys spoiled on the next day; 0, never a key, where there are none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Spoiled {
    pub influencers: [i64; 3],
    pub contracts: [i64; 5],
}

impl Spoiled {
    pub const NONE: Self = Self {
        influencers: [0; 3],
        contracts: [0; 5],
    };
}

/// `N - 1` keys spread over day one's `day_one` keys, each moved up to the next key that exists
/// on the next day, then the newest key, which the next day adds.
pub(super) fn spread<const N: usize>(
    day_one: usize,
    newest: i64,
    exists: impl Fn(i64) -> bool,
) -> [i64; N] {
    let mut keys = [0; N];
    if day_one < SMALLEST_SPOILED {
        return keys;
    }
    for (i, key) in keys.iter_mut().take(N - 1).enumerate() {
        let mut candidate = ((i + 1) * day_one / N) as i64;
        while !exists(candidate) {
            candidate += 1;
        }
        *key = candidate;
    }
    keys[N - 1] = newest;
    keys
}

/// The influencer with the `which`-th defect: a CPF whose check digit is wrong, a platform that
/// does not exist, and (the new key) an e-mail without a domain and a state that is no UF.
pub(super) fn influencer(mut wire: InfluencerWire, which: usize) -> InfluencerWire {
    match which {
        0 => wire.document = Some("529.982.247-24".into()),
        1 => wire.platform = Some("orkut".into()),
        _ => {
            wire.email = Some("contato@".into());
            wire.state = Some("SS".into());
        }
    }
    wire
}

/// The contract with the `which`-th defect: it ends before it starts, its currency is not ISO
/// 4217, its amount is negative, its status is unknown, and (the new key) its start is no date.
pub(super) fn contract(mut wire: ContractWire, which: usize) -> ContractWire {
    match which {
        0 => {
            let starts_on = wire
                .starts_on
                .as_deref()
                .and_then(|d| d.parse::<NaiveDate>().ok());
            wire.ends_on = starts_on.map(|d| (d - Days::new(1)).to_string());
        }
        1 => wire.currency = Some("R$".into()),
        2 => wire.amount = Some("-150.00".into()),
        3 => wire.status = Some("signed".into()),
        _ => wire.starts_on = Some("2027-02-30".into()),
    }
    wire
}
