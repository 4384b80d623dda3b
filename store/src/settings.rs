//! Where DIS's MySQL is and how to reach it: the settings of every binary that writes it (the
//! extractor never links this), what they become once read, and the rules of runs that the API
//! and the worker share.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use clap::{Args, ValueEnum};
use sqlx::mysql::{MySqlConnectOptions, MySqlSslMode};
use startup::secret::{redact_url, secret};
use startup::{ExposeSecret, Profile, SecretString, SettingsError};

/// What `DIS_PROFILE=dev` connects to when no URL is given.
pub const DEV_MYSQL_URL: &str = "mysql://root@127.0.0.1:3306/dis";

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "MySQL")]
pub struct MySqlArgs {
    /// DIS's database, mysql://USER:PASSWORD@HOST:PORT/DATABASE (created when missing). Required
    /// unless DIS_PROFILE=dev, which uses mysql://root@127.0.0.1:3306/dis
    #[arg(long, value_name = "URL", env = "DIS_MYSQL_URL")]
    pub mysql_url: Option<String>,
    /// A file holding DIS_MYSQL_URL (a mounted secret), instead of the variable
    #[arg(long, value_name = "PATH", env = "DIS_MYSQL_URL_FILE")]
    pub mysql_url_file: Option<PathBuf>,
    /// TLS to MySQL; when not set, the URL's ssl-mode, else preferred (TLS when the server
    /// offers it)
    #[arg(long, value_enum, value_name = "MODE", env = "DIS_MYSQL_SSL_MODE")]
    pub mysql_ssl_mode: Option<SslMode>,
    /// A CA certificate (PEM) MySQL's certificate must chain to, for verify_ca and verify_identity
    #[arg(long, value_name = "PATH", env = "DIS_MYSQL_SSL_CA")]
    pub mysql_ssl_ca: Option<PathBuf>,
}

/// sqlx's `MySqlSslMode`, spelt as MySQL's `--ssl-mode` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum SslMode {
    /// No TLS.
    Disabled,
    /// TLS when the server offers it.
    Preferred,
    /// TLS or no connection; the certificate is not checked.
    Required,
    /// TLS, with a certificate signed by a trusted CA.
    VerifyCa,
    /// As verify_ca, and the certificate names the host.
    VerifyIdentity,
}

impl From<SslMode> for MySqlSslMode {
    fn from(mode: SslMode) -> Self {
        match mode {
            SslMode::Disabled => Self::Disabled,
            SslMode::Preferred => Self::Preferred,
            SslMode::Required => Self::Required,
            SslMode::VerifyCa => Self::VerifyCa,
            SslMode::VerifyIdentity => Self::VerifyIdentity,
        }
    }
}

/// DIS's MySQL, read and checked: the URL parses and names a database.
#[derive(Clone)]
pub struct MySqlSettings {
    url: SecretString,
    pub ssl_mode: Option<SslMode>,
    pub ssl_ca: Option<PathBuf>,
}

impl MySqlSettings {
    /// Settings built in code (tests, tools), without TLS settings of their own.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into().into(),
            ssl_mode: None,
            ssl_ca: None,
        }
    }

    pub fn from_args(args: &MySqlArgs, profile: Profile) -> Result<Self, SettingsError> {
        let url = secret(
            "DIS_MYSQL_URL",
            args.mysql_url.clone(),
            args.mysql_url_file.as_deref(),
        )?;
        let url = match (url, profile) {
            (Some(url), _) => url,
            (None, Profile::Dev) => DEV_MYSQL_URL.into(),
            (None, Profile::Production) => {
                return Err(SettingsError::missing_url(
                    "MySQL",
                    "DIS_MYSQL_URL",
                    DEV_MYSQL_URL,
                ))
            }
        };
        let settings = Self {
            url,
            ssl_mode: args.mysql_ssl_mode,
            ssl_ca: args.mysql_ssl_ca.clone(),
        };
        settings.connect_options()?;
        Ok(settings)
    }

    /// The options sqlx connects with; refuses a URL that does not parse or names no database.
    pub fn connect_options(&self) -> Result<MySqlConnectOptions, SettingsError> {
        let url = self.url.expose_secret();
        let mut options = MySqlConnectOptions::from_str(url).map_err(|e| {
            let reason = e.to_string().replace(url, &redact_url(url));
            SettingsError::invalid(
                "DIS_MYSQL_URL",
                format!("not a URL such as mysql://USER:PASSWORD@HOST:3306/DATABASE ({reason})"),
            )
        })?;
        let database = options.get_database().unwrap_or_default();
        if database.is_empty()
            || !database
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(SettingsError::invalid(
                "DIS_MYSQL_URL",
                format!("the database {database:?} must be named, in letters, digits and underscores (…/DATABASE)"),
            ));
        }
        if let Some(mode) = self.ssl_mode {
            options = options.ssl_mode(mode.into());
        }
        if let Some(ca) = &self.ssl_ca {
            options = options.ssl_ca(ca);
        }
        Ok(options)
    }

    /// `host:port`, for messages: never the credentials.
    pub fn address(&self) -> String {
        MySqlConnectOptions::from_str(self.url.expose_secret()).map_or_else(
            |_| "(an unreadable DIS_MYSQL_URL)".to_owned(),
            |o| format!("{}:{}", o.get_host(), o.get_port()),
        )
    }

    /// The URL with its password masked, for logs.
    pub fn redacted_url(&self) -> String {
        redact_url(self.url.expose_secret())
    }
}

