//! Runs from the ERP against a wiremock API: what reaches the API, aborts on ERP errors, the
//! read-only gate before any connection, and the incremental watermark.

mod common;

use std::future::pending;
use std::time::Duration;

use common::erp::{
    config, influencer_columns, influencer_row, start_proxy, MockErp, PagedStatement, ProxyRules,
};
use common::{
    client, mount_abort, mount_batches_accepted, mount_complete, mount_create, mount_status,
    options,
};
use extractor::mssql::{
    parse_local, ErpSource, ErpSyncError, BEGINNING, INFLUENCERS_FULL, INFLUENCERS_INCREMENTAL,
};
use extractor::SyncError;
use mssql_mock_tds::{QueryResponse, TerminalError};
use records::{Entity, RunMode, RunStatus};
use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// An API that accepts everything and ends run 5 as `last`.
async fn api(last: RunStatus) -> MockServer {
    let server = MockServer::start().await;
    mount_create(&server, 5).await;
    mount_batches_accepted(&server).await;
    mount_complete(&server, 5).await;
    mount_status(&server, 5, 0, last).await;
    mount_abort(&server, 5, 0).await;
    server
}

async fn posted(server: &MockServer, suffix: &str) -> Vec<Value> {
    let requests = server.received_requests().await.unwrap();
    requests
        .iter()
        .filter(|r| r.url.path().ends_with(suffix) || r.url.path().contains(suffix))
        .map(|r| r.body_json().unwrap())
        .collect()
}

/// The mock ERP with 25 influencers behind a paging proxy, its clock at `now`.
async fn erp_with_influencers(now: &str) -> (MockErp, ProxyRules, std::net::SocketAddr) {
    let mock = MockErp::start().await;
    mock.set_clock(now).await;
    let table: Vec<_> = (1..=25).map(|n| (n, influencer_row(n))).collect();
    let rules = ProxyRules {
        paged: vec![
            PagedStatement::over(INFLUENCERS_FULL, influencer_columns(), table.clone()),
            PagedStatement::over(INFLUENCERS_INCREMENTAL, influencer_columns(), table),
        ],
        ..ProxyRules::default()
    };
    let addr = start_proxy(&mock, rules.clone()).await;
    (mock, rules, addr)
}

#[tokio::test]
async fn a_full_run_streams_every_page_into_batches_and_moves_the_watermark_on_completion() {
    let (_mock, _rules, addr) = erp_with_influencers("2026-11-27T01:00:00.1234567").await;
    let server = api(RunStatus::Completed).await;
    let erp = ErpSource::new(config(addr, 10, "full.json")).unwrap();

    let report = erp
        .sync(
            &client(&server, 2),
            Entity::Influencers,
            RunMode::Full,
            &options(8),
            pending(),
        )
        .await
        .unwrap();

    assert!(report.completed());
    assert_eq!((report.batches, report.records), (4, 25));
    let batches = posted(&server, "/batches/").await;
    let mut keys: Vec<i64> = batches
        .iter()
        .flat_map(|b| b["records"].as_array().unwrap().clone())
        .map(|r| r["erp_id"].as_i64().unwrap())
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, (1..=25).collect::<Vec<_>>());
    assert_eq!(
        batches[0]["records"][0]["source_updated_at"],
        "2026-11-27T00:00:00.0000000Z"
    );
    let declared = posted(&server, "/complete").await;
    assert_eq!(
        declared[0],
        serde_json::json!({ "batches": 4, "records": 25 })
    );
    assert_eq!(
        erp.watermarks().get(Entity::Influencers).unwrap(),
        Some(parse_local("2026-11-27T01:00:00.1234567").unwrap())
    );
}

#[tokio::test]
async fn incremental_runs_read_from_the_watermark_to_the_erp_clock_read_at_their_start() {
    let (mock, rules, addr) = erp_with_influencers("2026-11-27T01:00:00.0000001").await;
    let erp = ErpSource::new(config(addr, 10, "incremental.json")).unwrap();
    let sync = |server: MockServer| {
        let erp = erp.clone();
        async move {
            let client = client(&server, 2);
            erp.sync(
                &client,
                Entity::Influencers,
                RunMode::Incremental,
                &options(100),
                pending(),
            )
            .await
            .unwrap()
        }
    };

    assert!(sync(api(RunStatus::Completed).await).await.completed());
    mock.set_clock("2026-11-28T01:00:00.5000000").await;
    assert!(sync(api(RunStatus::Completed).await).await.completed());
    mock.set_clock("2026-11-29T01:00:00").await;
    assert!(!sync(api(RunStatus::Failed).await).await.completed());

    let windows: Vec<(String, String)> = rules
        .pages
        .lock()
        .unwrap()
        .iter()
        .filter(|p| p.after == i64::MIN)
        .map(|p| {
            p.window
                .clone()
                .expect("an incremental page carries its window")
        })
        .collect();
    let window = |from: &str, to: &str| (from.to_owned(), to.to_owned());
    assert_eq!(
        windows,
        [
            window(BEGINNING, "2026-11-27T01:00:00.0000001"),
            window("2026-11-27T01:00:00.0000001", "2026-11-28T01:00:00.5000000"),
            window("2026-11-28T01:00:00.5000000", "2026-11-29T01:00:00.0000000"),
        ]
    );
    // The failed run did not move it.
    assert_eq!(
        erp.watermarks().get(Entity::Influencers).unwrap(),
        Some(parse_local("2026-11-28T01:00:00.5").unwrap())
    );
}

