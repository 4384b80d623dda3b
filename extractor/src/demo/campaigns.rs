//! One demo campaign: drawn from its own random stream, and how the next day changes it.

use chrono::{DateTime, Datelike, Days, NaiveDate};
use rand::seq::IndexedRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use records::CampaignWire;
use rust_decimal::Decimal;

use super::words;
use super::{timestamp, DemoDataset, Stream, Window, DAY_ONE};

impl DemoDataset {
    /// The campaigns of this day in ascending `erp_id` order, generated one at a time.
    pub fn campaigns(&self) -> impl Iterator<Item = CampaignWire> + Send + 'static {
        let this = *self;
        (1..=this.last_id(self.size.campaigns)).filter_map(move |id| this.campaign(id))
    }

    /// The campaign `erp_id` as the ERP holds it on this day; `None` when it does not exist.
    pub fn campaign(&self, erp_id: i64) -> Option<CampaignWire> {
        let streams = [
            Stream::Campaign,
            Stream::CampaignFate,
            Stream::CampaignChange,
        ];
        self.independent(erp_id, self.size.campaigns, streams, generate, change)
    }
}

fn generate(erp_id: i64, rng: &mut ChaCha8Rng, window: Window) -> CampaignWire {
    let first_day = NaiveDate::from_ymd_opt(2024, 1, 1).expect("a valid date");
    let starts_on = first_day + Days::new(rng.random_range(0..1096));
    let ends_on = starts_on + Days::new(rng.random_range(14..=120));
    let brand = *words::BRANDS.choose(rng).expect("not empty");
    let theme = words::THEMES.choose(rng).expect("not empty");
    // Budgets from R$ 10.000,00 to R$ 5.000.000,00, kept in cents so the decimal string is exact.
    let cents: i64 = rng.random_range(1_000_000..=500_000_000);
    let currency = if rng.random_bool(0.05) { "USD" } else { "BRL" };
    CampaignWire {
        erp_id: Some(erp_id),
        name: Some(format!("{theme} {} #{erp_id}", starts_on.year())),
        brand: Some(brand.to_owned()),
        starts_on: Some(starts_on.to_string()),
        ends_on: Some(ends_on.to_string()),
        budget: Some(Decimal::new(cents, 2).to_string()),
        currency: Some(currency.to_owned()),
        status: Some(status_on_day_one(starts_on, ends_on, rng).to_owned()),
        source_updated_at: Some(timestamp(rng, window)),
    }
}

/// A campaign's status follows its dates as of day one, with some cancelled along the way.
fn status_on_day_one(
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    rng: &mut ChaCha8Rng,
) -> &'static str {
    let today = DateTime::from_timestamp(DAY_ONE.to, 0)
        .expect("in range")
        .date_naive();
    if rng.random_bool(0.05) {
        "cancelled"
    } else if starts_on > today {
        "planned"
    } else if ends_on < today {
        "finished"
    } else {
        "active"
    }
}

/// The same campaign after an update in the ERP: a new budget always, a later end sometimes,
/// and a `source_updated_at` inside `window`.
fn change(mut wire: CampaignWire, rng: &mut ChaCha8Rng, window: Window) -> CampaignWire {
    let extra = Decimal::new(rng.random_range(100_000..=10_000_000), 2);
    wire.budget = wire
        .budget
        .as_deref()
        .and_then(|b| b.parse::<Decimal>().ok())
        .map(|b| (b + extra).to_string());
    if rng.random_bool(0.3) {
        let extension = Days::new(rng.random_range(7..=60));
        wire.ends_on = wire
            .ends_on
            .as_deref()
            .and_then(|d| d.parse::<NaiveDate>().ok())
            .map(|d| (d + extension).to_string());
    }
    wire.source_updated_at = Some(timestamp(rng, window));
    wire
}
