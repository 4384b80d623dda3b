//! A dependency (MySQL, Redis, the API, the ERP) that could not be reached, said so that the
//! operator knows which one, where, which setting points there, and what to look at.

/// "could not reach MySQL at 127.0.0.1:3307 (DIS_MYSQL_URL): connection refused — is MySQL
/// running there?". The cause is in the message itself, so there is no `source` to repeat it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("could not reach {service} at {address} ({setting}): {problem}{}", hint_text(.hint.as_deref()))]
pub struct DependencyError {
    pub service: &'static str,
    /// Host and port, never credentials.
    pub address: String,
    /// The variable that points there.
    pub setting: &'static str,
    pub problem: String,
    pub hint: Option<String>,
}

fn hint_text(hint: Option<&str>) -> String {
    hint.map(|h| format!(" — {h}")).unwrap_or_default()
}

impl DependencyError {
    pub fn new(
        service: &'static str,
        address: impl Into<String>,
        setting: &'static str,
        problem: impl Into<String>,
    ) -> Self {
        Self {
            service,
            address: address.into(),
            setting,
            problem: problem.into(),
            hint: None,
        }
    }

    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_names_the_service_the_address_the_setting_and_a_hint() {
        let error = DependencyError::new(
            "MySQL",
            "127.0.0.1:3307",
            "DIS_MYSQL_URL",
            "connection refused",
        )
        .hint("is MySQL running there?");
        assert_eq!(
            error.to_string(),
            "could not reach MySQL at 127.0.0.1:3307 (DIS_MYSQL_URL): connection refused — is MySQL running there?"
        );
    }
}
