use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand};

use super::*;
use crate::CommonArgs;

#[derive(Parser)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,
    #[command(subcommand)]
    command: Option<Sub>,
    #[command(flatten)]
    serve: Serve,
}

#[derive(Subcommand)]
enum Sub {
    Migrate(Serve),
}

#[derive(Args)]
struct Serve {
    #[arg(long, env = "DIS_METRICS_LISTEN", default_value = "127.0.0.1:9100")]
    metrics_listen: SocketAddr,
    #[arg(long, env = "DIS_WORKER_CONCURRENCY", default_value_t = 4)]
    worker_concurrency: usize,
    #[arg(long, env = "DIS_MYSQL_SSL_CA")]
    mysql_ssl_ca: Option<PathBuf>,
    /// The token
    #[arg(long, env = "DIS_API_TOKEN")]
    api_token: Option<String>,
}

/// A config file with `text` in a folder of its own.
fn config(name: &str, text: &str) -> PathBuf {
    let folder = std::env::temp_dir().join(format!("dis-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let path = folder.join("dis-sync.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn parse(args: &[&str]) -> Result<Parsed<Cli>, CliError> {
    parse_from::<Cli, _, _>(std::iter::once("bin").chain(args.iter().copied()))
}

fn settings_error(result: Result<Parsed<Cli>, CliError>) -> String {
    match result {
        Err(CliError::Settings(e)) => e.to_string(),
        Err(CliError::Clap(e)) => panic!("a clap error, not a settings error: {e}"),
        Ok(_) => panic!("parsed"),
    }
}

#[test]
fn a_file_value_replaces_the_built_in_default_and_a_flag_replaces_the_file() {
    let path = config(
        "layers",
        "worker_concurrency = 9\nmetrics_listen = \"0.0.0.0:9200\"\n",
    );
    let path = path.to_str().unwrap();
    let parsed = parse(&["--config", path]).unwrap();
    assert_eq!(parsed.cli.serve.worker_concurrency, 9);
    assert_eq!(parsed.cli.serve.metrics_listen.port(), 9200);
    let parsed = parse(&["--config", path, "--worker-concurrency", "2"]).unwrap();
    assert_eq!(parsed.cli.serve.worker_concurrency, 2);
    let parsed = parse(&["migrate", "--config", path]).unwrap();
    let Some(Sub::Migrate(migrate)) = parsed.cli.command else {
        panic!("not migrate");
    };
    assert_eq!(
        migrate.worker_concurrency, 9,
        "subcommands read the file too"
    );
}

#[test]
fn without_a_config_file_the_built_in_defaults_apply() {
    let parsed = parse(&[]).unwrap();
    assert!(parsed.config_file.is_none());
    assert_eq!(parsed.cli.serve.worker_concurrency, 4);
}

#[test]
fn a_relative_path_in_the_file_is_read_from_the_files_folder() {
    let path = config("paths", "mysql_ssl_ca = \"certs/ca.pem\"\n");
    let parsed = parse(&["--config", path.to_str().unwrap()]).unwrap();
    assert_eq!(
        parsed.cli.serve.mysql_ssl_ca.unwrap(),
        path.parent().unwrap().join("certs/ca.pem")
    );
    let parsed = parse(&["--mysql-ssl-ca", "certs/ca.pem"]).unwrap();
    assert_eq!(
        parsed.cli.serve.mysql_ssl_ca.unwrap(),
        PathBuf::from("certs/ca.pem"),
        "a path given as a flag is the working directory's, as any command's"
    );
}

#[test]
fn a_misspelt_key_is_refused_and_another_binarys_setting_is_skipped() {
    let path = config("typo", "worker_concurency = 9\n");
    let message = settings_error(parse(&["--config", path.to_str().unwrap()]));
    assert!(
        message.contains("`worker_concurency` is not a dis-sync setting"),
        "{message}"
    );
    let path = config("other", "listen = \"127.0.0.1:1\"\n[erp]\nhost = \"erp\"\n");
    assert!(parse(&["--config", path.to_str().unwrap()]).is_ok());
}

#[test]
fn a_bad_value_in_the_file_names_the_file_and_the_key() {
    let path = config("bad", "worker_concurrency = \"many\"\n");
    let message = settings_error(parse(&["--config", path.to_str().unwrap()]));
    assert!(message.contains(path.to_str().unwrap()), "{message}");
    assert!(message.contains("`worker_concurrency`"), "{message}");
    assert!(message.contains("\"many\""), "{message}");
}

#[test]
fn a_config_file_that_does_not_exist_is_an_error_naming_it() {
    let message = settings_error(parse(&["--config", "/nonexistent/dis-sync.toml"]));
    assert!(message.contains("/nonexistent/dis-sync.toml"), "{message}");
}

#[test]
fn secret_settings_show_their_variable_in_help_but_never_a_value() {
    let command = hide_secret_values(Cli::command());
    let arg = command
        .get_arguments()
        .find(|a| a.get_id() == "api_token")
        .unwrap();
    assert!(arg.is_hide_env_set(), "clap would print the value when set");
    let help = command.clone().render_long_help().to_string();
    assert_eq!(help.matches("[env: DIS_API_TOKEN=]").count(), 1, "{help}");
    assert!(help.contains("[env: DIS_WORKER_CONCURRENCY="), "{help}");
}
