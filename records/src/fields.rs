//! Parsers for the single fields of the records; each returns a message an integrator can act on.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rust_decimal::Decimal;

use crate::problems::RecordProblems;

/// The ERP primary key: a positive integer that fits MySQL's signed BIGINT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ErpId(i64);

impl ErpId {
    pub fn parse(raw: i64) -> Result<Self, String> {
        if raw > 0 {
            Ok(Self(raw))
        } else {
            Err(format!("must be a positive integer, got {raw}"))
        }
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

/// `raw` without surrounding whitespace, in the same allocation when there was none (nearly
/// always): otherwise every text field of every record would be copied once more.
fn trimmed(raw: String) -> String {
    if raw.trim().len() == raw.len() {
        raw
    } else {
        raw.trim().to_owned()
    }
}

/// Trimmed, non-empty text no longer than its MySQL column (counted in characters, as MySQL does).
pub fn bounded_text(raw: String, max_chars: usize) -> Result<String, String> {
    let text = trimmed(raw);
    if text.is_empty() {
        return Err("must not be empty".into());
    }
    // A character is at least a byte: text of no more bytes than the limit needs no counting.
    if text.len() <= max_chars {
        return Ok(text);
    }
    let length = text.chars().count();
    if length > max_chars {
        return Err(format!(
            "is {length} characters long; at most {max_chars} fit"
        ));
    }
    Ok(text)
}

pub fn email(raw: String) -> Result<String, String> {
    let address = trimmed(raw);
    if address.chars().count() > 254 {
        return Err("is longer than 254 characters".into());
    }
    if crate::email::is_valid(&address) {
        Ok(address)
    } else {
        Err(format!("{address:?} is not a valid e-mail address"))
    }
}

/// Digits with the usual separators and an optional leading `+`; 8 to 15 digits (E.164 allows 15).
pub fn phone(raw: String) -> Result<String, String> {
    let number = trimmed(raw);
    let allowed = number.char_indices().all(|(i, c)| {
        c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')') || (c == '+' && i == 0)
    });
    let digits = number.chars().filter(char::is_ascii_digit).count();
    if allowed && (8..=15).contains(&digits) && number.len() <= 32 {
        Ok(number)
    } else {
        Err(format!("{number:?} is not a phone number (8 to 15 digits, optional +, spaces, dashes, parentheses)"))
    }
}

const UFS: [&str; 27] = [
    "AC", "AL", "AM", "AP", "BA", "CE", "DF", "ES", "GO", "MA", "MG", "MS", "MT", "PA", "PB", "PE",
    "PI", "PR", "RJ", "RN", "RO", "RR", "RS", "SC", "SE", "SP", "TO",
];

/// A Brazilian federative unit (UF), two upper-case letters.
pub fn uf(raw: &str) -> Result<String, String> {
    let upper = raw.trim().to_ascii_uppercase();
    if UFS.contains(&upper.as_str()) {
        Ok(upper)
    } else {
        Err(format!(
            "{raw:?} is not a Brazilian UF (two letters such as SP, RJ, MG)"
        ))
    }
}

pub fn currency(raw: &str) -> Result<String, String> {
    let upper = raw.trim().to_ascii_uppercase();
    if iso_currency::Currency::from_code(&upper).is_some() {
        Ok(upper)
    } else {
        Err(format!("{raw:?} is not an ISO 4217 currency code"))
    }
}

/// Amounts fit `DECIMAL(19,4)`: at most 4 decimal places, non-negative, below 10^15.
pub fn amount(raw: &str) -> Result<Decimal, String> {
    let value: Decimal = raw
        .trim()
        .parse()
        .map_err(|_| format!("{raw:?} is not a decimal number such as \"1234.50\""))?;
    if value.is_sign_negative() && !value.is_zero() {
        return Err("must not be negative".into());
    }
    if value.scale() > 4 && value.normalize().scale() > 4 {
        return Err("has more than 4 decimal places".into());
    }
    if value >= Decimal::from(1_000_000_000_000_000_i64) {
        return Err("is too large (at most 15 digits before the decimal point)".into());
    }
    Ok(value.normalize())
}

pub fn date(raw: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{raw:?} is not a date in the form YYYY-MM-DD"))
}

/// RFC 3339 with an explicit offset; kept in UTC with every fractional digit.
pub fn timestamp(raw: &str) -> Result<DateTime<Utc>, String> {
    let parsed = DateTime::parse_from_rfc3339(raw.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| format!("{raw:?} is not an RFC 3339 timestamp with an offset, such as 2024-05-01T12:30:00-03:00"))?;
    // Stored as nanoseconds since 1970 in a BIGINT: years 1678 to 2261 fit.
    if parsed.timestamp_nanos_opt().is_none() {
        return Err(format!("{raw:?} is out of range (years 1678 to 2261)"));
    }
    Ok(parsed)
}

/// The decoding of a record the API made (see [`crate::Record::from_trusted_wire`]): each field
/// is converted to its type, and no business rule is checked again.
pub mod trusted {
    use chrono::{DateTime, NaiveDate, Utc};
    use rust_decimal::Decimal;

