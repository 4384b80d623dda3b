//! One demo influencer: drawn from its own random stream, and how the next day changes it.

use rand::seq::IndexedRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use records::influencer::document::{cnpj_with_check_digits, cpf_with_check_digits};
use records::InfluencerWire;

use super::words;
use super::{timestamp, weighted, Window};

const PLATFORMS: &[(&str, u32)] = &[
    ("instagram", 40),
    ("tiktok", 25),
    ("youtube", 15),
    ("kwai", 10),
    ("twitch", 5),
    ("other", 5),
];

const STATUSES: &[(&str, u32)] = &[("active", 85), ("inactive", 12), ("blocked", 3)];

pub(super) fn generate(erp_id: i64, rng: &mut ChaCha8Rng, window: Window) -> InfluencerWire {
    // About one in ten influencers is paid through a company, which has a CNPJ and a trade name.
    let company = rng.random_bool(0.1);
    let name = if company {
        company_name(rng)
    } else {
        person_name(rng)
    };
    let handle = handle(&name, erp_id, rng);
    let city = pick(words::CITIES, rng);
    InfluencerWire {
        erp_id: Some(erp_id),
        email: rng.random_bool(0.8).then(|| email(&handle, company, rng)),
        phone: rng.random_bool(0.7).then(|| phone(city.ddd, rng)),
        platform: Some(weighted(rng, PLATFORMS).to_owned()),
        followers: Some(followers(rng)),
        document: Some(if company { cnpj(rng) } else { cpf(rng) }),
        city: Some(city.name.to_owned()),
        state: Some(city.uf.to_owned()),
        status: Some(weighted(rng, STATUSES).to_owned()),
        source_updated_at: Some(timestamp(rng, window)),
        name: Some(name),
        handle: Some(handle),
    }
}

/// The same influencer after an update in the ERP: a new follower count always, other fields
/// sometimes, and a `source_updated_at` inside `window`.
pub(super) fn change(
    mut wire: InfluencerWire,
    rng: &mut ChaCha8Rng,
    window: Window,
) -> InfluencerWire {
    wire.followers = wire.followers.map(|f| f + rng.random_range(1..=50_000));
    if rng.random_bool(0.3) {
        wire.status = Some(next_status(wire.status.as_deref(), rng).to_owned());
    }
    if rng.random_bool(0.2) {
        let company = wire
            .document
            .as_ref()
            .is_some_and(|d| d.chars().filter(char::is_ascii_digit).count() == 14);
        let handle = wire.handle.clone().unwrap_or_default();
        wire.email = rng.random_bool(0.8).then(|| email(&handle, company, rng));
    }
    if rng.random_bool(0.1) {
        let city = pick(words::CITIES, rng);
        wire.city = Some(city.name.to_owned());
        wire.state = Some(city.uf.to_owned());
        wire.phone = rng.random_bool(0.7).then(|| phone(city.ddd, rng));
    }
    wire.source_updated_at = Some(timestamp(rng, window));
    wire
}

fn next_status(current: Option<&str>, rng: &mut ChaCha8Rng) -> &'static str {
    match current {
        Some("active") if rng.random_bool(0.8) => "inactive",
        Some("active") => "blocked",
        _ => "active",
    }
}

fn pick<'a, T>(choices: &'a [T], rng: &mut ChaCha8Rng) -> &'a T {
    choices.choose(rng).expect("word lists are not empty")
}

fn person_name(rng: &mut ChaCha8Rng) -> String {
    let first = pick(words::FIRST_NAMES, rng);
    let surname = pick(words::SURNAMES, rng);
    if rng.random_bool(0.4) {
        let second = pick(words::SURNAMES, rng);
        format!("{first} {surname} {second}")
    } else {
        format!("{first} {surname}")
    }
}

fn company_name(rng: &mut ChaCha8Rng) -> String {
    let surname = pick(words::SURNAMES, rng);
    let form = pick(words::COMPANY_FORMS, rng);
    format!("{surname} {form}")
}

/// A handle built from the name, as influencers pick them: `anajulia.conceicao`, `joao_silva42`.
fn handle(name: &str, erp_id: i64, rng: &mut ChaCha8Rng) -> String {
    let mut parts = name
        .split(' ')
        .map(words::ascii_slug)
        .filter(|p| !p.is_empty());
    let first = parts.next().unwrap_or_default();
    let last = parts.next_back().unwrap_or_default();
    let separator = *pick(&[".", "_", ""], rng);
    if rng.random_bool(0.5) {
        format!("{first}{separator}{last}{}", erp_id % 1000)
    } else {
        format!("{first}{separator}{last}")
    }
}

fn email(handle: &str, company: bool, rng: &mut ChaCha8Rng) -> String {
    if company {
        format!("contato@{}.com.br", handle.replace(['.', '_'], ""))
    } else {
        format!("{handle}@{}", pick(words::EMAIL_DOMAINS, rng))
    }
}

/// A mobile number of the city's area code, in the international or the national form.
fn phone(ddd: u32, rng: &mut ChaCha8Rng) -> String {
    let head = rng.random_range(1000..=9999);
    let tail = rng.random_range(0..=9999);
    if rng.random_bool(0.5) {
        format!("+55 ({ddd}) 9{head}-{tail:04}")
    } else {
        format!("({ddd}) 9{head}-{tail:04}")
    }
}

/// Follower counts spread over orders of magnitude, from a thousand to tens of millions.
fn followers(rng: &mut ChaCha8Rng) -> i64 {
    let exponent: f64 = rng.random_range(3.0..7.5);
    10_f64.powf(exponent).round() as i64
}

fn cpf(rng: &mut ChaCha8Rng) -> String {
    let mut stem = [0_u32; 9];
    for digit in &mut stem {
        *digit = rng.random_range(0..=9);
    }
    // Repeated digits are never issued and the validator refuses them.
    if stem.iter().all(|d| *d == stem[0]) {
        stem[8] = (stem[8] + 1) % 10;
    }
    let number = cpf_with_check_digits(&stem);
    // ERPs often keep documents punctuated; the API accepts both forms.
    if rng.random_bool(0.25) {
        format!(
            "{}.{}.{}-{}",
            &number[..3],
            &number[3..6],
            &number[6..9],
            &number[9..]
        )
    } else {
        number
    }
}

fn cnpj(rng: &mut ChaCha8Rng) -> String {
    let mut stem = [0_u32; 12];
    for digit in &mut stem[..8] {
        *digit = rng.random_range(0..=9);
    }
    // The head office of a company is branch 0001.
    stem[11] = 1;
    let number = cnpj_with_check_digits(&stem);
    if rng.random_bool(0.25) {
        format!(
            "{}.{}.{}/{}-{}",
            &number[..2],
            &number[2..5],
            &number[5..8],
            &number[8..12],
            &number[12..]
        )
    } else {
        number
    }
}
