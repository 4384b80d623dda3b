//! One demo contract: drawn from its own random stream, and how the next day changes it.

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime};
use rand::seq::IndexedRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use records::ContractWire;
use rust_decimal::Decimal;

use super::words;
use super::{timestamp, Window, DAY_ONE};

pub(super) fn generate(
    erp_id: i64,
    influencer_erp_id: i64,
    rng: &mut ChaCha8Rng,
    window: Window,
) -> ContractWire {
    let first_day = NaiveDate::from_ymd_opt(2024, 1, 1).expect("a valid date");
    let starts_on = first_day + Days::new(rng.random_range(0..1096));
    let ends_on = starts_on + Days::new(rng.random_range(0..=365));
    let brand = words::BRANDS.choose(rng).expect("not empty");
    let theme = words::THEMES.choose(rng).expect("not empty");
    // Fees from R$ 500,00 to R$ 250.000,00, kept in cents so the decimal string is exact.
    let cents: i64 = rng.random_range(50_000..=25_000_000);
    let currency = if rng.random_bool(0.03) { "USD" } else { "BRL" };
    let status = status_on_day_one(starts_on, ends_on, rng);
    ContractWire {
        erp_id: Some(erp_id),
        influencer_erp_id: Some(influencer_erp_id),
        campaign: Some(format!("{brand} · {theme} {}", starts_on.year())),
        amount: Some(Decimal::new(cents, 2).to_string()),
        currency: Some(currency.to_owned()),
        starts_on: Some(starts_on.to_string()),
        ends_on: Some(ends_on.to_string()),
        status: Some(status.to_owned()),
        source_updated_at: Some(timestamp(rng, negotiated_before(starts_on, window))),
    }
}

/// A contract's status follows its dates as of day one, with some cancelled along the way.
fn status_on_day_one(
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    rng: &mut ChaCha8Rng,
) -> &'static str {
    let today = DateTime::from_timestamp(DAY_ONE.to, 0)
        .expect("in range")
        .date_naive();
    if rng.random_bool(0.08) {
        "cancelled"
    } else if starts_on > today {
        "draft"
    } else if ends_on < today {
        "finished"
    } else {
        "active"
    }
}

/// Contracts are negotiated at most a couple of months before they start, so a day-one contract
/// was last touched no earlier than that; later windows are left as they are.
fn negotiated_before(starts_on: NaiveDate, window: Window) -> Window {
    let negotiation = (starts_on - Days::new(60))
        .and_time(NaiveTime::MIN)
        .and_utc()
        .timestamp();
    Window {
        from: window.from.max(negotiation).min(window.to - 1),
        to: window.to,
    }
}

/// The same contract after an update in the ERP: a renegotiated amount always, a new status or
/// a later end sometimes, and a `source_updated_at` inside `window`.
pub(super) fn change(mut wire: ContractWire, rng: &mut ChaCha8Rng, window: Window) -> ContractWire {
    let raise = Decimal::new(rng.random_range(100..=200_000), 2);
    wire.amount = wire
        .amount
        .as_deref()
        .and_then(|a| a.parse::<Decimal>().ok())
        .map(|a| (a + raise).to_string());
    if rng.random_bool(0.4) {
        wire.status = Some(next_status(wire.status.as_deref(), rng).to_owned());
    }
    if rng.random_bool(0.3) {
        let extension = Days::new(rng.random_range(1..=90));
        wire.ends_on = wire
            .ends_on
            .as_deref()
            .and_then(|d| d.parse::<NaiveDate>().ok())
            .map(|d| (d + extension).to_string());
    }
    wire.source_updated_at = Some(timestamp(rng, window));
    wire
}

fn next_status(current: Option<&str>, rng: &mut ChaCha8Rng) -> &'static str {
    match current {
        Some("draft") => "active",
        Some("active") if rng.random_bool(0.8) => "finished",
        Some("active" | "cancelled") => "cancelled",
        _ => "finished",
    }
}
