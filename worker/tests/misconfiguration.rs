//! The worker started wrongly: each mistake is answered by one message naming what to fix, and
//! nothing is written to MySQL before Redis is known to answer.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::child::Child;
use common::{pairs, refusing_port, Scratch, BIN};

const LIMIT: Duration = Duration::from_mins(1);

#[tokio::test]
async fn a_wrong_redis_url_names_redis_once_and_creates_no_database() {
    let scratch = Scratch::new("wnoredis");
    let refusing = refusing_port();
    let port = refusing.port;
    let env = [
        ("DIS_MYSQL_URL", scratch.mysql_url.clone()),
        ("DIS_REDIS_URL", format!("redis://127.0.0.1:{port}")),
        ("DIS_METRICS_LISTEN", "127.0.0.1:0".to_owned()),
        ("DIS_LOG_FORMAT", "text".to_owned()),
    ];
    let (code, output) = Child::run(BIN, &[], &pairs(&env), LIMIT).await;
    assert_eq!(code, Some(1), "{output}");
    let expected = format!(
        "error: could not reach Redis at 127.0.0.1:{port} (DIS_REDIS_URL): connection refused"
    );
    assert!(output.contains(&expected), "{output}");
    assert_eq!(
        output.to_lowercase().matches("connection refused").count(),
        1,
        "{output}"
    );
    assert!(
        !scratch.database_exists().await,
        "a database was created: {output}"
    );
}

#[tokio::test]
async fn production_without_urls_refuses_to_start_and_names_the_variable() {
    let (code, output) = Child::run(BIN, &[], &[("DIS_LOG_FORMAT", "text")], LIMIT).await;
    assert_eq!(code, Some(2), "{output}");
    assert!(output.contains("set DIS_MYSQL_URL"), "{output}");
}

#[tokio::test]
async fn the_healthcheck_of_a_worker_that_does_not_answer_fails_naming_the_url() {
    let refusing = refusing_port();
    let url = format!("http://127.0.0.1:{}/healthz", refusing.port);
    let (code, output) = Child::run(BIN, &["healthcheck", "--url", &url], &[], LIMIT).await;
    assert_eq!(code, Some(1), "{output}");
    assert!(output.contains(&url), "{output}");
}

#[tokio::test]
async fn help_lists_every_setting_the_worker_reads_and_no_other_binarys() {
    let (code, help) = Child::run(BIN, &["--help"], &[], LIMIT).await;
    assert_eq!(code, Some(0), "{help}");
    let shown: BTreeSet<&str> = help
        .split("[env: ")
        .skip(1)
        .filter_map(|rest| rest.split(['=', ']']).next())
        .collect();
    let expected: BTreeSet<&str> = [
        "DIS_CONFIG",
        "DIS_LOG_FORMAT",
        "RUST_LOG",
        "DIS_METRICS_LISTEN",
        "DIS_WORKER_CONCURRENCY",
        "DIS_JOBS_PER_TRANSACTION",
        "DIS_JOB_ATTEMPTS",
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
    .collect();
    assert_eq!(shown, expected, "{help}");
    for variable in expected.iter().filter(|v| v.starts_with("DIS_")) {
        assert!(
            startup::known::is_setting(variable),
            "{variable} is not in startup::known"
        );
        assert!(
            documented(variable),
            "{variable} is not in the README's Configuration"
        );
    }
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
