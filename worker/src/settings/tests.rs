use startup::cli::parse_from;

use super::*;

fn run_args(flags: &[&str]) -> RunArgs {
    let argv = std::iter::once("worker").chain(flags.iter().copied());
    let cli = parse_from::<Cli, _, _>(argv)
        .unwrap_or_else(|e| panic!("{e}"))
        .cli;
    match cli.command {
        Some(Command::Run(run)) => run,
        None => cli.run,
        Some(_) => panic!("not run"),
    }
}

#[test]
fn the_example_config_file_gives_the_worker_its_settings() {
    let example = startup::example::stage("worker");
    let settings = Settings::from_args(&run_args(&["--config", example.to_str().unwrap()]))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        settings.mysql.redacted_url(),
        "mysql://dis:***@127.0.0.1:3306/dis"
    );
    assert_eq!(settings.redis.address(), "127.0.0.1:6379");
    assert_eq!(
        (settings.concurrency, settings.job_attempts),
        (4, 5),
        "the defaults, where the example leaves them commented"
    );
    assert_eq!(settings.metrics_listen.port(), 9100);
}

#[test]
fn production_without_a_redis_url_is_refused_naming_the_variable() {
    let args = run_args(&["--mysql-url", "mysql://root@127.0.0.1:3306/dis"]);
    let error = Settings::from_args(&args).unwrap_err().to_string();
    assert!(
        error.starts_with("Redis is not configured: set DIS_REDIS_URL"),
        "{error}"
    );
}

#[test]
fn a_concurrency_of_zero_is_refused() {
    let argv = ["worker", "--worker-concurrency", "0"];
    assert!(parse_from::<Cli, _, _>(argv).is_err());
}
