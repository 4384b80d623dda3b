//! How the dashboard writes numbers, times and durations: short, and the same on every page.

use std::time::Duration;

use chrono::NaiveDateTime;

/// `12,345`.
pub fn count(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if n < 0 {
        grouped.insert(0, '-');
    }
    grouped
}

/// `0.4 s`, `45 s`, `3 min 20 s`, `2 h 5 min`, `3 d 4 h`: the two largest units.
pub fn duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..10 => format!("{:.1} s", d.as_secs_f64()),
        10..60 => format!("{s} s"),
        60..3600 => format!("{} min {} s", s / 60, s % 60),
        3600..86_400 => format!("{} h {} min", s / 3600, s % 3600 / 60),
        _ => format!("{} d {} h", s / 86_400, s % 86_400 / 3600),
    }
}

/// `1,234/s`, or a dash when nothing was applied yet.
pub fn rate(per_second: Option<f64>) -> String {
    match per_second {
        Some(r) if r >= 10.0 => format!("{}/s", count(r.round() as i64)),
        Some(r) => format!("{r:.1}/s"),
        None => "—".into(),
    }
}

/// `2026-11-28 03:00:12` (UTC, as MySQL keeps it).
pub fn when(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// `5.2 %`.
pub fn percent(share: f64) -> String {
    format!("{:.1} %", share * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(10_000), "10,000");
        assert_eq!(count(-1_234_567), "-1,234,567");
    }

    #[test]
    fn durations_keep_their_two_largest_units() {
        assert_eq!(duration(Duration::from_millis(420)), "0.4 s");
        assert_eq!(duration(Duration::from_secs(45)), "45 s");
        assert_eq!(duration(Duration::from_secs(200)), "3 min 20 s");
        assert_eq!(duration(Duration::from_mins(125)), "2 h 5 min");
        assert_eq!(duration(Duration::from_hours(76)), "3 d 4 h");
    }

    #[test]
    fn rates_are_whole_when_large_and_a_dash_when_unknown() {
        assert_eq!(rate(Some(1234.4)), "1,234/s");
        assert_eq!(rate(Some(2.26)), "2.3/s");
        assert_eq!(rate(None), "—");
    }
}
