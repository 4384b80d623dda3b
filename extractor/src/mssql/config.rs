//! Where the ERP is and how to read it: the `DIS_ERP_…` settings (the `[erp]` table of the config
//! file), and the configuration they become.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use startup::secret::secret;
use startup::{ConfigFile, ExposeSecret, SettingsError};

use super::statements::{
    CAMPAIGNS_FULL, CAMPAIGNS_INCREMENTAL, CONTRACTS_FULL, CONTRACTS_INCREMENTAL, INFLUENCERS_FULL,
    INFLUENCERS_INCREMENTAL,
};

/// The watermarks' file name, next to the config file or in dis-sync's state folder.
const WATERMARKS_FILE: &str = "dis-sync-watermarks.json";

/// The ERP's settings as the command line, the environment and the config file give them.
#[derive(Clone, Args)]
#[command(next_help_heading = "ERP (only with --source mssql)")]
pub struct ErpArgs {
    /// The SQL Server (for a named instance, give its TCP port)
    #[arg(
        long,
        value_name = "HOST",
        env = "DIS_ERP_HOST",
        default_value = "127.0.0.1"
    )]
    pub erp_host: String,
    #[arg(
        long,
        value_name = "PORT",
        env = "DIS_ERP_PORT",
        default_value_t = 1433
    )]
    pub erp_port: u16,
    /// The ERP's database
    #[arg(
        long,
        value_name = "NAME",
        env = "DIS_ERP_DATABASE",
        default_value = "ERP"
    )]
    pub erp_database: String,
    /// The login (SQL Server authentication); give it read access only
    #[arg(
        long,
        value_name = "USER",
        env = "DIS_ERP_USER",
        default_value = "dis_reader"
    )]
    pub erp_user: String,
    /// The login's password; prefer DIS_ERP_PASSWORD_FILE (a flag shows in the process list)
    #[arg(long, value_name = "PASSWORD", env = "DIS_ERP_PASSWORD")]
    pub erp_password: Option<String>,
    /// A file holding DIS_ERP_PASSWORD (a mounted secret), instead of the variable
    #[arg(long, value_name = "PATH", env = "DIS_ERP_PASSWORD_FILE")]
    pub erp_password_file: Option<PathBuf>,
    /// TLS for the whole connection; false for old servers without a certificate (the password
    /// then crosses the network in clear)
    #[arg(long, value_name = "BOOL", env = "DIS_ERP_ENCRYPT", default_value_t = true, action = clap::ArgAction::Set)]
    pub erp_encrypt: bool,
    /// Accept the server's certificate without checking it (a self-signed one, on a network you
    /// trust)
    #[arg(long, value_name = "BOOL", env = "DIS_ERP_TRUST_SERVER_CERTIFICATE", default_value_t = false, action = clap::ArgAction::Set)]
    pub erp_trust_server_certificate: bool,
    /// A CA (PEM or DER) to trust for the server's certificate
    #[arg(long, value_name = "PATH", env = "DIS_ERP_CA_CERTIFICATE")]
    pub erp_ca_certificate: Option<PathBuf>,
    /// Shows in the ERP's sys.dm_exec_sessions
    #[arg(
        long,
        value_name = "NAME",
        env = "DIS_ERP_APPLICATION_NAME",
        default_value = "dis-sync-extractor"
    )]
    pub erp_application_name: String,
    /// The IANA time zone of the ERP's clock and timestamps
    #[arg(
        long,
        value_name = "ZONE",
        env = "DIS_ERP_TIME_ZONE",
        default_value = "America/Sao_Paulo"
    )]
    pub erp_time_zone: String,
    /// Rows per keyset page, one query each
    #[arg(long, value_name = "ROWS", env = "DIS_ERP_PAGE_SIZE", default_value_t = 5000, value_parser = clap::value_parser!(u32).range(1..))]
    pub erp_page_size: u32,
    /// Longest wait for the login, in seconds
    #[arg(
        long,
        value_name = "SECONDS",
        env = "DIS_ERP_CONNECT_TIMEOUT_SECS",
        default_value_t = 15
    )]
    pub erp_connect_timeout_secs: u64,
    /// Longest wait for one page of rows, in seconds
    #[arg(
        long,
        value_name = "SECONDS",
        env = "DIS_ERP_QUERY_TIMEOUT_SECS",
        default_value_t = 120
    )]
    pub erp_query_timeout_secs: u64,
    /// The incremental watermarks; by default dis-sync-watermarks.json next to the config file,
    /// else $XDG_STATE_HOME/dis-sync/ (~/.local/state/dis-sync/) — never the working directory
    #[arg(long, value_name = "PATH", env = "DIS_ERP_WATERMARKS_PATH")]
    pub erp_watermarks_path: Option<PathBuf>,
    #[command(flatten)]
    pub statements: StatementArgs,
}