    use super::ErpId;

    /// A field the API always writes.
    pub fn present<T>(field: &str, value: Option<T>) -> Result<T, String> {
        value.ok_or_else(|| format!("{field}: missing"))
    }

    pub fn erp_id(field: &str, value: Option<i64>) -> Result<ErpId, String> {
        let raw = present(field, value)?;
        ErpId::parse(raw).map_err(|e| format!("{field}: {e}"))
    }

    pub fn timestamp(field: &str, value: Option<String>) -> Result<DateTime<Utc>, String> {
        let raw = present(field, value)?;
        DateTime::parse_from_rfc3339(&raw)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| format!("{field}: {raw:?}: {e}"))
    }

    pub fn date(field: &str, value: Option<String>) -> Result<NaiveDate, String> {
        let raw = present(field, value)?;
        raw.parse().map_err(|e| format!("{field}: {raw:?}: {e}"))
    }

    pub fn decimal(field: &str, value: Option<String>) -> Result<Decimal, String> {
        let raw = present(field, value)?;
        // Normalized as `amount` does, so a record read from a job equals the one the API parsed.
        raw.parse::<Decimal>()
            .map(|amount| amount.normalize())
            .map_err(|e| format!("{field}: {raw:?}: {e}"))
    }

    /// A word of a closed set, as the API wrote it.
    pub fn word<T>(
        field: &str,
        value: Option<String>,
        parse: fn(&str) -> Result<T, String>,
    ) -> Result<T, String> {
        parse(&present(field, value)?).map_err(|e| format!("{field}: {e}"))
    }
}

pub fn format_timestamp(value: &DateTime<Utc>) -> String {
    value.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Declares a closed set of lower-case words stored as text.
macro_rules! word_enum {
    ($name:ident, $what:literal, [$($variant:ident => $word:literal),+ $(,)?]) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [&'static str] = &[$($word),+];

            pub fn parse(raw: &str) -> Result<Self, String> {
                // Compared without case rather than lower-cased first: no `String` per record.
                let word = raw.trim();
                $(if word.eq_ignore_ascii_case($word) {
                    return Ok(Self::$variant);
                })+
                Err(format!("{raw:?} is not a {}; expected one of: {}", $what, Self::ALL.join(", ")))
            }

            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $word),+ }
            }
        }
    };
}

pub(crate) use word_enum;

/// Notes a period that ends before it starts; a missing date was already noted as missing.
pub fn check_period(
    problems: &mut RecordProblems,
    starts_on: Option<NaiveDate>,
    ends_on: Option<NaiveDate>,
) {
    if let (Some(start), Some(end)) = (starts_on, ends_on) {
        if end < start {
            problems.add("ends_on", format!("{end} is before starts_on {start}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact_and_refuse_floats_that_do_not_fit() {
        assert_eq!(amount("1234.50").unwrap().to_string(), "1234.5");
        assert_eq!(
            amount("0.1").unwrap() + amount("0.2").unwrap(),
            amount("0.3").unwrap()
        );
        assert!(amount("1.23456").unwrap_err().contains("4 decimal"));
        assert!(amount("-1").unwrap_err().contains("negative"));
        assert!(amount("abc").is_err());
    }

    #[test]
    fn timestamps_need_an_offset_and_keep_nanoseconds() {
        let t = timestamp("2024-05-01T12:30:00.1234567-03:00").unwrap();
        assert_eq!(format_timestamp(&t), "2024-05-01T15:30:00.123456700Z");
        assert!(timestamp("2024-05-01T12:30:00").is_err());
    }

    #[test]
    fn text_longer_than_its_column_is_refused_with_its_length() {
        assert!(bounded_text("á".repeat(201), 200)
            .unwrap_err()
            .contains("201"));
        assert_eq!(bounded_text("á".repeat(200), 200).unwrap(), "á".repeat(200));
        assert_eq!(bounded_text("  Ana  ".into(), 10).unwrap(), "Ana");
        assert!(bounded_text("   ".into(), 10).is_err());
    }

    #[test]
    fn ufs_currencies_emails_and_phones_are_checked() {
        assert_eq!(uf("sp").unwrap(), "SP");
        assert!(uf("XX").is_err());
        assert!(currency("BRL").is_ok() && currency("XYZ").is_err());
        assert!(email("ana@example.com.br".into()).is_ok() && email("ana@".into()).is_err());
        assert!(phone("+55 (11) 91234-5678".into()).is_ok() && phone("12ab".into()).is_err());
    }

    #[test]
    fn erp_ids_must_be_positive() {
        assert!(ErpId::parse(0).is_err());
        assert_eq!(ErpId::parse(7).unwrap().get(), 7);
    }
}
