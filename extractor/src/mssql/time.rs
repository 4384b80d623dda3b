//! The ERP's clock: local times without an offset (`datetime2` as style-126 text), turned into
//! UTC with the configured time zone, keeping every one of SQL Server's seven fractional digits.

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

/// How an ERP local time is written, on the wire to SQL Server and in the watermark file.
const LOCAL_FORMAT: &str = "%Y-%m-%dT%H:%M:%S";

/// Reads `2026-11-27T01:00:00.1234567` (style 126; the fraction is optional and any length).
pub fn parse_local(text: &str) -> Result<NaiveDateTime, String> {
    let text = text.trim();
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f"))
        .map_err(|_| {
            format!("{text:?} is not an ERP timestamp such as 2026-11-27T01:00:00.1234567")
        })
}

/// The local time as SQL Server's `CONVERT(DATETIME2(7), @P, 126)` reads it back, seven digits.
pub fn format_local(local: &NaiveDateTime) -> String {
    format!(
        "{}.{:07}",
        local.format(LOCAL_FORMAT),
        local.nanosecond() / 100
    )
}

/// The instant an ERP local time denotes in `zone`.
///
/// When clocks go back, a local time happens twice: the earlier instant is taken. When they go
/// forward, a skipped local time can only come from a clock that did not change: it is read with
/// the offset in force before the change.
pub fn to_utc(local: &NaiveDateTime, zone: Tz) -> Result<DateTime<Utc>, String> {
    if let Some(instant) = zone.from_local_datetime(local).earliest() {
        return Ok(instant.with_timezone(&Utc));
    }
    let hour = Duration::hours(1);
    zone.from_local_datetime(&(*local - hour))
        .earliest()
        .map(|before| before.with_timezone(&Utc) + hour)
        .ok_or_else(|| format!("{local} does not exist in {zone}"))
}

/// RFC 3339 in UTC with seven fractional digits, SQL Server's precision (nine if finer).
pub fn format_utc(instant: &DateTime<Utc>) -> String {
    let nanos = instant.nanosecond();
    let base = instant.format(LOCAL_FORMAT);
    if nanos.is_multiple_of(100) {
        format!("{base}.{:07}Z", nanos / 100)
    } else {
        format!("{base}.{nanos:09}Z")
    }
}

/// The ERP's `source_updated_at` text as the API expects it, or the text unchanged when it
/// cannot be read, so that the API rejects the record with its reason instead of the extractor
/// dropping it (a dropped record would be swept).
pub fn erp_timestamp_to_wire(text: &str, zone: Tz) -> String {
    parse_local(text)
        .and_then(|local| to_utc(&local, zone))
        .map_or_else(|_| text.to_owned(), |instant| format_utc(&instant))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAO_PAULO: Tz = chrono_tz::America::Sao_Paulo;

    #[test]
    fn a_sao_paulo_local_time_becomes_utc_with_all_seven_fractional_digits() {
        assert_eq!(
            erp_timestamp_to_wire("2026-11-27T01:00:00.1234567", SAO_PAULO),
            "2026-11-27T04:00:00.1234567Z"
        );
    }

    #[test]
    fn a_timestamp_without_fraction_and_one_with_milliseconds_both_convert() {
        assert_eq!(
            erp_timestamp_to_wire("2024-02-29T23:30:00", SAO_PAULO),
            "2024-03-01T02:30:00.0000000Z"
        );
        assert_eq!(
            erp_timestamp_to_wire("2024-05-01 12:00:00.123", SAO_PAULO),
            "2024-05-01T15:00:00.1230000Z"
        );
    }

    #[test]
    fn a_repeated_local_hour_is_read_as_its_first_occurrence() {
        // São Paulo left daylight saving time at midnight of 2019-02-17: 23:30 happened twice.
        let local = parse_local("2019-02-16T23:30:00").unwrap();
        assert_eq!(
            format_utc(&to_utc(&local, SAO_PAULO).unwrap()),
            "2019-02-17T01:30:00.0000000Z"
        );
    }

    #[test]
    fn a_skipped_local_hour_is_read_with_the_offset_in_force_before_it() {
        // On 2018-11-04 São Paulo's clocks went from 00:00 straight to 01:00.
        let local = parse_local("2018-11-04T00:30:00").unwrap();
        assert_eq!(
            format_utc(&to_utc(&local, SAO_PAULO).unwrap()),
            "2018-11-04T03:30:00.0000000Z"
        );
    }

    #[test]
    fn unreadable_text_is_passed_on_for_the_api_to_reject() {
        assert_eq!(erp_timestamp_to_wire("31/12/2024", SAO_PAULO), "31/12/2024");
    }

    #[test]
    fn a_local_time_round_trips_through_its_seven_digit_text() {
        let local = parse_local("2026-11-27T01:02:03.4567891").unwrap();
        assert_eq!(format_local(&local), "2026-11-27T01:02:03.4567891");
        assert_eq!(
            format_local(&parse_local("2026-11-27T01:02:03").unwrap()),
            "2026-11-27T01:02:03.0000000"
        );
    }
}
