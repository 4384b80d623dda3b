//! The command line: `extractor run --source demo --entity all --mode full`, and its exit codes.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use shared::config::Settings;
use shared::domain::{Entity, RunMode};

use crate::client::{ApiClient, RetryPolicy};
use crate::demo::{Day, DemoDataset, DemoSize};
use crate::outcome::{RunReport, SyncError};
use crate::run_protocol::{sync_entity_until, SyncOptions};

/// Every run completed.
const EXIT_COMPLETED: u8 = 0;
/// A run failed, was aborted, or could not be driven to its end.
const EXIT_FAILED: u8 = 1;
/// No failure, but a sweep waits for an operator's approval.
const EXIT_HELD: u8 = 3;

#[derive(Debug, Parser)]
#[command(
    name = "extractor",
    version,
    about = "Reads the ERP and syncs it into DIS through the ingest API"
)]
#[command(
    after_help = "Exit codes: 0 every run completed, 1 a run did not complete, 3 a sweep is held for approval.\n\
    The API is DIS_API_URL with the token DIS_API_TOKEN (or dis-sync.toml)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sends one entity, or both, to the ingest API as runs and waits for them to settle.
    Run(RunArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Where the records come from. Deliberately required: a full run of the wrong source
    /// would have its rows swept from DIS.
    #[arg(long, value_enum)]
    pub source: Source,
    #[arg(long, value_enum)]
    pub entity: EntityChoice,
    #[arg(long, value_enum)]
    pub mode: ModeChoice,
    /// Which day of the demo data set to send.
    #[arg(long, value_enum, default_value_t = DayChoice::One)]
    pub day: DayChoice,
    /// Influencers of the demo data set on day one.
    #[arg(long, default_value_t = DemoSize::default().influencers)]
    pub influencers: usize,
    /// Contracts of the demo data set on day one.
    #[arg(long, default_value_t = DemoSize::default().contracts)]
    pub contracts: usize,
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub batch_size: u32,
    /// Batches in flight at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub concurrency: u32,
    /// Attempts of each request before giving up (retries on timeouts, 429 and 5xx only).
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub attempts: u32,
    /// Seconds to wait for a run to settle after its end is declared.
    #[arg(long, default_value_t = 3600)]
    pub wait_timeout: u64,
    /// No progress line, even on a terminal.
    #[arg(long)]
    pub no_progress: bool,
    /// The API to post to, over DIS_API_URL.
    #[arg(long)]
    pub api_url: Option<String>,
}

/// Sources of records; `mssql` (the ERP itself) is planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Source {
    /// The built-in deterministic data set.
    Demo,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EntityChoice {
    Influencers,
    Contracts,
    /// Influencers, then contracts, which reference them.
    All,
}

impl EntityChoice {
    pub fn entities(self) -> &'static [Entity] {
        match self {
            Self::Influencers => &[Entity::Influencers],
            Self::Contracts => &[Entity::Contracts],
            Self::All => &Entity::ALL,
        }
    }
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
    One,
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

/// Parses the arguments, reads the settings and runs the command.
pub async fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("error: the configuration could not be read: {error}");
            return ExitCode::from(EXIT_FAILED);
        }
    };
    shared::telemetry::init(settings.log_json);
    match cli.command {
        Command::Run(args) => ExitCode::from(run(&args, &settings).await),
    }
}

/// Runs the chosen entities in order and returns the exit code.
pub async fn run(args: &RunArgs, settings: &Settings) -> u8 {
    let url = args
        .api_url
        .clone()
        .unwrap_or_else(|| settings.api_url.clone());
    let client = ApiClient::new(url, settings.api_token.clone()).with_retry(RetryPolicy {
        max_attempts: args.attempts as usize,
        ..RetryPolicy::default()
    });
    let options = SyncOptions {
        batch_size: args.batch_size as usize,
        concurrency: args.concurrency as usize,
        progress: !args.no_progress,
        wait_timeout: Some(Duration::from_secs(args.wait_timeout)),
        ..SyncOptions::default()
    };
    let mut held = false;
    for &entity in args.entity.entities() {
        let report = match sync_one(&client, entity, args, &options).await {
            Ok(report) => report,
            Err(error) => {
                eprintln!("error: {entity}: {}", chain(&error));
                return EXIT_FAILED;
            }
        };
        println!("{report}");
        // Contracts reference influencers, so they only follow influencers that were loaded;
        // a held sweep has loaded everything and only waits to delete.
        if report.held() {
            held = true;
        } else if !report.completed() {
            return EXIT_FAILED;
        }
    }
    if held {
        EXIT_HELD
    } else {
        EXIT_COMPLETED
    }
}

async fn sync_one(
    client: &ApiClient,
    entity: Entity,
    args: &RunArgs,
    options: &SyncOptions,
) -> Result<RunReport, SyncError> {
    let mode = RunMode::from(args.mode);
    match args.source {
        Source::Demo => {
            let size = DemoSize {
                influencers: args.influencers,
                contracts: args.contracts,
            };
            let demo = DemoDataset::new(size, args.day.into());
            match entity {
                Entity::Influencers => {
                    sync_entity_until(client, entity, mode, demo.influencers(), options, ctrl_c())
                        .await
                }
                Entity::Contracts => {
                    sync_entity_until(client, entity, mode, demo.contracts(), options, ctrl_c())
                        .await
                }
            }
        }
    }
}

/// Completes on Ctrl-C; never, where signals cannot be listened to.
async fn ctrl_c() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// The error and its causes on one line, as the operator reading a cron mail needs them.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn a_demo_run_of_all_entities_parses_with_its_defaults() {
        let cli = Cli::try_parse_from([
            "extractor",
            "run",
            "--source",
            "demo",
            "--entity",
            "all",
            "--mode",
            "full",
        ])
        .unwrap();
        let Command::Run(args) = cli.command;
        assert_eq!(
            args.entity.entities(),
            &[Entity::Influencers, Entity::Contracts]
        );
        assert_eq!(
            (args.day, args.influencers, args.contracts),
            (DayChoice::One, 10_000, 30_000)
        );
        assert_eq!((args.batch_size, args.concurrency), (1000, 4));
    }

    #[test]
    fn the_source_must_be_named() {
        assert!(
            Cli::try_parse_from(["extractor", "run", "--entity", "all", "--mode", "full"]).is_err()
        );
    }

    #[test]
    fn a_batch_size_of_zero_is_refused() {
        let args = [
            "extractor",
            "run",
            "--source",
            "demo",
            "--entity",
            "contracts",
            "--mode",
            "incremental",
            "--batch-size",
            "0",
        ];
        assert!(Cli::try_parse_from(args).is_err());
    }
}
