//! `extractor check`: what it finds on a mock ERP and a wiremock API, and what it says when a
//! statement fails or the token is refused.

mod common;

use common::erp::{config, influencer_columns, influencer_row, MockErp};
use common::error_json;
use extractor::cli::check_api;
use extractor::mssql::{check_erp, ErpSource, CONTRACTS_FULL, INFLUENCERS_FULL};
use mssql_mock_tds::{QueryResponse, TerminalError};
use records::api::ErrorCode;
use records::Entity;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn check_reports_the_erp_clock_and_what_each_statement_returns_or_why_it_failed() {
    let mock = MockErp::start().await;
    mock.set_clock("2026-11-27T01:00:00.1234567").await;
    let rows = vec![influencer_row(1), influencer_row(2)];
    mock.register(
        INFLUENCERS_FULL,
        QueryResponse::new(influencer_columns(), rows),
    )
    .await;
    let missing = TerminalError::new(208, 16, "Invalid object name 'DBO.CONTRACTS'.");
    mock.register(CONTRACTS_FULL, QueryResponse::error_only(missing))
        .await;
    let erp = ErpSource::new(config(mock.addr, 100, "check.json")).unwrap();

    let findings = check_erp(&erp).await;

    let lines: Vec<String> = findings.iter().map(ToString::to_string).collect();
    let subjects: Vec<&str> = findings.iter().map(|f| f.subject.as_str()).collect();
    let statements = Entity::ALL
        .iter()
        .flat_map(|e| [format!("{e}.full"), format!("{e}.incremental")]);
    let expected: Vec<String> = std::iter::once("ERP clock".to_owned())
        .chain(statements)
        .collect();
    assert_eq!(subjects[1..], expected, "{lines:#?}");
    let line = |subject: &str| lines[subjects.iter().position(|s| *s == subject).unwrap()].clone();
    assert!(lines[0].starts_with("ok    ERP 127.0.0.1:"), "{}", lines[0]);
    assert!(
        lines[1].contains("= 2026-11-27T04:00:00.1234567Z"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].contains("2 rows, keys [1, 2]; first: {\"erp_id\":1"),
        "{}",
        lines[2]
    );
    assert!(
        lines[3].contains("0 rows (changed since 1753-01-01"),
        "{}",
        lines[3]
    );
    let contracts = line("contracts.full");
    assert!(
        contracts.starts_with("FAIL") && contracts.contains("error 208"),
        "{contracts}"
    );
}

#[tokio::test]
async fn check_says_when_the_api_is_ready_but_refuses_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/readyz"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"status": "ok"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/runs"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(error_json(ErrorCode::Unauthorized, "unknown key")),
        )
        .mount(&server)
        .await;

    let findings = check_api(&server.uri(), "wrong-token").await;

    assert!(findings[0].ok(), "{}", findings[0]);
    assert!(!findings[1].ok());
    assert!(findings[1].to_string().contains("401"), "{}", findings[1]);
}
