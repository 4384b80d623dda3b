//! The command line: `extractor run --source demo|mssql --entity all --mode full`, `extractor
//! check`, `extractor schedule --cron …`, and their exit codes.

mod args;
mod check;
mod entity_choice;
mod schedule;

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use records::{Entity, RunMode};
use startup::config::Settings;

pub use args::{CheckArgs, Cli, Command, DayChoice, ModeChoice, RunArgs, ScheduleArgs, Source};
pub use check::{check, check_api};
pub use entity_choice::EntityChoice;
pub use schedule::schedule;

use crate::client::{ApiClient, RetryPolicy};
use crate::demo::{DemoDataset, DemoSize};
use crate::mssql::{ErpConfig, ErpSource};
use crate::outcome::RunReport;
use crate::run_protocol::SyncOptions;

/// Every run completed.
const EXIT_COMPLETED: u8 = 0;
/// A run failed, was aborted, or could not be driven to its end.
const EXIT_FAILED: u8 = 1;
/// No failure, but a sweep waits for an operator's approval.
const EXIT_HELD: u8 = 3;

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
    startup::telemetry::init(settings.log_json);
    match cli.command {
        Command::Run(args) => ExitCode::from(run(&args, &settings).await),
        Command::Check(args) => ExitCode::from(check(&args, &settings).await),
        Command::Schedule(args) => ExitCode::from(schedule(&args, &settings).await),
    }
}

/// Runs the chosen entities in order and returns the exit code. The ERP's statements are
/// verified before anything connects.
pub async fn run(args: &RunArgs, settings: &Settings) -> u8 {
    let erp = match args.source {
        Source::Demo => None,
        Source::Mssql => match load_erp() {
            Ok(erp) => Some(erp),
            Err(error) => {
                eprintln!("error: {error}");
                return EXIT_FAILED;
            }
        },
    };
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
    for entity in args.entity.entities() {
        let report = match sync_one(&client, entity, args, &options, erp.as_ref()).await {
            Ok(report) => report,
            Err(error) => {
                eprintln!("error: {entity}: {}", chain(error.as_ref()));
                return EXIT_FAILED;
            }
        };
        println!("{report}");
        // Later entities reference earlier ones (see the registry's order), so they only follow
        // runs that loaded; a held sweep has loaded everything and only waits to delete.
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

/// The `[erp]` configuration, verified: statements that are not a single SELECT stop it here.
pub fn load_erp() -> Result<ErpSource, String> {
    let config =
        ErpConfig::load().map_err(|e| format!("the [erp] configuration could not be read: {e}"))?;
    ErpSource::new(config).map_err(|e| e.to_string())
}

async fn sync_one(
    client: &ApiClient,
    entity: Entity,
    args: &RunArgs,
    options: &SyncOptions,
    erp: Option<&ErpSource>,
) -> Result<RunReport, Box<dyn std::error::Error + Send + Sync>> {
    let mode = RunMode::from(args.mode);
    if let Some(erp) = erp {
        return Ok(erp.sync(client, entity, mode, options, ctrl_c()).await?);
    }
    let size = DemoSize {
        influencers: args.influencers,
        campaigns: args.campaigns,
        contracts: args.contracts,
    };
    let demo = DemoDataset::new(size, args.day.into());
    Ok(demo.sync(client, entity, mode, options, ctrl_c()).await?)
}

/// Completes on Ctrl-C; never, where signals cannot be listened to.
async fn ctrl_c() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// The error and its causes on one line, as the operator reading a cron mail needs them.
pub(crate) fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
