//! Brazilian taxpayer documents: CPF (people) and CNPJ (companies, numeric or the 2026 alphanumeric form).

/// A CPF or CNPJ whose check digits were verified, kept as its bare characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Document(String);

impl Document {
    /// Accepts the bare or the punctuated form (`123.456.789-09`, `12.345.678/0001-95`).
    pub fn parse(raw: &str) -> Result<Self, String> {
        let bare: String = raw
            .chars()
            .filter(|c| !matches!(c, '.' | '-' | '/' | ' '))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        match bare.len() {
            11 if bare.bytes().all(|b| b.is_ascii_digit()) => {
                if cpf_is_valid(bare.as_bytes()) {
                    Ok(Self(bare))
                } else {
                    Err("is not a valid CPF (check digits do not match)".into())
                }
            }
            14 => {
                if cnpj_is_valid(bare.as_bytes()) {
                    Ok(Self(bare))
                } else {
                    Err("is not a valid CNPJ (check digits do not match)".into())
                }
            }
            _ => Err("must be a CPF (11 digits) or a CNPJ (14 characters)".into()),
        }
    }

    /// A document [`Document::parse`] accepted before, in the bare form it keeps.
    pub(crate) fn trusted(bare: String) -> Self {
        Self(bare)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn check_digit(values: &[u32], weights: &[u32]) -> u32 {
    let sum: u32 = values.iter().zip(weights).map(|(v, w)| v * w).sum();
    match sum % 11 {
        0 | 1 => 0,
        rest => 11 - rest,
    }
}

fn cpf_is_valid(digits: &[u8]) -> bool {
    // Eleven digits, checked by the caller; an array, not a `Vec`: one allocation less per record.
    let values: [u32; 11] = std::array::from_fn(|i| u32::from(digits[i] - b'0'));
    // Repeated digits pass the arithmetic but are never issued.
    if values.iter().all(|v| *v == values[0]) {
        return false;
    }
    let first = check_digit(&values[..9], &[10, 9, 8, 7, 6, 5, 4, 3, 2]);
    let second = check_digit(&values[..10], &[11, 10, 9, 8, 7, 6, 5, 4, 3, 2]);
    values[9] == first && values[10] == second
}

fn cnpj_is_valid(chars: &[u8]) -> bool {
    // The alphanumeric CNPJ (in use since July 2026) values each character as its ASCII code minus 48;
    // the two check digits stay numeric.
    let body_ok = chars[..12]
        .iter()
        .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase());
    if !body_ok || !chars[12..].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let values: [u32; 14] = std::array::from_fn(|i| u32::from(chars[i] - b'0'));
    if values.iter().all(|v| *v == values[0]) {
        return false;
    }
    let first = check_digit(&values[..12], &[5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]);
    let second = check_digit(&values[..13], &[6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]);
    values[12] == first && values[13] == second
}

/// Appends the two check digits to 9 CPF digits; used by the demo source to mint valid documents.
pub fn cpf_with_check_digits(base: &[u32; 9]) -> String {
    let first = check_digit(base, &[10, 9, 8, 7, 6, 5, 4, 3, 2]);
    let mut ten = base.to_vec();
    ten.push(first);
    let second = check_digit(&ten, &[11, 10, 9, 8, 7, 6, 5, 4, 3, 2]);
    ten.push(second);
    ten.iter().map(u32::to_string).collect()
}

/// Appends the two check digits to 12 numeric CNPJ digits.
pub fn cnpj_with_check_digits(base: &[u32; 12]) -> String {
    let first = check_digit(base, &[5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]);
    let mut all = base.to_vec();
    all.push(first);
    let second = check_digit(&all, &[6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]);
    all.push(second);
    all.iter().map(u32::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_valid_cpf_is_accepted_with_or_without_punctuation() {
        assert_eq!(
            Document::parse("529.982.247-25").unwrap().as_str(),
            "52998224725"
        );
        assert!(Document::parse("52998224725").is_ok());
    }

    #[test]
    fn a_cpf_with_a_wrong_check_digit_is_refused() {
        assert!(Document::parse("52998224724").unwrap_err().contains("CPF"));
        assert!(Document::parse("11111111111").is_err());
    }

    #[test]
    fn a_known_valid_cnpj_is_accepted_and_a_wrong_one_refused() {
        assert!(Document::parse("11.222.333/0001-81").is_ok());
        assert!(Document::parse("11222333000182").is_err());
    }

    #[test]
    fn an_alphanumeric_cnpj_is_checked_with_ascii_values() {
        // Example published by the Receita Federal for the alphanumeric CNPJ.
        assert!(Document::parse("12.ABC.345/01DE-35").is_ok());
        assert!(Document::parse("12ABC34501DE36").is_err());
    }

    #[test]
    fn minted_documents_pass_validation() {
        let cpf = cpf_with_check_digits(&[1, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert!(Document::parse(&cpf).is_ok(), "{cpf}");
        let cnpj = cnpj_with_check_digits(&[1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 1]);
        assert!(Document::parse(&cnpj).is_ok(), "{cnpj}");
    }

    #[test]
    fn a_document_of_the_wrong_length_is_refused() {
        assert!(Document::parse("123").unwrap_err().contains("11 digits"));
    }
}
