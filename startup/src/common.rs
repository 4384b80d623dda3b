//! Settings shared by several binaries: the config file and logs (all), the profile (those that
//! reach MySQL and Redis), and how long a stop may take.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

/// Where settings come from and how the binary logs; global, so every subcommand takes them.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Configuration and logs")]
pub struct CommonArgs {
    /// A TOML file of settings, each named as its variable in lower case without DIS_ (an [erp]
    /// table for DIS_ERP_…); the environment and flags override it, and relative paths in it are
    /// read from its folder. Without it, no file is read
    #[arg(long, global = true, value_name = "PATH", env = "DIS_CONFIG")]
    pub config: Option<PathBuf>,
    /// auto: coloured text on a terminal, JSON lines otherwise (a pipe, a file, a container);
    /// text: never coloured unless on a terminal
    #[arg(long, global = true, value_enum, value_name = "FORMAT", env = "DIS_LOG_FORMAT", default_value_t = LogFormat::Auto)]
    pub log_format: LogFormat,
    /// Which log lines to write (tracing's EnvFilter syntax); not read from the config file
    #[arg(
        long,
        global = true,
        value_name = "FILTER",
        env = "RUST_LOG",
        default_value = "info,sqlx=warn"
    )]
    pub log_filter: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Auto,
    Json,
    Text,
}

/// Whether MySQL and Redis must be named, or default to this machine's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Profile {
    /// DIS_MYSQL_URL and DIS_REDIS_URL are required: a deployment never writes to a default.
    Production,
    /// Development and the demo: MySQL and Redis default to 127.0.0.1.
    Dev,
}

#[derive(Debug, Clone, Copy, Args)]
pub struct ProfileArgs {
    /// production: DIS_MYSQL_URL and DIS_REDIS_URL are required; dev: they default to
    /// mysql://root@127.0.0.1:3306/dis and redis://127.0.0.1:6379
    #[arg(long, value_enum, value_name = "PROFILE", env = "DIS_PROFILE", default_value_t = Profile::Production)]
    pub profile: Profile,
}

/// How long a stop may take before the process exits anyway.
#[derive(Debug, Clone, Copy, Args)]
pub struct ShutdownArgs {
    /// On SIGTERM or Ctrl-C, how long to let work in flight finish before exiting anyway (keep it
    /// below Kubernetes' terminationGracePeriodSeconds, 30s by default)
    #[arg(long, value_name = "DURATION", env = "DIS_SHUTDOWN_TIMEOUT", default_value = "20s", value_parser = humantime::parse_duration)]
    pub shutdown_timeout: Duration,
}
