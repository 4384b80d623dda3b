//! E-mail addresses: the HTML standard's "valid e-mail address", the rule the `validator` crate
//! checks, with a quick path for the plain ASCII addresses nearly every record has.
//!
//! `validator` runs two regular expressions through a PikeVM for each address: in the bench that
//! was about a tenth of the API's CPU per record. An address of the plain shape (ASCII local part,
//! dot-separated ASCII labels) is checked here by hand; any other (an IP literal, an IDN) goes to
//! `validator`. The quick path only accepts what `validator` accepts (a property test holds it to
//! that), so the rule is `validator`'s.

use validator::ValidateEmail;

/// Whether `address` is a valid e-mail address; `address` is already trimmed.
pub fn is_valid(address: &str) -> bool {
    is_plain_and_valid(address) || address.validate_email()
}

fn is_plain_and_valid(address: &str) -> bool {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    (1..=64).contains(&local.len())
        && local.bytes().all(is_local_byte)
        && (1..=255).contains(&domain.len())
        && domain.split('.').all(is_label)
}

fn is_local_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b".!#$%&'*+/=?^_`{|}~-".contains(&byte)
}

/// 1 to 63 letters, digits and inner hyphens.
fn is_label(label: &str) -> bool {
    let bytes = label.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            bytes.len() <= 63
                && first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && bytes
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn plain_addresses_are_taken_and_malformed_ones_refused() {
        for good in [
            "ana@example.com",
            "a.b+c@sub.example.co",
            "x@localhost",
            "1@2.3",
        ] {
            assert!(is_plain_and_valid(good), "{good}");
        }
        for bad in [
            "",
            "@example.com",
            "ana@",
            "ana@-x.com",
            "ana@x-.com",
            "ana@x..com",
            "ana@@x.com",
            "a na@x.com",
            "ana@x_y.com",
            "ana@.com",
            "ana@com.",
        ] {
            assert!(!is_valid(bad), "{bad}");
        }
        let long_label = format!("a@{}.com", "b".repeat(64));
        assert!(!is_valid(&long_label));
        let long_local = format!("{}@x.com", "a".repeat(65));
        assert!(!is_valid(&long_local));
    }

    #[test]
    fn what_the_quick_path_does_not_decide_goes_to_validator() {
        assert!(!is_plain_and_valid("ana@[127.0.0.1]") && is_valid("ana@[127.0.0.1]"));
        assert!(!is_plain_and_valid("ana@bücher.de") && is_valid("ana@bücher.de"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5_000))]

        #[test]
        fn the_quick_path_accepts_only_what_validator_accepts(
            address in "[a-zA-Z0-9.!#%+=_@~ü-]{0,12}(@[a-z0-9.-]{0,70}){0,2}",
        ) {
            prop_assert!(!is_plain_and_valid(&address) || address.validate_email(), "{address}");
        }

        #[test]
        fn plain_addresses_are_decided_as_validator_decides(
            local in "[a-z0-9.+_-]{0,66}",
            labels in prop::collection::vec("[a-z0-9-]{0,65}", 1..4),
        ) {
            let address = format!("{local}@{}", labels.join("."));
            prop_assert_eq!(is_valid(&address), address.validate_email(), "{}", address);
            prop_assert_eq!(is_plain_and_valid(&address), address.validate_email(), "{}", address);
        }
    }
}
