//! The command line: `extractor run --source demo|mssql --entity all --mode full`, `extractor
//! check`, `extractor schedule --cron …`, and their exit codes.

mod args;
mod check;
mod entity_choice;
mod schedule;

use std::process::ExitCode;
use std::time::Duration;

use records::{Entity, RunMode};
use startup::cli::Parsed;
use startup::{report, ConfigFile};
use tokio_util::sync::CancellationToken;

pub use args::{
    CheckArgs, Cli, Command, DayChoice, DemoArgs, ModeChoice, RunArgs, ScheduleArgs, Source,
};
pub use check::{check, check_api};
pub use entity_choice::EntityChoice;
pub use schedule::schedule;

use crate::client::{ApiClient, RetryPolicy};
use crate::demo::DemoDataset;
use crate::mssql::{ErpArgs, ErpConfig, ErpSource};
use crate::outcome::RunReport;
use crate::run_protocol::SyncOptions;
use crate::settings::ApiSettings;

/// Every run completed.
const EXIT_COMPLETED: u8 = 0;
/// A run failed, was aborted, or could not be driven to its end.
const EXIT_FAILED: u8 = 1;
/// A setting or argument to fix; nothing was sent.
const EXIT_SETTINGS: u8 = 2;
/// No failure, but a sweep waits for an operator's approval.
const EXIT_HELD: u8 = 3;

/// Parses the arguments and the settings, and runs the command until it ends or SIGTERM/Ctrl-C.
pub async fn main() -> ExitCode {
    let Parsed { cli, config_file } =
        startup::cli::parse::<Cli>().unwrap_or_else(|error| error.exit());
    if let Err(error) = startup::telemetry::start(&cli.common, config_file.as_ref()) {
        eprintln!("{}", report::render(&error));
        return ExitCode::from(EXIT_SETTINGS);
    }
    let stop = stop_on_signal();
    let code = match cli.command {
        Command::Run(args) => run(&args, config_file.as_ref(), &stop).await,
        Command::Check(args) => check(&args, config_file.as_ref()).await,
        Command::Schedule(args) => schedule(&args, config_file.as_ref(), &stop).await,
    };
    ExitCode::from(code)
}

/// Cancelled by the first SIGTERM or Ctrl-C.
fn stop_on_signal() -> CancellationToken {
    let stop = CancellationToken::new();
    let cancel = stop.clone();
    tokio::spawn(async move {
        let signal = startup::shutdown::signal().await;
        tracing::warn!(
            signal,
            "stopping: a run whose end is not declared is aborted"
        );
        cancel.cancel();
    });
    stop
}

/// What a run needs, read and checked once: the scheduler reuses it at every tick.
#[derive(Clone)]
pub struct Prepared {
    client: ApiClient,
    erp: Option<ErpSource>,
}

/// Reads and checks the settings of `args` before anything is sent: a missing token, or ERP
/// statements that are not a single SELECT, stop here.
pub fn prepare(args: &RunArgs, config_file: Option<&ConfigFile>) -> Result<Prepared, String> {
    if args.source == Source::Mssql && args.demo.given() {
        return Err("--day, --influencers and --contracts shape the demo data set: they mean nothing with --source mssql".into());
    }
    let api = ApiSettings::from_args(&args.api).map_err(|e| e.to_string())?;
    let client = api
        .client()
        .map_err(|e| e.to_string())?
        .with_retry(RetryPolicy {
            max_attempts: args.attempts as usize,
            ..RetryPolicy::default()
        });
    let erp = match args.source {
        Source::Demo => None,
        Source::Mssql => Some(erp_source(&args.erp, config_file)?),
    };
    if let Some(erp) = &erp {
        let watermarks = erp.config().watermarks_path.display();
        tracing::info!(erp = %erp.config().address(), %watermarks, "reading the ERP");
    }
    tracing::debug!(source = ?args.source, ?api, erp = ?erp.as_ref().map(ErpSource::config), "settings");
    Ok(Prepared { client, erp })
}

/// Runs the chosen entities in order and returns the exit code.
pub async fn run(args: &RunArgs, config_file: Option<&ConfigFile>, stop: &CancellationToken) -> u8 {
    match prepare(args, config_file) {
        Ok(prepared) => run_prepared(args, &prepared, stop).await,
        Err(problem) => {
            eprintln!("error: {problem}");
            EXIT_SETTINGS
        }
    }
}

/// [`run`] with settings already checked.
pub async fn run_prepared(args: &RunArgs, prepared: &Prepared, stop: &CancellationToken) -> u8 {
    let options = SyncOptions {
        batch_size: args.batch_size as usize,
        concurrency: args.concurrency as usize,
        progress: !args.no_progress,
        wait_timeout: Some(Duration::from_secs(args.wait_timeout)),
        ..SyncOptions::default()
    };
    let mut held = false;
    for entity in args.entity.entities() {
        let report = match sync_one(prepared, entity, args, &options, stop).await {
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

/// The ERP's configuration, verified: statements that are not a single SELECT stop it here.
pub fn erp_source(args: &ErpArgs, config_file: Option<&ConfigFile>) -> Result<ErpSource, String> {
    let config = ErpConfig::from_args(args, config_file).map_err(|e| e.to_string())?;
    ErpSource::new(config).map_err(|e| e.to_string())
}

async fn sync_one(
    prepared: &Prepared,
    entity: Entity,
    args: &RunArgs,
    options: &SyncOptions,
    stop: &CancellationToken,
) -> Result<RunReport, Box<dyn std::error::Error + Send + Sync>> {
    let mode = RunMode::from(args.mode);
    let client = &prepared.client;
    let stopped = stop.clone().cancelled_owned();
    if let Some(erp) = &prepared.erp {
        return Ok(erp.sync(client, entity, mode, options, stopped).await?);
    }
    let demo = DemoDataset::new(args.demo.size(), args.demo.day());
    Ok(demo.sync(client, entity, mode, options, stopped).await?)
}

/// The error and its causes on one line, as the operator reading a cron mail needs them.
pub(crate) fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    report::one_line(error)
}