impl std::fmt::Debug for MySqlSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MySqlSettings")
            .field("url", &self.redacted_url())
            .field("ssl_mode", &self.ssl_mode)
            .field("ssl_ca", &self.ssl_ca)
            .finish()
    }
}

/// Whether a process brings the schema up to date on start.
#[derive(Debug, Clone, Copy, Args)]
pub struct SchemaArgs {
    /// Apply the schema's migrations on start; with false, refuse to start while the schema is
    /// behind (run `ingest-api migrate` or `worker migrate` first)
    #[arg(long, value_name = "BOOL", env = "DIS_MIGRATE", default_value_t = true, action = clap::ArgAction::Set)]
    pub migrate: bool,
}

/// Rules of runs the API and the worker must agree on.
#[derive(Debug, Clone, Copy, Args)]
#[command(next_help_heading = "Runs")]
pub struct RunRulesArgs {
    /// Share of an entity a sweep may delete without an operator's approval
    #[arg(long, value_name = "SHARE", env = "DIS_SWEEP_MAX_SHARE", default_value_t = 0.05, value_parser = share)]
    pub sweep_max_share: f64,
    /// An open or closing run without progress for this long is failed, freeing its entity
    /// (such as 2h or 90m)
    #[arg(long, value_name = "DURATION", env = "DIS_RUN_IDLE_LIMIT", default_value = "2h", value_parser = humantime::parse_duration)]
    pub run_idle_limit: Duration,
}

fn share(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(share) if (0.0..=1.0).contains(&share) => Ok(share),
        _ => Err("a share between 0 and 1, such as 0.05 for 5 %".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(url: Option<&str>) -> MySqlArgs {
        MySqlArgs {
            mysql_url: url.map(str::to_owned),
            mysql_url_file: None,
            mysql_ssl_mode: None,
            mysql_ssl_ca: None,
        }
    }

    #[test]
    fn production_refuses_to_start_without_a_url_and_names_the_variable() {
        let error = MySqlSettings::from_args(&args(None), Profile::Production).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("set DIS_MYSQL_URL"), "{message}");
        assert!(message.contains("DIS_PROFILE=dev"), "{message}");
    }

    #[test]
    fn the_dev_profile_falls_back_to_this_machine() {
        let settings = MySqlSettings::from_args(&args(None), Profile::Dev).unwrap();
        assert_eq!(settings.address(), "127.0.0.1:3306");
    }

    #[test]
    fn a_url_that_does_not_parse_is_refused_without_quoting_its_password() {
        for url in [
            "mysql://dis:s3cret@db:port/dis",
            "mysql://dis:s3cret@db:3306/",
        ] {
            let error =
                MySqlSettings::from_args(&args(Some(url)), Profile::Production).unwrap_err();
            let message = error.to_string();
            assert!(message.starts_with("DIS_MYSQL_URL: "), "{message}");
            assert!(!message.contains("s3cret"), "{message}");
        }
    }

    #[test]
    fn the_password_never_reaches_the_debug_output() {
        let settings = MySqlSettings::new("mysql://dis:s3cret@db:3306/dis");
        let shown = format!("{settings:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("mysql://dis:***@db:3306/dis"), "{shown}");
    }

    #[test]
    fn the_ssl_mode_is_spelt_as_mysqls_own() {
        let mode = SslMode::from_str("verify_identity", true).unwrap();
        assert_eq!(mode, SslMode::VerifyIdentity);
    }
}
