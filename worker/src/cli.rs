//! What `worker` does with its command line: apply jobs (the default), migrate, or check a
//! running worker's health.

use std::process::ExitCode;

use startup::cli::Parsed;
use startup::{report, CommonArgs, ConfigFile};

use crate::settings::{Cli, Command, MigrateArgs, RunArgs, Settings};

/// A setting or argument to fix.
const EXIT_SETTINGS: u8 = 2;

pub async fn main() -> ExitCode {
    let Parsed { cli, config_file } =
        startup::cli::parse::<Cli>().unwrap_or_else(|error| error.exit());
    let Cli {
        common,
        command,
        run,
    } = cli;
    let command = command.unwrap_or(Command::Run(run));
    if let Command::Healthcheck(args) = &command {
        return startup::healthcheck::run(&args.url()).await;
    }
    if let Err(code) = start_logs(&common, config_file.as_ref()) {
        return code;
    }
    match command {
        Command::Run(args) => run_worker(&args).await,
        Command::Migrate(args) => migrate(&args).await,
        Command::Healthcheck(_) => unreachable!("answered above"),
    }
}

/// Logging, by the rule of `DIS_LOG_FORMAT`, then which config file was read.
fn start_logs(common: &CommonArgs, file: Option<&ConfigFile>) -> Result<(), ExitCode> {
    startup::telemetry::start(common, file).map_err(|error| {
        eprintln!("{}", report::render(&error));
        ExitCode::from(EXIT_SETTINGS)
    })
}

async fn run_worker(args: &RunArgs) -> ExitCode {
    let settings = match Settings::from_args(args) {
        Ok(settings) => settings,
        Err(error) => return settings_error(&error),
    };
    match crate::run(&settings, startup::shutdown::signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => report::fail(error.as_ref()),
    }
}

async fn migrate(args: &MigrateArgs) -> ExitCode {
    let mysql = match store::MySqlSettings::from_args(&args.mysql, args.profile.profile) {
        Ok(mysql) => mysql,
        Err(error) => return settings_error(&error),
    };
    match store::open(&mysql, 1, store::Schema::Migrate).await {
        Ok(_) => {
            tracing::info!(mysql = %mysql.redacted_url(), "the schema is up to date");
            ExitCode::SUCCESS
        }
        Err(error) => report::fail(&error),
    }
}

fn settings_error(error: &startup::SettingsError) -> ExitCode {
    report::fail(error);
    ExitCode::from(EXIT_SETTINGS)
}
