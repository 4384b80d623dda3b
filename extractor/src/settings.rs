//! The extractor's settings besides the ERP's (`mssql::ErpArgs`): which API it posts to and the
//! token it presents.

use std::path::PathBuf;

use clap::Args;
use startup::secret::secret;
use startup::{ExposeSecret, SecretString, SettingsError};

use crate::client::ApiClient;

#[derive(Clone, Args)]
#[command(next_help_heading = "API")]
pub struct ApiArgs {
    /// The ingest API to post to
    #[arg(
        long,
        value_name = "URL",
        env = "DIS_API_URL",
        default_value = "http://127.0.0.1:4100"
    )]
    pub api_url: String,
    /// The bearer token, one of the API's keys (DIS_API_KEYS) of scope ingest; as a flag it would
    /// show in the process list, so prefer the variable or DIS_API_TOKEN_FILE
    #[arg(long, value_name = "TOKEN", env = "DIS_API_TOKEN")]
    pub api_token: Option<String>,
    /// A file holding DIS_API_TOKEN (a mounted secret), instead of the variable
    #[arg(long, value_name = "PATH", env = "DIS_API_TOKEN_FILE")]
    pub api_token_file: Option<PathBuf>,
}

/// The API, read and checked: the URL parses; the token may be missing until a command needs it.
#[derive(Clone)]
pub struct ApiSettings {
    pub url: String,
    token: Option<SecretString>,
}

impl ApiSettings {
    pub fn from_args(args: &ApiArgs) -> Result<Self, SettingsError> {
        let url = args.api_url.trim_end_matches('/').to_owned();
        let parsed = reqwest::Url::parse(&url).map_err(|e| e.to_string());
        if let Err(reason) = parsed.and_then(|u| match u.scheme() {
            "http" | "https" => Ok(()),
            other => Err(format!("the scheme is {other:?}")),
        }) {
            return Err(SettingsError::invalid(
                "DIS_API_URL",
                format!("{url:?} is not a URL such as http://127.0.0.1:4100 ({reason})"),
            ));
        }
        let token = secret(
            "DIS_API_TOKEN",
            args.api_token.clone(),
            args.api_token_file.as_deref(),
        )?;
        Ok(Self { url, token })
    }

    /// Whether a token was given (`extractor check` reports its absence as a finding).
    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    pub fn token(&self) -> Option<&SecretString> {
        self.token.as_ref()
    }

    /// A client presenting the token; refuses to build one without a token, which the API would
    /// only answer with 401.
    pub fn client(&self) -> Result<ApiClient, SettingsError> {
        let token = self.token.as_ref().ok_or(SettingsError::Missing {
            what: "the API token",
            variable: "DIS_API_TOKEN",
            hint: ", the token of one of the API's keys (DIS_API_KEYS, scope ingest); \
                   `ingest-api hash-key` prints the hash that goes there"
                .into(),
        })?;
        Ok(ApiClient::new(&self.url, token.expose_secret()))
    }
}

impl std::fmt::Debug for ApiSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiSettings")
            .field("url", &self.url)
            .field("token", &if self.has_token() { "***" } else { "none" })
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(token: Option<&str>) -> ApiArgs {
        ApiArgs {
            api_url: "http://127.0.0.1:4100".into(),
            api_token: token.map(str::to_owned),
            api_token_file: None,
        }
    }

    #[test]
    fn without_a_token_no_client_is_built_and_the_variable_is_named() {
        let settings = ApiSettings::from_args(&args(None)).unwrap();
        let error = settings.client().unwrap_err().to_string();
        assert!(
            error.starts_with(
                "the API token is not configured: set DIS_API_TOKEN (or DIS_API_TOKEN_FILE)"
            ),
            "{error}"
        );
    }

    #[test]
    fn the_token_never_reaches_the_debug_output() {
        let settings = ApiSettings::from_args(&args(Some("s3cret"))).unwrap();
        assert!(!format!("{settings:?}").contains("s3cret"));
    }

    #[test]
    fn an_api_url_that_does_not_parse_is_refused_naming_the_variable() {
        let mut bad = args(None);
        bad.api_url = "127.0.0.1:4100".into();
        let error = ApiSettings::from_args(&bad).unwrap_err().to_string();
        assert!(error.starts_with("DIS_API_URL: "), "{error}");
    }
}
