//! A deterministic, Brazilian-flavoured data set standing in for the ERP, with a "next day" variant.
//!
//! Every record is derived from a fixed seed and its own `erp_id` alone, so the iterators are lazy,
//! any record can be looked up directly, and memory does not grow with the size of the data set.

mod campaigns;
mod contracts;
mod influencers;
mod lookup;
mod run;
mod spoiled;
mod words;

#[cfg(test)]
mod tests;

use chrono::DateTime;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use records::fields::format_timestamp;
use records::{ContractWire, InfluencerWire};

/// Sizes of the day-one data set; the next day adds about 2 % to each entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoSize {
    pub influencers: usize,
    pub campaigns: usize,
    pub contracts: usize,
}

impl Default for DemoSize {
    fn default() -> Self {
        Self {
            influencers: 10_000,
            campaigns: 1_000,
            contracts: 30_000,
        }
    }
}

/// Which extraction of the ERP the data set shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Day {
    /// The first extraction.
    One,
    /// The same ERP a day later: about 3 % changed, 2 % new and 1 % deleted, per entity, and a
    /// few invalid records (3 influencers, 5 contracts; see `spoiled.rs`).
    Next,
}

/// The demo ERP as seen on one day. Cheap to copy; records are generated on demand.
///
/// Contracts only ever reference influencers that exist on the same day, so a data set without
/// influencers has no contracts either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoDataset {
    size: DemoSize,
    day: Day,
    spoiled: spoiled::Spoiled,
}

/// What the next day does to a record that existed on day one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Kept,
    Changed,
    Deleted,
}

/// Interval of `source_updated_at` values, in Unix seconds, end excluded.
#[derive(Debug, Clone, Copy)]
struct Window {
    from: i64,
    to: i64,
}

const SEED: u64 = 0x0D15_5EED_2026_1127;

// Day one is extracted at 2026-11-27T04:00Z (01:00 in São Paulo); everything it holds was updated
// before that and everything the next day changes after it, so changes always move time forward.
const DAY_ONE_FROM: i64 = 1_546_300_800; // 2019-01-01T00:00:00Z
const DAY_ONE_CUTOFF: i64 = 1_795_752_000; // 2026-11-27T04:00:00Z
const DAY: i64 = 86_400;
const DAY_ONE: Window = Window {
    from: DAY_ONE_FROM,
    to: DAY_ONE_CUTOFF,
};
const NEXT_DAY: Window = Window {
    from: DAY_ONE_CUTOFF,
    to: DAY_ONE_CUTOFF + DAY,
};

/// Separates the random streams, so that, say, whether a record changes is independent of its values.
#[derive(Debug, Clone, Copy)]
enum Stream {
    Influencer = 1,
    Contract = 2,
    InfluencerFate = 3,
    ContractFate = 4,
    InfluencerChange = 5,
    ContractChange = 6,
    Campaign = 7,
    CampaignFate = 8,
    CampaignChange = 9,
}

impl DemoDataset {
    pub fn new(size: DemoSize, day: Day) -> Self {
        let mut set = Self {
            size,
            day,
            spoiled: spoiled::Spoiled::NONE,
        };
        if day == Day::Next {
            let influencers = set.last_id(size.influencers);
            let contracts = set.last_id(size.contracts);
            set.spoiled = spoiled::Spoiled {
                influencers: spoiled::spread(size.influencers, influencers, |k| {
                    set.influencer(k).is_some()
                }),
                contracts: spoiled::spread(size.contracts, contracts, |k| {
                    set.contract(k).is_some()
                }),
            };
        }
        set
    }

    /// The keys whose record is invalid on this day: influencers, then contracts.
    pub fn invalid_keys(&self) -> (Vec<i64>, Vec<i64>) {
        let keys = |spoiled: &[i64]| spoiled.iter().copied().filter(|k| *k > 0).collect();
        (
            keys(&self.spoiled.influencers),
            keys(&self.spoiled.contracts),
        )
    }

    pub fn size(&self) -> DemoSize {
        self.size
    }

    pub fn day(&self) -> Day {
        self.day
    }

    /// The influencers of this day in ascending `erp_id` order, generated one at a time.
    pub fn influencers(&self) -> impl Iterator<Item = InfluencerWire> + Send + 'static {
        let this = *self;
        (1..=this.last_id(self.size.influencers)).filter_map(move |id| this.influencer(id))
    }

    /// The contracts of this day in ascending `erp_id` order, generated one at a time.
    pub fn contracts(&self) -> impl Iterator<Item = ContractWire> + Send + 'static {
        let this = *self;
        (1..=this.last_id(self.size.contracts)).filter_map(move |id| this.contract(id))
    }

    /// The highest `erp_id` of an entity whose day-one size is `day_one`.
    fn last_id(&self, day_one: usize) -> i64 {
        let added = match self.day {
            Day::One => 0,
            Day::Next => day_one.div_ceil(50),
        };
        (day_one + added) as i64
    }

    fn fate(&self, stream: Stream, erp_id: i64) -> Fate {
        if self.day == Day::One {
            return Fate::Kept;
        }
        match mix(stream, erp_id) % 100 {
            0 => Fate::Deleted,
            1..=3 => Fate::Changed,
            _ => Fate::Kept,
        }
    }
}

/// The random stream of one record, independent of every other record's.
fn rng(stream: Stream, erp_id: i64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(mix(stream, erp_id))
}

/// `SplitMix64` over the seed, the stream and the key: cheap, and well spread for adjacent keys.
fn mix(stream: Stream, erp_id: i64) -> u64 {
    splitmix(splitmix(SEED ^ stream as u64) ^ erp_id as u64)
}

fn splitmix(value: u64) -> u64 {
    let mut z = value.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A timestamp in `window` with the 100 ns resolution of SQL Server's `datetime2`.
fn timestamp(rng: &mut ChaCha8Rng, window: Window) -> String {
    let seconds = rng.random_range(window.from..window.to);
    let nanos = rng.random_range(0..10_000_000_u32) * 100;
    let at =
        DateTime::from_timestamp(seconds, nanos).expect("demo windows are within chrono's range");
    format_timestamp(&at)
}

/// Picks one of `choices` with probability proportional to its weight.
fn weighted<T: Copy>(rng: &mut ChaCha8Rng, choices: &[(T, u32)]) -> T {
    let total: u32 = choices.iter().map(|(_, weight)| weight).sum();
    let mut ticket = rng.random_range(0..total);
    for &(choice, weight) in choices {
        if ticket < weight {
            return choice;
        }
        ticket -= weight;
    }
    choices[choices.len() - 1].0
}
