//! The worker's command line and settings: what `worker --help` lists (each setting with its
//! variable), and what they become once read and checked.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use queue::{RedisArgs, RedisSettings};
use startup::{CommonArgs, ProfileArgs, SettingsError, ShutdownArgs};
use store::{MySqlArgs, MySqlSettings, RunRulesArgs, SchemaArgs};

const EXIT_CODES: &str = "\
Settings come from the flags, then the environment, then the config file (DIS_CONFIG), then the
defaults shown. Exit codes: 0 stopped cleanly (SIGTERM or Ctrl-C), 1 a failure while running (a
dependency unreachable), 2 a setting or argument to fix.";

/// The measured best on the bench (README, Benchmark): past it a group's commit is no longer
/// what the database spends its time on.
pub const DEFAULT_JOBS_PER_TRANSACTION: u32 = 8;

/// dis-sync worker: applies queued batches to MySQL and runs reconciliation sweeps.
#[derive(Parser)]
#[command(name = "worker", version, args_conflicts_with_subcommands = true, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Subcommand)]
pub enum Command {
    /// Apply jobs until SIGTERM or Ctrl-C (what `worker` alone does)
    #[command(after_help = EXIT_CODES)]
    Run(RunArgs),
    /// Apply the schema's migrations to DIS's MySQL, then exit
    Migrate(MigrateArgs),
    /// GET /healthz of a running worker and exit 0 when it answers 200 (container health checks)
    Healthcheck(HealthcheckArgs),
}

#[derive(Clone, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub work: WorkArgs,
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
#[command(next_help_heading = "Worker")]
pub struct WorkArgs {
    /// Address of the worker's own HTTP listener: /healthz (and /metrics)
    #[arg(
        long,
        value_name = "ADDRESS",
        env = "DIS_METRICS_LISTEN",
        default_value = "127.0.0.1:9100"
    )]
    pub metrics_listen: SocketAddr,
    /// Transactions this process runs at once, each of up to DIS_JOBS_PER_TRANSACTION jobs
    #[arg(long, value_name = "N", env = "DIS_WORKER_CONCURRENCY", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub worker_concurrency: u32,
    /// Jobs applied together in one transaction, each still its own statement and its own
    /// progress row; a group that fails is applied again one job per transaction
    #[arg(long, value_name = "N", env = "DIS_JOBS_PER_TRANSACTION", default_value_t = DEFAULT_JOBS_PER_TRANSACTION, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub jobs_per_transaction: u32,
    /// Attempts of a job, the first included, before it goes to the dead-letter table
    #[arg(long, value_name = "N", env = "DIS_JOB_ATTEMPTS", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub job_attempts: u32,
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
    /// The URL to check; by default /healthz of DIS_METRICS_LISTEN, on the loopback when it
    /// listens on every address
    #[arg(long)]
    pub url: Option<String>,
    /// The worker's listener, to build the default URL from
    #[arg(
        long,
        value_name = "ADDRESS",
        env = "DIS_METRICS_LISTEN",
        default_value = "127.0.0.1:9100"
    )]
    pub metrics_listen: SocketAddr,
}

impl HealthcheckArgs {
    pub fn url(&self) -> String {
        self.url
            .clone()
            .unwrap_or_else(|| startup::healthcheck::url_for(self.metrics_listen))
    }
}

/// Everything the worker reads, checked.
#[derive(Debug, Clone)]
pub struct Settings {
    pub metrics_listen: SocketAddr,
    pub mysql: MySqlSettings,
    /// Apply migrations on start (`DIS_MIGRATE`); otherwise refuse a schema that is behind.
    pub migrate: bool,
    pub redis: RedisSettings,
    /// Transactions at once.
    pub concurrency: usize,
    /// Jobs per transaction, at most.
    pub jobs_per_transaction: usize,
    pub job_attempts: u32,
    pub sweep_max_share: f64,
    pub run_idle_limit: Duration,
    /// How long the jobs held may take to finish once a stop is asked for.
    pub shutdown_timeout: Duration,
}

impl Settings {
    pub fn from_args(args: &RunArgs) -> Result<Self, SettingsError> {
        let profile = args.start.profile.profile;
        Ok(Self {
            metrics_listen: args.work.metrics_listen,
            mysql: MySqlSettings::from_args(&args.mysql, profile)?,
            migrate: args.start.schema.migrate,
            redis: RedisSettings::from_args(&args.redis, profile)?,
            concurrency: args.work.worker_concurrency as usize,
            jobs_per_transaction: args.work.jobs_per_transaction as usize,
            job_attempts: args.work.job_attempts,
            sweep_max_share: args.runs.sweep_max_share,
            run_idle_limit: args.runs.run_idle_limit,
            shutdown_timeout: args.start.shutdown.shutdown_timeout,
        })
    }
}

#[cfg(test)]
mod tests;
