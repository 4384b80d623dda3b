//! What `ingest-api` does with its command line: serve (the default), migrate, hash a key or an
//! operator's password, or check a running API's health.

use std::io::{IsTerminal, Read};
use std::process::ExitCode;

use startup::cli::Parsed;
use startup::{report, CommonArgs, ConfigFile};

use crate::settings::{Cli, Command, MigrateArgs, ServeArgs, Settings};

/// A setting or argument to fix.
const EXIT_SETTINGS: u8 = 2;

pub async fn main() -> ExitCode {
    let Parsed { cli, config_file } =
        startup::cli::parse::<Cli>().unwrap_or_else(|error| error.exit());
    let Cli {
        common,
        command,
        serve,
    } = cli;
    match command.unwrap_or(Command::Serve(serve)) {
        Command::HashKey => print_hash("token", "hash-key", crate::auth::hash_token),
        Command::HashPassword => print_hash(
            "password",
            "hash-password",
            crate::ops::password::hash_password,
        ),
        Command::Healthcheck(args) => startup::healthcheck::run(&args.url()).await,
        Command::Migrate(args) => match start_logs(&common, config_file.as_ref()) {
            Ok(()) => migrate(&args).await,
            Err(code) => code,
        },
        Command::Serve(args) => match start_logs(&common, config_file.as_ref()) {
            Ok(()) => run_api(&args).await,
            Err(code) => code,
        },
    }
}

/// Logging, by the rule of `DIS_LOG_FORMAT`, then which config file was read.
fn start_logs(common: &CommonArgs, file: Option<&ConfigFile>) -> Result<(), ExitCode> {
    startup::telemetry::start(common, file).map_err(|error| {
        eprintln!("{}", report::render(&error));
        ExitCode::from(EXIT_SETTINGS)
    })
}

async fn run_api(args: &ServeArgs) -> ExitCode {
    let settings = match Settings::from_args(args) {
        Ok(settings) => settings,
        Err(error) => return settings_error(&error),
    };
    match crate::app::run(&settings, startup::shutdown::signal()).await {
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

/// The secret comes on standard input, never as an argument: arguments end up in the shell's
/// history and the process list. `what` names it in messages, `command` is this subcommand.
fn print_hash(what: &str, command: &str, hash: impl Fn(&str) -> String) -> ExitCode {
    let stdin = std::io::stdin();
    let mut secret = String::new();
    let read = if stdin.is_terminal() {
        eprint!("The {what} to hash (then Enter): ");
        stdin.read_line(&mut secret)
    } else {
        stdin.lock().read_to_string(&mut secret)
    };
    if let Err(error) = read {
        eprintln!("error: could not read the {what} on standard input: {error}");
        return ExitCode::from(EXIT_SETTINGS);
    }
    let secret = secret.trim_end_matches(['\n', '\r']);
    if secret.is_empty() || secret.contains('\n') {
        let variable = what.to_uppercase();
        eprintln!("error: give one {what}, on one line, on standard input: printf %s \"${variable}\" | ingest-api {command}");
        return ExitCode::from(EXIT_SETTINGS);
    }
    println!("{}", hash(secret));
    ExitCode::SUCCESS
}