#[tokio::test]
async fn an_erp_error_aborts_the_run_and_declares_no_end() {
    let mock = MockErp::start().await;
    mock.set_clock("2026-11-27T01:00:00").await;
    let error = TerminalError::new(208, 16, "Invalid object name 'DBO.INFLUENCERS'.");
    mock.register(INFLUENCERS_FULL, QueryResponse::error_only(error))
        .await;
    let server = MockServer::start().await;
    mount_create(&server, 5).await;
    mount_abort(&server, 5, 1).await;
    Mock::given(method("POST"))
        .and(path("/v1/runs/5/complete"))
        .respond_with(ResponseTemplate::new(202))
        .expect(0)
        .mount(&server)
        .await;
    let erp = ErpSource::new(config(mock.addr, 10, "erp-error.json")).unwrap();

    let outcome = erp
        .sync(
            &client(&server, 2),
            Entity::Influencers,
            RunMode::Full,
            &options(10),
            pending(),
        )
        .await;

    let Err(ErpSyncError::Sync(SyncError::Source {
        run_id: 5, source, ..
    })) = outcome
    else {
        panic!("expected the run to fail on the source: {outcome:?}");
    };
    assert!(source.to_string().contains("error 208"), "{source}");
    server.verify().await;
    assert_eq!(erp.watermarks().get(Entity::Influencers).unwrap(), None);
}

#[tokio::test]
async fn an_unreachable_erp_opens_no_run() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/runs"))
        .respond_with(ResponseTemplate::new(201))
        .expect(0)
        .mount(&server)
        .await;
    let erp = ErpSource::new(config(addr, 10, "no-erp.json")).unwrap();

    let outcome = erp
        .sync(
            &client(&server, 2),
            Entity::Contracts,
            RunMode::Full,
            &options(10),
            pending(),
        )
        .await;

    assert!(matches!(outcome, Err(ErpSyncError::Erp(_))), "{outcome:?}");
    server.verify().await;
}

#[tokio::test]
async fn a_statement_that_is_not_a_select_is_refused_before_any_connection() {
    let erp_port = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = erp_port.local_addr().unwrap();
    let refused = [
        ("INSERT INTO DBO.AUDIT (ID) SELECT TOP (@P1) ID FROM DBO.INFLUENCERS WHERE ID > @P2", "an INSERT"),
        ("UPDATE DBO.INFLUENCERS SET NAME = '' WHERE ID > @P2 AND 1 = @P1", "an UPDATE"),
        ("DELETE FROM DBO.INFLUENCERS WHERE ID > @P2 AND 1 = @P1", "a DELETE"),
        ("EXEC DBO.PURGE @P1, @P2", "an EXEC"),
        (
            "SELECT TOP (@P1) ID AS ERP_ID FROM DBO.INFLUENCERS WHERE ID > @P2 ORDER BY ID; DROP TABLE DBO.INFLUENCERS",
            "2 statements",
        ),
        (
            "SELECT TOP (@P1) ID AS ERP_ID INTO DBO.COPY FROM DBO.INFLUENCERS WHERE ID > @P2",
            "SELECT … INTO",
        ),
    ];
    for (statement, why) in refused {
        let mut settings = config(addr, 10, "refused.json");
        settings.influencers.full = statement.into();
        settings.influencers.incremental = INFLUENCERS_INCREMENTAL.replace("DBO.", "ERP.");

        let error = ErpSource::new(settings).unwrap_err().to_string();

        assert!(
            error.contains("influencers.full") && error.contains(why),
            "{statement}: {error}"
        );
    }
    let accepted = tokio::time::timeout(Duration::from_millis(200), erp_port.accept()).await;
    assert!(accepted.is_err(), "nothing may connect to the ERP");
}
