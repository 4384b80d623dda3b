//! The API's command line and settings: what `ingest-api --help` lists (each setting with its
//! variable), and what they become once read and checked.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use queue::{RedisArgs, RedisSettings};
use startup::secret::secret;
use startup::{CommonArgs, ExposeSecret, ProfileArgs, SettingsError, ShutdownArgs};
use store::{MySqlArgs, MySqlSettings, RunRulesArgs, SchemaArgs};

use crate::auth::ApiKeys;
use crate::ops::config::{parse_users, OpsConfig};

const EXIT_CODES: &str = "\
Settings come from the flags, then the environment, then the config file (DIS_CONFIG), then the
defaults shown. Exit codes: 0 stopped cleanly (SIGTERM or Ctrl-C), 1 a failure while running (a
dependency unreachable), 2 a setting or argument to fix.";

/// dis-sync ingest API: the run protocol over HTTP, validating records and queueing them.
#[derive(Parser)]
#[command(name = "ingest-api", version, args_conflicts_with_subcommands = true, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub serve: ServeArgs,
}

// Parsed once at start and then taken apart: the size of the enum costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
pub enum Command {
    /// Serve the API (what `ingest-api` alone does)
    #[command(after_help = EXIT_CODES)]
    Serve(ServeArgs),
    /// Apply the schema's migrations to DIS's MySQL, then exit
    Migrate(MigrateArgs),
    /// Read a token on standard input and print its SHA-256, for a name:scope:hash entry of
    /// DIS_API_KEYS (`printf %s "$TOKEN" | ingest-api hash-key`)
    HashKey,
    /// Read a password on standard input and print its Argon2id hash, for a name:hash entry of
    /// DIS_OPS_USERS (`printf %s "$PASSWORD" | ingest-api hash-password`)
    HashPassword,
    /// GET /healthz of a running API and exit 0 when it answers 200 (container health checks)
    Healthcheck(HealthcheckArgs),
}

#[derive(Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub http: HttpArgs,
    #[command(flatten)]
    pub dashboard: DashboardArgs,
    #[command(flatten)]
    pub mysql: MySqlArgs,
    #[command(flatten)]
    pub redis: RedisArgs,
    #[command(flatten)]
    pub runs: RunRulesArgs,
    #[command(flatten)]
    pub start: StartArgs,
}

#[derive(Clone, Args)]
#[command(next_help_heading = "API")]
pub struct HttpArgs {
    /// Address the API listens on
    #[arg(
        long,
        value_name = "ADDRESS",
        env = "DIS_LISTEN",
        default_value = "127.0.0.1:4100"
    )]
    pub listen: SocketAddr,
    /// A second address serving only /metrics, for a scraper that must not reach the API;
    /// /metrics is also on DIS_LISTEN either way
    #[arg(long, value_name = "ADDRESS", env = "DIS_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    /// Keys the API accepts, name:scope:sha256hex separated by commas, scope ingest or ops
    /// (hash a token with `ingest-api hash-key`)
    #[arg(long, value_name = "KEYS", env = "DIS_API_KEYS")]
    pub api_keys: Option<String>,
    /// A file holding DIS_API_KEYS (a mounted secret), instead of the variable
    #[arg(long, value_name = "PATH", env = "DIS_API_KEYS_FILE")]
    pub api_keys_file: Option<std::path::PathBuf>,
    /// Largest request body the API reads, in bytes
    #[arg(long, value_name = "BYTES", env = "DIS_MAX_BODY_BYTES", default_value_t = 16 * 1024 * 1024)]
    pub max_body_bytes: usize,
}

/// The operators' dashboard at /ops: who signs in by password, and the session cookie.
#[derive(Clone, Args)]
#[command(next_help_heading = "Dashboard (/ops)")]
pub struct DashboardArgs {
    /// Operators who sign in by name and password, name:<argon2 hash> entries separated by white
    /// space (hash a password with `ingest-api hash-password`); ops keys sign in too
    #[arg(long, value_name = "USERS", env = "DIS_OPS_USERS")]
    pub ops_users: Option<String>,
    /// A file holding DIS_OPS_USERS, one entry a line (a mounted secret), instead of the variable
    #[arg(long, value_name = "PATH", env = "DIS_OPS_USERS_FILE")]
    pub ops_users_file: Option<std::path::PathBuf>,
    /// Mark the session cookie Secure (sent over HTTPS only): set it whenever the dashboard is
    /// reached over HTTPS
    #[arg(long, value_name = "BOOL", env = "DIS_OPS_COOKIE_SECURE", default_value_t = false, action = clap::ArgAction::Set)]
    pub ops_cookie_secure: bool,
    /// A dashboard session unused for this long ends (such as 8h or 30m)
    #[arg(long, value_name = "DURATION", env = "DIS_OPS_SESSION_IDLE", default_value = "8h", value_parser = humantime::parse_duration)]
    pub ops_session_idle: Duration,
}

