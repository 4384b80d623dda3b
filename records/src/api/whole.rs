//! Whole numbers in request bodies, read as JSON Schema counts them: `12` and `12.0` are both the
//! integer 12. A client whose JSON library writes every number with a fraction (some do, for
//! floats that hold counts) is not refused for it; `12.5` still is.

use serde::de::{Deserializer, Error, Visitor};

/// For `#[serde(deserialize_with = "whole::i64")]`.
pub fn i64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    deserializer.deserialize_any(WholeNumber)
}

struct WholeNumber;

/// 2^63 as an `f64`: the first whole float above `i64::MAX`.
const I64_END: f64 = 9_223_372_036_854_775_808.0;

impl Visitor<'_> for WholeNumber {
    type Value = i64;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a whole number")
    }

    fn visit_i64<E: Error>(self, value: i64) -> Result<i64, E> {
        Ok(value)
    }

    fn visit_u64<E: Error>(self, value: u64) -> Result<i64, E> {
        i64::try_from(value).map_err(|_| E::custom(format!("{value} is too large")))
    }

    fn visit_f64<E: Error>(self, value: f64) -> Result<i64, E> {
        if value.fract() != 0.0 || !value.is_finite() {
            Err(E::custom(format!("{value} is not a whole number")))
        } else if (-I64_END..I64_END).contains(&value) {
            Ok(value as i64)
        } else {
            Err(E::custom(format!("{value} is too large")))
        }
    }
}

#[cfg(test)]
mod tests {
    #[derive(Debug, serde::Deserialize)]
    struct Count(#[serde(deserialize_with = "super::i64")] i64);

    fn read(json: &str) -> Result<i64, String> {
        serde_json::from_str::<Count>(json)
            .map(|c| c.0)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn integers_are_read_with_or_without_a_zero_fraction_and_nothing_else_is() {
        assert_eq!(read("12"), Ok(12));
        assert_eq!(read("-3"), Ok(-3));
        assert_eq!(read("1630.0"), Ok(1630));
        assert_eq!(read("1e3"), Ok(1000));
        assert!(read("12.5").unwrap_err().contains("not a whole number"));
        assert!(read("1e19").unwrap_err().contains("too large"));
        assert!(read("9223372036854775808")
            .unwrap_err()
            .contains("too large"));
        assert!(read("\"12\"").is_err());
    }
}
