//! Why the settings could not be read. Every message names the setting to fix by its variable.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// A setting production needs and nobody gave.
    #[error("{what} is not configured: set {variable} (or {variable}_FILE){hint}")]
    Missing {
        what: &'static str,
        variable: &'static str,
        /// Where else it can come from, starting with "; ".
        hint: String,
    },
    #[error("both {variable} and {variable}_FILE are set: keep one of them")]
    Both { variable: &'static str },
    #[error("{variable}_FILE: {path} could not be read: {reason}")]
    SecretFile {
        variable: &'static str,
        path: PathBuf,
        reason: String,
    },
    #[error("{variable}_FILE: {path} is empty")]
    EmptySecretFile {
        variable: &'static str,
        path: PathBuf,
    },
    /// A value that does not parse; `reason` never quotes a secret.
    #[error("{variable}: {reason}")]
    Invalid { variable: String, reason: String },
    /// The config file itself, or one of its keys.
    #[error("config file {path}: {reason}")]
    ConfigFile { path: PathBuf, reason: String },
}

impl SettingsError {
    pub fn invalid(variable: &str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            variable: variable.to_owned(),
            reason: reason.into(),
        }
    }

    /// A required URL: what it is for, its variable, and the default `DIS_PROFILE=dev` gives it.
    pub fn missing_url(what: &'static str, variable: &'static str, dev_default: &str) -> Self {
        let key = variable.trim_start_matches("DIS_").to_lowercase();
        Self::Missing {
            what,
            variable,
            hint: format!(
                ", or `{key}` in the config file (DIS_CONFIG); DIS_PROFILE=dev uses {dev_default}"
            ),
        }
    }
}
