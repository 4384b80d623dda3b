use startup::cli::parse_from;

use super::*;

fn serve_args(flags: &[&str]) -> ServeArgs {
    let argv = std::iter::once("ingest-api").chain(flags.iter().copied());
    let cli = parse_from::<Cli, _, _>(argv)
        .unwrap_or_else(|e| panic!("{e}"))
        .cli;
    match cli.command {
        Some(Command::Serve(serve)) => serve,
        None => cli.serve,
        Some(_) => panic!("not serve"),
    }
}

#[test]
fn the_example_config_file_gives_the_api_its_settings() {
    let example = startup::example::stage("ingest-api");
    let settings = Settings::from_args(&serve_args(&["--config", example.to_str().unwrap()]))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(settings.listen.to_string(), "127.0.0.1:4100");
    assert_eq!(
        settings.mysql.redacted_url(),
        "mysql://dis:***@127.0.0.1:3306/dis",
        "read from the secret file next to the config file"
    );
    assert_eq!(settings.redis.namespace, "dis");
    assert_eq!(settings.api_keys.describe(), "1 key(s): ci (ingest)");
    assert!(settings.migrate);
}

#[test]
fn production_without_a_mysql_url_is_refused_naming_the_variable() {
    let error = Settings::from_args(&serve_args(&["--redis-url", "redis://127.0.0.1:6379"]))
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("MySQL is not configured: set DIS_MYSQL_URL"),
        "{error}"
    );
}

#[test]
fn the_dev_profile_needs_neither_url() {
    let settings = Settings::from_args(&serve_args(&["--profile", "dev"])).unwrap();
    assert_eq!(settings.mysql.address(), "127.0.0.1:3306");
    assert_eq!(settings.redis.address(), "127.0.0.1:6379");
}

#[test]
fn bad_api_keys_are_refused_naming_the_variable_and_no_hash() {
    let hash = "ab".repeat(32);
    let keys = format!("ci:admin:{hash}");
    let error =
        Settings::from_args(&serve_args(&["--profile", "dev", "--api-keys", &keys])).unwrap_err();
    let message = error.to_string();
    assert!(message.starts_with("DIS_API_KEYS: "), "{message}");
    assert!(message.contains("\"admin\""), "{message}");
    assert!(!message.contains(&hash), "{message}");
}

#[test]
fn the_settings_in_the_logs_show_no_password_and_no_key_hash() {
    let hash = crate::hash_token("t");
    let keys = format!("ci:ingest:{hash}");
    let settings = Settings::from_args(&serve_args(&[
        "--mysql-url",
        "mysql://dis:s3cret@db:3306/dis",
        "--redis-url",
        "redis://:r3dis@cache:6379",
        "--api-keys",
        &keys,
    ]))
    .unwrap();
    let shown = format!("{settings:?}");
    for secret in ["s3cret", "r3dis", hash.as_str()] {
        assert!(!shown.contains(secret), "{shown}");
    }
    assert!(shown.contains("ci (ingest)"), "{shown}");
}

#[test]
fn migrate_can_be_switched_off_by_its_setting() {
    let args = serve_args(&["--profile", "dev", "--migrate", "false"]);
    assert!(!Settings::from_args(&args).unwrap().migrate);
}

#[test]
fn the_dashboard_settings_are_read_and_the_logs_show_operators_by_name_only() {
    let hash =
        "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$3rPrkMCnPoQ3G3CwGd1iMp7vVyUcDmIjrQKG0z1tvno";
    let users = format!("ana:{hash} bruno:{hash}");
    let settings = Settings::from_args(&serve_args(&[
        "--profile",
        "dev",
        "--ops-users",
        &users,
        "--ops-cookie-secure",
        "true",
        "--ops-session-idle",
        "30m",
    ]))
    .unwrap();
    assert_eq!(settings.ops.users.len(), 2);
    assert!(settings.ops.cookie_secure);
    assert_eq!(settings.ops.session_idle, Duration::from_mins(30));
    let shown = format!("{settings:?}");
    assert!(shown.contains("[ana, bruno]"), "{shown}");
    assert!(!shown.contains("argon2id"), "{shown}");
}

#[test]
fn a_dashboard_user_without_a_password_hash_is_refused_naming_the_variable() {
    let args = serve_args(&["--profile", "dev", "--ops-users", "ana:hunter2"]);
    let message = Settings::from_args(&args).unwrap_err().to_string();
    assert!(message.starts_with("DIS_OPS_USERS: "), "{message}");
    assert!(message.contains("ingest-api hash-password"), "{message}");
}
