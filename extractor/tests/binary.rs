//! The `extractor` binary as cron runs it: settings checked before anything is sent, `--help`
//! naming every setting, and SIGTERM aborting a scheduled run in flight before a clean exit.

#[allow(dead_code)] // this file uses part of it
#[path = "../../tests/src/child.rs"]
mod child;
mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use child::Child;
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

const BIN: &str = env!("CARGO_BIN_EXE_extractor");
const LIMIT: Duration = Duration::from_mins(1);

#[tokio::test]
async fn without_a_token_nothing_is_sent_and_the_variable_is_named() {
    let server = MockServer::start().await;
    Mock::given(path_regex(".*"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let uri = server.uri();
    let args = [
        "run",
        "--source",
        "demo",
        "--entity",
        "influencers",
        "--api-url",
        &uri,
    ];
    let (code, output) = Child::run(BIN, &args, &[], LIMIT).await;
    assert_eq!(code, Some(2), "{output}");
    assert!(
        output.contains(
            "error: the API token is not configured: set DIS_API_TOKEN (or DIS_API_TOKEN_FILE)"
        ),
        "{output}"
    );
}

#[tokio::test]
async fn demo_only_flags_are_refused_with_the_erp_source() {
    let args = [
        "run", "--source", "mssql", "--entity", "all", "--day", "next",
    ];
    let (code, output) = Child::run(BIN, &args, &[("DIS_API_TOKEN", "t")], LIMIT).await;
    assert_eq!(code, Some(2), "{output}");
    assert!(
        output.contains("they mean nothing with --source mssql"),
        "{output}"
    );
}

#[tokio::test]
async fn run_help_names_every_setting_the_extractor_reads_and_groups_the_demo_ones() {
    let (code, help) = Child::run(
        BIN,
        &["run", "--help"],
        &[("DIS_API_TOKEN", "s3cret")],
        LIMIT,
    )
    .await;
    assert_eq!(code, Some(0), "{help}");
    assert!(
        help.contains("Demo source (only with --source demo):"),
        "{help}"
    );
    assert!(help.contains("ERP (only with --source mssql):"), "{help}");
    assert!(!help.contains("s3cret"), "--help showed a secret:\n{help}");
    let shown: BTreeSet<&str> = help
        .split("[env: ")
        .skip(1)
        .filter_map(|rest| rest.split(['=', ']']).next())
        .collect();
    for variable in [
        "DIS_API_URL",
        "DIS_API_TOKEN",
        "DIS_API_TOKEN_FILE",
        "DIS_ERP_HOST",
        "DIS_ERP_PASSWORD_FILE",
        "DIS_ERP_WATERMARKS_PATH",
        "DIS_CONFIG",
        "DIS_LOG_FORMAT",
    ] {
        assert!(shown.contains(variable), "{variable} missing from:\n{help}");
    }
    for variable in shown.iter().filter(|v| v.starts_with("DIS_")) {
        assert!(
            startup::known::is_setting(variable),
            "{variable} is not in startup::known"
        );
        assert!(
            documented(variable),
            "{variable} is not in the README's Configuration"
        );
    }
    assert!(!shown.contains("DIS_MYSQL_URL"), "another binary's setting");
}

#[tokio::test]
async fn sigterm_aborts_the_scheduled_run_in_flight_and_exits_zero() {
    let server = MockServer::start().await;
    common::mount_create(&server, 7).await;
    Mock::given(method("PUT"))
        .and(path_regex(r"^/v1/runs/7/batches/\d+$"))
        .respond_with(
            ResponseTemplate::new(202)
                .set_body_json(serde_json::json!({ "seq": 1, "accepted": 1000, "rejected": 0, "jobs": 10, "errors": [] }))
                .set_delay(Duration::from_millis(200)),
        )
        .mount(&server)
        .await;
    common::mount_abort(&server, 7, 1).await;
    let uri = server.uri();
    let args = [
        "schedule",
        "--cron",
        "* * * * * *",
        "--source",
        "demo",
        "--entity",
        "influencers",
        "--influencers",
        "50000",
        "--concurrency",
        "1",
        "--no-progress",
        "--api-url",
        &uri,
    ];
    let env = [("DIS_API_TOKEN", common::TOKEN), ("DIS_LOG_FORMAT", "text")];
    let mut scheduler = Child::spawn(BIN, &args, &env);
    wait_for_a_batch(&server).await;
    scheduler.terminate();
    assert_eq!(
        scheduler.exit_code(LIMIT).await,
        Some(0),
        "{}",
        scheduler.output()
    );
    let requests = server.received_requests().await.unwrap_or_default();
    let created = requests
        .iter()
        .filter(|r| r.method.as_str() == "POST" && r.url.path() == "/v1/runs")
        .count();
    assert_eq!(created, 1, "one run at a time, and none after the stop");
    // mount_abort expects exactly one abort: verified when the server drops.
}

async fn wait_for_a_batch(server: &MockServer) {
    let deadline = tokio::time::Instant::now() + LIMIT;
    loop {
        let requests = server.received_requests().await.unwrap_or_default();
        if requests.iter().any(|r| r.method.as_str() == "PUT") {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "no batch was sent");
        tokio::time::sleep(Duration::from_millis(20)).await;
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