/// The statements reading each entity; each must be a single SELECT. Override both of an entity
/// or neither.
#[derive(Clone, Args)]
#[command(
    next_help_heading = "ERP statements (only with --source mssql; default: the reference schema's)"
)]
pub struct StatementArgs {
    /// Every influencer, one keyset page at a time: @P1 rows after key @P2
    #[arg(long, value_name = "SQL", env = "DIS_ERP_INFLUENCERS__FULL", default_value = INFLUENCERS_FULL, hide_default_value = true)]
    pub erp_influencers_full: String,
    /// The influencers changed in a window: as the full one, with @P3 <= UPDATED_AT < @P4
    #[arg(long, value_name = "SQL", env = "DIS_ERP_INFLUENCERS__INCREMENTAL", default_value = INFLUENCERS_INCREMENTAL, hide_default_value = true)]
    pub erp_influencers_incremental: String,
    /// Every campaign, as influencers' full statement
    #[arg(long, value_name = "SQL", env = "DIS_ERP_CAMPAIGNS__FULL", default_value = CAMPAIGNS_FULL, hide_default_value = true)]
    pub erp_campaigns_full: String,
    /// The campaigns changed in a window, as influencers' incremental statement
    #[arg(long, value_name = "SQL", env = "DIS_ERP_CAMPAIGNS__INCREMENTAL", default_value = CAMPAIGNS_INCREMENTAL, hide_default_value = true)]
    pub erp_campaigns_incremental: String,
    /// Every contract, as influencers' full statement
    #[arg(long, value_name = "SQL", env = "DIS_ERP_CONTRACTS__FULL", default_value = CONTRACTS_FULL, hide_default_value = true)]
    pub erp_contracts_full: String,
    /// The contracts changed in a window, as influencers' incremental statement
    #[arg(long, value_name = "SQL", env = "DIS_ERP_CONTRACTS__INCREMENTAL", default_value = CONTRACTS_INCREMENTAL, hide_default_value = true)]
    pub erp_contracts_incremental: String,
}

/// How the extractor reaches and reads the ERP.
#[derive(Clone)]
pub struct ErpConfig {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub user: String,
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntityQueries {
    /// Every row, one keyset page at a time: `@P1` rows after key `@P2`.
    pub full: String,
    /// The rows changed in a window: as `full`, with `@P3 <= UPDATED_AT < @P4`.
    pub incremental: String,
}

/// The reference schema on this machine: what tests start from.
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
            watermarks_path: PathBuf::from(WATERMARKS_FILE),
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
    /// The configuration `args` give; the watermarks go next to `config_file` unless told
    /// otherwise.
    pub fn from_args(
        args: &ErpArgs,
        config_file: Option<&ConfigFile>,
    ) -> Result<Self, SettingsError> {
        let password = secret(
            "DIS_ERP_PASSWORD",
            args.erp_password.clone(),
            args.erp_password_file.as_deref(),
        )?;
        let watermarks_path = match &args.erp_watermarks_path {
            Some(path) => std::path::absolute(path).unwrap_or_else(|_| path.clone()),
            None => default_watermarks(config_file.map(ConfigFile::folder))?,
        };
        let statements = &args.statements;
        Ok(Self {
            host: args.erp_host.clone(),
            port: args.erp_port,
            database: args.erp_database.clone(),
            user: args.erp_user.clone(),
            password: password
                .map(|p| p.expose_secret().to_owned())
                .unwrap_or_default(),
            encrypt: args.erp_encrypt,
            trust_server_certificate: args.erp_trust_server_certificate,
            ca_certificate: args.erp_ca_certificate.clone(),
            application_name: args.erp_application_name.clone(),
            time_zone: args.erp_time_zone.clone(),
            page_size: args.erp_page_size,
            connect_timeout_secs: args.erp_connect_timeout_secs,
            query_timeout_secs: args.erp_query_timeout_secs,
            watermarks_path,
            influencers: EntityQueries {
                full: statements.erp_influencers_full.clone(),
                incremental: statements.erp_influencers_incremental.clone(),
            },
            campaigns: EntityQueries {
                full: statements.erp_campaigns_full.clone(),
                incremental: statements.erp_campaigns_incremental.clone(),
            },
            contracts: EntityQueries {
                full: statements.erp_contracts_full.clone(),
                incremental: statements.erp_contracts_incremental.clone(),
            },
        })
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

/// Next to the config file, else in dis-sync's state folder: never the working directory, which
/// differs under cron.
fn default_watermarks(config_folder: Option<&Path>) -> Result<PathBuf, SettingsError> {
    config_folder
        .map(Path::to_owned)
        .or_else(startup::paths::state_dir)
        .map(|folder| folder.join(WATERMARKS_FILE))
        .ok_or_else(|| {
            SettingsError::invalid(
                "DIS_ERP_WATERMARKS_PATH",
                "not set, and there is neither a config file nor a HOME to keep the watermarks next to",
            )
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
            .field("watermarks_path", &self.watermarks_path)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
