//! The `[erp]` table of the config file and its `DIS_ERP_…` variables: where the ERP is and how to read it.

use std::path::PathBuf;
use std::time::Duration;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Deserializer, Serialize};

use super::statements::{
    CAMPAIGNS_FULL, CAMPAIGNS_INCREMENTAL, CONTRACTS_FULL, CONTRACTS_INCREMENTAL, INFLUENCERS_FULL,
    INFLUENCERS_INCREMENTAL,
};

/// How the extractor reaches and reads the ERP. Every field has a default; the config file's
/// `[erp]` table overrides them, and `DIS_ERP_<FIELD>` variables override both
/// (`DIS_ERP_INFLUENCERS__FULL` for a nested field).
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ErpConfig {
    pub host: String,
    pub port: u16,
    #[serde(deserialize_with = "text")]
    pub database: String,
    #[serde(deserialize_with = "text")]
    pub user: String,
    #[serde(deserialize_with = "text")]
    pub password: String,
    /// TLS for the whole connection; `false` for old servers without a certificate.
    pub encrypt: bool,
    /// Accepts the server's certificate without checking it (self-signed certificates).
    pub trust_server_certificate: bool,
    /// A CA certificate (PEM or DER) to trust in addition to the system's.
    pub ca_certificate: Option<PathBuf>,
    pub application_name: String,
    /// The IANA time zone the ERP's clock and timestamps are in.
    pub time_zone: String,
    /// Rows per keyset page, one query each.
    pub page_size: u32,
    pub connect_timeout_secs: u64,
    /// Longest wait for one page of rows.
    pub query_timeout_secs: u64,
    /// The local file holding the incremental watermark of each entity.
    pub watermarks_path: PathBuf,
    pub influencers: EntityQueries,
    pub campaigns: EntityQueries,
    pub contracts: EntityQueries,
}

/// The statements reading one entity; each must be a single SELECT.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityQueries {
    /// Every row, one keyset page at a time: `@P1` rows after key `@P2`.
    pub full: String,
    /// The rows changed in a window: as `full`, with `@P3 <= UPDATED_AT < @P4`.
    pub incremental: String,
}

impl Default for ErpConfig {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 1433,
            database: "ERP".into(),
            user: "dis_reader".into(),
            password: String::new(),
            encrypt: true,
            trust_server_certificate: false,
            ca_certificate: None,
            application_name: "dis-sync-extractor".into(),
            time_zone: "America/Sao_Paulo".into(),
            page_size: 5000,
            connect_timeout_secs: 15,
            query_timeout_secs: 120,
            watermarks_path: PathBuf::from("dis-sync-watermarks.json"),
            influencers: EntityQueries {
                full: INFLUENCERS_FULL.into(),
                incremental: INFLUENCERS_INCREMENTAL.into(),
            },
            campaigns: EntityQueries {
                full: CAMPAIGNS_FULL.into(),
                incremental: CAMPAIGNS_INCREMENTAL.into(),
            },
            contracts: EntityQueries {
                full: CONTRACTS_FULL.into(),
                incremental: CONTRACTS_INCREMENTAL.into(),
            },
        }
    }
}

impl ErpConfig {
    /// Reads defaults, then the `[erp]` table of the config file (`DIS_CONFIG`, default
    /// `dis-sync.toml`), then `DIS_ERP_…` variables — the same file and order as the shared settings.
    pub fn load() -> Result<Self, Box<figment::Error>> {
        let file = std::env::var_os("DIS_CONFIG")
            .map_or_else(|| PathBuf::from("dis-sync.toml"), PathBuf::from);
        Self::figment(Toml::file(file))
            .extract_inner("erp")
            .map_err(Box::new)
    }

    /// The layers of [`ErpConfig::load`] over any file provider, so tests can pass a string.
    pub fn figment(file: impl figment::Provider) -> Figment {
        Figment::new()
            .merge(Serialized::default("erp", ErpConfig::default()))
            .merge(file)
            .merge(
                Env::prefixed("DIS_ERP_")
                    .split("__")
                    .map(|key| format!("erp.{key}").into()),
            )
    }

    pub fn connect_timeout(&self) -> Duration {
        Duration::from_secs(self.connect_timeout_secs.max(1))
    }

    pub fn query_timeout(&self) -> Duration {
        Duration::from_secs(self.query_timeout_secs.max(1))
    }

    /// `host:port`, as messages name the server.
    pub fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// Accepts numbers for text fields: a variable such as `DIS_ERP_PASSWORD=12345` reaches serde
/// as an integer, and a password made of digits is still a password.
fn text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Scalar {
        Text(String),
        Integer(i64),
        Float(f64),
        Bool(bool),
    }
    Ok(match Scalar::deserialize(deserializer)? {
        Scalar::Text(text) => text,
        Scalar::Integer(n) => n.to_string(),
        Scalar::Float(x) => x.to_string(),
        Scalar::Bool(b) => b.to_string(),
    })
}

// The password stays out of logs and panics.
impl std::fmt::Debug for ErpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ErpConfig")
            .field("address", &self.address())
            .field("database", &self.database)
            .field("user", &self.user)
            .field(
                "password",
                &if self.password.is_empty() { "" } else { "***" },
            )
            .field("encrypt", &self.encrypt)
            .field("trust_server_certificate", &self.trust_server_certificate)
            .field("time_zone", &self.time_zone)
            .field("page_size", &self.page_size)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use figment::providers::{Format, Toml};

    use super::*;

    fn from_toml(text: &str) -> Result<ErpConfig, Box<figment::Error>> {
        ErpConfig::figment(Toml::string(text))
            .extract_inner("erp")
            .map_err(Box::new)
    }

    #[test]
    fn without_an_erp_table_the_defaults_read_the_reference_schema() {
        let config = from_toml("api_url = \"http://x\"").unwrap();
        assert_eq!(config.page_size, 5000);
        assert_eq!(config.time_zone, "America/Sao_Paulo");
        assert_eq!(config.influencers.full, INFLUENCERS_FULL);
        assert_eq!(config.contracts.incremental, CONTRACTS_INCREMENTAL);
    }

    #[test]
    fn the_erp_table_overrides_fields_and_entity_statements() {
        let config = from_toml(
            "[erp]\nhost = \"erp.local\"\npage_size = 100\npassword = 12345\n\
             [erp.contracts]\nfull = \"SELECT 1\"\nincremental = \"SELECT 2\"\n",
        )
        .unwrap();
        assert_eq!((config.host.as_str(), config.page_size), ("erp.local", 100));
        assert_eq!(config.password, "12345");
        assert_eq!(config.contracts.full, "SELECT 1");
        assert_eq!(config.influencers.full, INFLUENCERS_FULL);
    }

    #[test]
    fn a_misspelt_field_is_refused_rather_than_ignored() {
        let error = from_toml("[erp]\npasword = \"x\"\n").unwrap_err();
        assert!(error.to_string().contains("pasword"), "{error}");
    }

    #[test]
    fn the_password_never_reaches_the_debug_output() {
        let config = ErpConfig {
            password: "s3cret".into(),
            ..ErpConfig::default()
        };
        assert!(!format!("{config:?}").contains("s3cret"));
    }
}
