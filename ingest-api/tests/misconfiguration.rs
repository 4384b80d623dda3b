//! The API started wrongly, as a new operator would: each mistake is answered by one message that
//! names what to fix (the service, its address, the setting), never a secret, and nothing is
//! written anywhere before the settings are known to be complete.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::child::Child;
use common::{pairs, redis_url, refusing_port, Scratch, BIN};

const LIMIT: Duration = Duration::from_mins(1);

async fn start(env: &[(&'static str, String)]) -> (Option<i32>, String) {
    let mut env = env.to_vec();
    env.push(("DIS_LOG_FORMAT", "text".into()));
    env.push(("DIS_LISTEN", "127.0.0.1:0".into()));
    Child::run(BIN, &[], &pairs(&env), LIMIT).await
}

#[tokio::test]
async fn an_unreachable_mysql_is_named_with_its_address_and_variable_and_no_password() {
    let refusing = refusing_port();
    let port = refusing.port;
    let env = [
        (
            "DIS_MYSQL_URL",
            format!("mysql://dis:s3cret@127.0.0.1:{port}/dis_x"),
        ),
        ("DIS_REDIS_URL", redis_url()),
    ];
    let (code, output) = start(&env).await;
    assert_eq!(code, Some(1), "{output}");
    let expected = format!(
        "error: could not reach MySQL at 127.0.0.1:{port} (DIS_MYSQL_URL): connection refused — is MySQL running there"
    );
    assert!(output.contains(&expected), "{output}");
    assert_eq!(
        output.to_lowercase().matches("connection refused").count(),
        1,
        "{output}"
    );
    assert!(!output.contains("s3cret"), "{output}");
}

#[tokio::test]
async fn an_unreachable_redis_is_named_before_anything_touches_mysql() {
    let scratch = Scratch::new("noredis");
    let refusing = refusing_port();
    let port = refusing.port;
    let env = [
        ("DIS_MYSQL_URL", scratch.mysql_url.clone()),
        ("DIS_REDIS_URL", format!("redis://:s3cret@127.0.0.1:{port}")),
    ];
    let (code, output) = start(&env).await;
    assert_eq!(code, Some(1), "{output}");
    let expected = format!(
        "error: could not reach Redis at 127.0.0.1:{port} (DIS_REDIS_URL): connection refused"
    );
    assert!(output.contains(&expected), "{output}");
    assert!(!output.contains("s3cret"), "{output}");
    assert!(
        !scratch.database_exists().await,
        "the MySQL database was created although Redis was wrong"
    );
}

#[tokio::test]
async fn production_without_a_mysql_url_refuses_to_start_and_names_the_variable() {
    let (code, output) = start(&[("DIS_REDIS_URL", redis_url())]).await;
    assert_eq!(code, Some(2), "{output}");
    assert!(
        output
            .contains("error: MySQL is not configured: set DIS_MYSQL_URL (or DIS_MYSQL_URL_FILE)"),
        "{output}"
    );
    assert!(output.contains("DIS_PROFILE=dev"), "{output}");
}

#[tokio::test]
async fn bad_api_keys_are_refused_naming_the_variable_and_showing_no_hash() {
    let hash = "ab".repeat(32);
    let env = [
        ("DIS_PROFILE", "dev".to_owned()),
        ("DIS_API_KEYS", format!("ci:admin:{hash}")),
    ];
    let (code, output) = start(&env).await;
    assert_eq!(code, Some(2), "{output}");
    assert!(
        output.contains(
            "error: DIS_API_KEYS: API key \"ci\" has scope \"admin\"; expected ingest or ops"
        ),
        "{output}"
    );
    assert!(!output.contains(&hash), "{output}");
}

#[tokio::test]
async fn a_secret_given_both_as_a_variable_and_as_a_file_is_refused_naming_both() {
    let env = [
        ("DIS_PROFILE", "dev".to_owned()),
        (
            "DIS_API_KEYS",
            String::new() + "ci:ingest:" + &"ab".repeat(32),
        ),
        ("DIS_API_KEYS_FILE", "/run/secrets/keys".to_owned()),
    ];
    let (code, output) = start(&env).await;
    assert_eq!(code, Some(2), "{output}");
    assert!(
        output.contains("both DIS_API_KEYS and DIS_API_KEYS_FILE are set"),
        "{output}"
    );
}

#[tokio::test]
async fn a_bad_value_in_a_variable_is_blamed_on_the_variable() {
    let env = [("DIS_LISTEN", "everywhere".to_owned())];
    let (code, output) = Child::run(BIN, &[], &pairs(&env), LIMIT).await;
    assert_eq!(code, Some(2), "{output}");
    assert!(
        output.contains("DIS_LISTEN: \"everywhere\" is not valid"),
        "{output}"
    );
}

/// The variables `--help` shows, as `[env: NAME=…]`.
fn variables(help: &str) -> BTreeSet<String> {
    help.split("[env: ")
        .skip(1)
        .filter_map(|rest| rest.split(['=', ']']).next())
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn help_lists_every_setting_the_api_reads_and_no_other_binarys() {
    let env = [("DIS_MYSQL_URL", "mysql://dis:s3cret@db:3306/dis")];
    let (code, help) = Child::run(BIN, &["--help"], &env, LIMIT).await;
    assert_eq!(code, Some(0), "{help}");
    let expected: BTreeSet<String> = [
        "DIS_CONFIG",
        "DIS_LOG_FORMAT",
        "RUST_LOG",
        "DIS_LISTEN",
        "DIS_METRICS_LISTEN",
        "DIS_API_KEYS",
        "DIS_API_KEYS_FILE",
        "DIS_MAX_BODY_BYTES",
        "DIS_OPS_USERS",
        "DIS_OPS_USERS_FILE",
        "DIS_OPS_COOKIE_SECURE",
        "DIS_OPS_SESSION_IDLE",
        "DIS_MYSQL_URL",
        "DIS_MYSQL_URL_FILE",
        "DIS_MYSQL_SSL_MODE",
        "DIS_MYSQL_SSL_CA",
        "DIS_REDIS_URL",
        "DIS_REDIS_URL_FILE",
        "DIS_QUEUE_NAMESPACE",
        "DIS_SWEEP_MAX_SHARE",
        "DIS_RUN_IDLE_LIMIT",
        "DIS_PROFILE",
        "DIS_MIGRATE",
        "DIS_SHUTDOWN_TIMEOUT",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(variables(&help), expected, "{help}");
    assert!(help.contains("[env: DIS_MYSQL_URL=]"), "{help}");
    assert!(!help.contains("s3cret"), "--help showed a secret:\n{help}");
    for variable in expected.iter().filter(|v| v.starts_with("DIS_")) {
        assert!(
            startup::known::is_setting(variable),
            "{variable} is missing from startup::known::SETTINGS"
        );
        assert!(
            documented(variable),
            "{variable} is not in the README's Configuration"
        );
    }
}

/// Runs `ingest-api {subcommand}` with `input` on standard input; its exit status and output.
fn hash_on_stdin(subcommand: &str, input: &[u8]) -> std::process::Output {
    use std::io::Write;
    let mut child = std::process::Command::new(BIN)
        .arg(subcommand)
        .env_clear()
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("the input is written");
    child.wait_with_output().expect("it ends")
}

#[tokio::test]
async fn hash_key_reads_the_token_on_standard_input() {
    let output = hash_on_stdin("hash-key", b"t0ken\n");
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        ingest_api::hash_token("t0ken")
    );
}

#[tokio::test]
async fn hash_password_prints_an_argon2_hash_the_dashboard_settings_accept() {
    let output = hash_on_stdin("hash-password", b"correct horse\n");
    assert!(output.status.success(), "{output:?}");
    let hash = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    let users = ingest_api::ops::config::parse_users(&format!("ana:{hash}")).expect("accepted");
    assert!(ingest_api::ops::password::verify_password(
        &users,
        "ana",
        "correct horse"
    ));
    let empty = hash_on_stdin("hash-password", b"");
    assert_eq!(empty.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&empty.stderr).contains("give one password"));
}

#[tokio::test]
async fn a_process_told_not_to_migrate_refuses_a_schema_behind_until_migrate_ran() {
    let scratch = Scratch::new("nomigrate");
    let mut env = scratch.env();
    let (code, output) = Child::run(BIN, &["migrate"], &pairs(&env), LIMIT).await;
    assert_eq!(code, Some(0), "{output}");
    store::drop_database(&scratch.mysql_url)
        .await
        .expect("dropped");
    sqlx_create(&scratch.database).await;
    env.push(("DIS_MIGRATE", "false".into()));
    let (code, output) = start(&env).await;
    assert_eq!(code, Some(1), "{output}");
    assert!(output.contains("run `ingest-api migrate`"), "{output}");
    let (code, output) = Child::run(BIN, &["migrate"], &pairs(&env), LIMIT).await;
    assert_eq!(code, Some(0), "{output}");
    let mut api = Child::spawn(BIN, &[], &pairs(&env));
    api.wait_for_line("ingest API listening", LIMIT).await;
    api.terminate();
    assert_eq!(api.exit_code(LIMIT).await, Some(0), "{}", api.output());
}

/// An empty database, as a DBA would create it for a deployment that never migrates on start.
async fn sqlx_create(database: &str) {
    use sqlx::{Connection, Executor};
    let mut server = sqlx::MySqlConnection::connect(&common::server_url())
        .await
        .expect("the test server answers");
    server
        .execute(format!("CREATE DATABASE `{database}`").as_str())
        .await
        .expect("created");
}

/// Whether the README's Configuration section documents `variable` (the ERP's by their suffix,
/// in its own table).
fn documented(variable: &str) -> bool {
    let readme = include_str!("../../README.md");
    match variable.strip_prefix("DIS_ERP_") {
        Some(name) => readme.contains(&format!("`{name}`")),
        None => readme.contains(&format!("`{variable}`")),
    }
}
