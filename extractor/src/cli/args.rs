//! The arguments of the command line, as clap parses them: each setting with its variable, the
//! demo-only and ERP-only ones under headings of their own.

use clap::{Args, Parser, Subcommand, ValueEnum};
use records::RunMode;
use startup::{CommonArgs, ShutdownArgs};

use super::EntityChoice;
use crate::client::DEFAULT_ATTEMPTS;
use crate::demo::{Day, DemoSize};
use crate::mssql::ErpArgs;
use crate::settings::ApiArgs;

/// Reads the ERP and syncs it into DIS through the ingest API.
#[derive(Parser)]
#[command(name = "extractor", version, after_help = SETTINGS_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(subcommand)]
    pub command: Command,
}

const SETTINGS_HELP: &str = "\
Settings come from the flags, then the environment, then the config file (DIS_CONFIG), then the
defaults shown; the ERP's are the [erp] table of the file. See the README's \"Reading the ERP (SQL
Server)\" for the statements and what each parameter holds.";

const RUN_AFTER_HELP: &str = "\
Settings come from the flags, then the environment, then the config file (DIS_CONFIG), then the
defaults shown. Exit codes: 0 every run completed; 1 a run did not complete; 2 a setting or
argument to fix; 3 a sweep is held for an operator's approval. SIGTERM or Ctrl-C aborts a run
whose end is not yet declared, so that it is never swept.";

#[derive(Subcommand)]
pub enum Command {
    /// Sends one entity, or all, to the ingest API as runs and waits for their outcome.
    #[command(after_help = RUN_AFTER_HELP)]
    Run(RunArgs),
    /// Connects to the ERP and the API, runs each configured statement for 5 rows, and says
    /// what it found.
    #[command(after_help = SETTINGS_HELP)]
    Check(CheckArgs),
    /// Runs `run` on a cron expression, never two runs at once, until SIGTERM or Ctrl-C.
    #[command(after_help = RUN_AFTER_HELP)]
    Schedule(ScheduleArgs),
}

#[derive(Clone, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub api: ApiArgs,
    #[command(flatten)]
    pub erp: ErpArgs,
}

#[derive(Clone, Args)]
pub struct ScheduleArgs {
    /// When to run: six fields, seconds first ("0 0 3 * * *" is 03:00 every day).
    #[arg(long)]
    pub cron: String,
    /// The time zone the cron expression is read in; the ERP's (DIS_ERP_TIME_ZONE) by default.
    #[arg(long, value_name = "ZONE")]
    pub time_zone: Option<String>,
    #[command(flatten)]
    pub shutdown: ShutdownArgs,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Clone, Args)]
#[command(next_help_heading = "Run")]
pub struct RunArgs {
    /// Where the records come from; no default, so that a production cron can never send demo
    /// data as a full run (which would sweep DIS's rows).
    #[arg(long, value_enum)]
    pub source: Source,
    /// Which entity to sync.
    #[arg(long, value_enum)]
    pub entity: EntityChoice,
    /// `full` sees every record and lets the API sweep what the source no longer has.
    #[arg(long, value_enum, default_value_t = ModeChoice::Full)]
    pub mode: ModeChoice,
    /// Records per batch, one PUT each.
    #[arg(long, value_name = "RECORDS", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub batch_size: u32,
    /// Batches in flight at once.
    #[arg(long, value_name = "BATCHES", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub concurrency: u32,
    /// Attempts of each request before giving up (retries on timeouts, 429 and 5xx only); the
    /// default rides out one to two minutes of an unavailable API, MySQL or Redis.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_ATTEMPTS as u32, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub attempts: u32,
    /// Seconds to wait for a run's outcome after its end is declared.
    #[arg(long, value_name = "SECONDS", default_value_t = 3600)]
    pub wait_timeout: u64,
    /// No progress line, even on a terminal.
    #[arg(long)]
    pub no_progress: bool,
    #[command(flatten)]
    pub demo: DemoArgs,
    #[command(flatten)]
    pub api: ApiArgs,
    #[command(flatten)]
    pub erp: ErpArgs,
}

/// The built-in data set's shape; refused with `--source mssql`, where it would mean nothing.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Demo source (only with --source demo)")]
pub struct DemoArgs {
    /// Which day of the demo data set to send: next has some records changed, some new and some
    /// deleted [default: one]
    #[arg(long, value_enum)]
    pub day: Option<DayChoice>,
    /// Influencers of the demo data set on day one [default: 10000]
    #[arg(long, value_name = "N")]
    pub influencers: Option<usize>,
    /// Campaigns of the demo data set on day one [default: 1000]
    #[arg(long, value_name = "N")]
    pub campaigns: Option<usize>,
    /// Contracts of the demo data set on day one [default: 30000]
    #[arg(long, value_name = "N")]
    pub contracts: Option<usize>,
}

impl DemoArgs {
    pub fn day(&self) -> Day {
        self.day.unwrap_or(DayChoice::One).into()
    }

    pub fn size(&self) -> DemoSize {
        let default = DemoSize::default();
        DemoSize {
            influencers: self.influencers.unwrap_or(default.influencers),
            campaigns: self.campaigns.unwrap_or(default.campaigns),
            contracts: self.contracts.unwrap_or(default.contracts),
        }
    }

    /// Whether any was given, which only the demo source reads.
    pub fn given(&self) -> bool {
        self.day.is_some()
            || self.influencers.is_some()
            || self.campaigns.is_some()
            || self.contracts.is_some()
    }
}

/// Sources of records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Source {
    /// The built-in deterministic data set.
    Demo,
    /// The ERP on SQL Server, as its DIS_ERP_… settings say (the README's "Reading the ERP").
    Mssql,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeChoice {
    /// Every record; rows DIS has and the source lacks are swept afterwards.
    Full,
    /// Upserts only; nothing is ever deleted.
    Incremental,
}

impl From<ModeChoice> for RunMode {
    fn from(mode: ModeChoice) -> Self {
        match mode {
            ModeChoice::Full => RunMode::Full,
            ModeChoice::Incremental => RunMode::Incremental,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DayChoice {
    /// The first full load.
    One,
    /// The day after: some records changed, some new, some deleted.
    Next,
}

impl From<DayChoice> for Day {
    fn from(day: DayChoice) -> Self {
        match day {
            DayChoice::One => Day::One,
            DayChoice::Next => Day::Next,
        }
    }
}

#[cfg(test)]
mod tests;