impl DashboardArgs {
    fn config(&self) -> Result<OpsConfig, SettingsError> {
        let users = secret(
            "DIS_OPS_USERS",
            self.ops_users.clone(),
            self.ops_users_file.as_deref(),
        )?;
        let users = users
            .map(|users| parse_users(users.expose_secret()))
            .transpose()
            .map_err(|reason| SettingsError::invalid("DIS_OPS_USERS", reason))?
            .unwrap_or_default();
        Ok(OpsConfig {
            users,
            cookie_secure: self.ops_cookie_secure,
            session_idle: self.ops_session_idle,
        })
    }
}

/// How the process starts and stops.
#[derive(Clone, Args)]
#[command(next_help_heading = "Start and stop")]
pub struct StartArgs {
    #[command(flatten)]
    pub profile: ProfileArgs,
    #[command(flatten)]
    pub schema: SchemaArgs,
    #[command(flatten)]
    pub shutdown: ShutdownArgs,
}

#[derive(Clone, Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub mysql: MySqlArgs,
    #[command(flatten)]
    pub profile: ProfileArgs,
}

#[derive(Clone, Args)]
pub struct HealthcheckArgs {
    /// The URL to check; by default /healthz of DIS_LISTEN, on the loopback when it listens on
    /// every address
    #[arg(long)]
    pub url: Option<String>,
    /// The API's address, to build the default URL from
    #[arg(
        long,
        value_name = "ADDRESS",
        env = "DIS_LISTEN",
        default_value = "127.0.0.1:4100"
    )]
    pub listen: SocketAddr,
}

impl HealthcheckArgs {
    pub fn url(&self) -> String {
        self.url
            .clone()
            .unwrap_or_else(|| startup::healthcheck::url_for(self.listen))
    }
}

/// Everything the API reads, checked.
#[derive(Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    /// A listener of its own for /metrics, besides DIS_LISTEN.
    pub metrics_listen: Option<SocketAddr>,
    pub mysql: MySqlSettings,
    /// Apply migrations on start (`DIS_MIGRATE`); otherwise refuse a schema that is behind.
    pub migrate: bool,
    pub redis: RedisSettings,
    pub api_keys: ApiKeys,
    /// The dashboard's password users and session cookie.
    pub ops: OpsConfig,
    pub max_body_bytes: usize,
    pub sweep_max_share: f64,
    /// Open or closing runs idle this long are failed when a new run of their entity is asked for.
    pub run_idle_limit: Duration,
    /// How long requests in flight may take to finish once a stop is asked for.
    pub shutdown_timeout: Duration,
}

impl Settings {
    pub fn from_args(args: &ServeArgs) -> Result<Self, SettingsError> {
        let profile = args.start.profile.profile;
        let keys = secret(
            "DIS_API_KEYS",
            args.http.api_keys.clone(),
            args.http.api_keys_file.as_deref(),
        )?;
        let api_keys = keys
            .map(|keys| ApiKeys::parse(keys.expose_secret()))
            .transpose()
            .map_err(|reason| SettingsError::invalid("DIS_API_KEYS", reason))?
            .unwrap_or_default();
        Ok(Self {
            listen: args.http.listen,
            metrics_listen: args.http.metrics_listen,
            mysql: MySqlSettings::from_args(&args.mysql, profile)?,
            migrate: args.start.schema.migrate,
            redis: RedisSettings::from_args(&args.redis, profile)?,
            api_keys,
            ops: args.dashboard.config()?,
            max_body_bytes: args.http.max_body_bytes,
            sweep_max_share: args.runs.sweep_max_share,
            run_idle_limit: args.runs.run_idle_limit,
            shutdown_timeout: args.start.shutdown.shutdown_timeout,
        })
    }
}

/// What the logs show: no password, no key hash.
impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field("metrics_listen", &self.metrics_listen)
            .field("mysql", &self.mysql)
            .field("migrate", &self.migrate)
            .field("redis", &self.redis)
            .field("api_keys", &self.api_keys.describe())
            .field("ops", &self.ops)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("sweep_max_share", &self.sweep_max_share)
            .field(
                "run_idle_limit",
                &humantime::format_duration(self.run_idle_limit).to_string(),
            )
            .field(
                "shutdown_timeout",
                &humantime::format_duration(self.shutdown_timeout).to_string(),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests;
