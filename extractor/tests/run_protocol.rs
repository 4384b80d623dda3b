//! The run protocol as the API sees it: the order of requests, their bodies, and aborts.

mod common;

use common::{
    client, error_json, mount_abort, mount_batches_accepted, mount_complete, mount_create,
    mount_status, options, records, run_json,
};
use extractor::{sync_entity, sync_entity_until, AbortOutcome, DemoDataset, DemoSize, SyncError};
use records::api::ErrorCode;
use records::{Entity, RunMode, RunStatus};
use serde_json::{json, Value};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// `METHOD /path` of every request the server received, in order.
async fn requests(server: &MockServer) -> Vec<(String, Request)> {
    let received = server.received_requests().await.unwrap();
    received
        .into_iter()
        .map(|r| (format!("{} {}", r.method, r.url.path()), r))
        .collect()
}

#[tokio::test]
async fn the_protocol_requests_come_in_order_create_batches_complete_then_polling() {
    let server = MockServer::start().await;
    mount_create(&server, 12).await;
    mount_batches_accepted(&server).await;
    mount_complete(&server, 12).await;
    mount_status(&server, 12, 2, RunStatus::Completed).await;
    mount_abort(&server, 12, 0).await;

    let client = client(&server, 2);
    let report = sync_entity(
        &client,
        Entity::Influencers,
        RunMode::Full,
        records(2500),
        &options(1000),
    )
    .await
    .unwrap();

    assert!(report.completed());
    assert_eq!(
        (report.run_id, report.batches, report.records, report.loaded),
        (12, 3, 2500, 2500)
    );
    let seen = requests(&server).await;
    let names: Vec<&str> = seen.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names[0], "POST /v1/runs");
    let mut batches: Vec<&str> = names[1..4].to_vec();
    batches.sort_unstable();
    assert_eq!(
        batches,
        [
            "PUT /v1/runs/12/batches/1",
            "PUT /v1/runs/12/batches/2",
            "PUT /v1/runs/12/batches/3"
        ]
    );
    assert_eq!(names[4], "POST /v1/runs/12/complete");
    assert_eq!(names[5..8], ["GET /v1/runs/12"; 3]);
    // Last, how the entity's previous run ended, for the report.
    assert_eq!(names[8..], ["GET /v1/runs"]);
    assert_eq!(seen[8].1.url.query(), Some("entity=influencers&limit=2"));
    assert_eq!(
        seen[0].1.body_json::<Value>().unwrap(),
        json!({ "entity": "influencers", "mode": "full" })
    );
    assert_eq!(
        seen[4].1.body_json::<Value>().unwrap(),
        json!({ "batches": 3, "records": 2500 })
    );
    let sent: usize = seen[1..4]
        .iter()
        .map(|(_, r)| {
            r.body_json::<Value>().unwrap()["records"]
                .as_array()
                .unwrap()
                .len()
        })
        .sum();
    assert_eq!(sent, 2500);
}

#[tokio::test]
async fn a_batch_that_keeps_failing_aborts_the_run_and_it_is_never_completed() {
    let server = MockServer::start().await;
    mount_create(&server, 4).await;
    Mock::given(method("PUT"))
        .and(path("/v1/runs/4/batches/2"))
        .respond_with(
            ResponseTemplate::new(503)
                .set_body_json(error_json(ErrorCode::Unavailable, "queue down")),
        )
        .with_priority(1)
        .mount(&server)
        .await;
    mount_batches_accepted(&server).await;
    Mock::given(method("POST"))
        .and(path("/v1/runs/4/complete"))
        .respond_with(ResponseTemplate::new(202))
        .expect(0)
        .mount(&server)
        .await;
    mount_abort(&server, 4, 1).await;

    let client = client(&server, 3);
    let error = sync_entity(
        &client,
        Entity::Contracts,
        RunMode::Full,
        records(30),
        &options(10),
    )
    .await
    .unwrap_err();

    assert!(
        matches!(
            error,
            SyncError::Batch {
                run_id: 4,
                seq: 2,
                abort: AbortOutcome::Aborted,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("aborted"), "{error}");
}

#[tokio::test]
async fn a_batch_refused_as_malformed_aborts_the_run_at_once() {
    let server = MockServer::start().await;
    mount_create(&server, 5).await;
    Mock::given(method("PUT"))
        .and(path("/v1/runs/5/batches/1"))
        .respond_with(
            ResponseTemplate::new(413)
                .set_body_json(error_json(ErrorCode::PayloadTooLarge, "at most 16 MiB")),
        )
        .expect(1)
        .mount(&server)
        .await;
    mount_abort(&server, 5, 1).await;

    let error = sync_entity(
        &client(&server, 6),
        Entity::Influencers,
        RunMode::Full,
        records(5),
        &options(10),
    )
    .await
    .unwrap_err();

    let SyncError::Batch { source, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(source.code(), Some(ErrorCode::PayloadTooLarge));
}

#[tokio::test]
async fn a_held_run_ends_the_wait_and_is_reported_as_held() {
    let server = MockServer::start().await;
    mount_create(&server, 8).await;
    mount_batches_accepted(&server).await;
    mount_complete(&server, 8).await;
    mount_status(&server, 8, 1, RunStatus::Held).await;

    let report = sync_entity(
        &client(&server, 2),
        Entity::Influencers,
        RunMode::Full,
        records(10),
        &options(1000),
    )
    .await
    .unwrap();

    assert!(report.held() && !report.completed());
    assert!(report.to_string().contains("approve"), "{report}");
}

#[tokio::test]
async fn a_stop_while_sending_aborts_the_run() {
    let server = MockServer::start().await;
    mount_create(&server, 6).await;
    mount_abort(&server, 6, 1).await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(202).set_delay(std::time::Duration::from_secs(30)))
        .mount(&server)
        .await;

    let stop = tokio::time::sleep(std::time::Duration::from_millis(100));
    let error = sync_entity_until(
        &client(&server, 1),
        Entity::Influencers,
        RunMode::Full,
        records(10),
        &options(5),
        stop,
    )
    .await
    .unwrap_err();

    assert!(
        matches!(
            error,
            SyncError::Interrupted {
                run_id: 6,
                abort: AbortOutcome::Aborted
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_empty_source_still_declares_its_end_with_zero_batches() {
    let server = MockServer::start().await;
    mount_create(&server, 3).await;
    mount_complete(&server, 3).await;
    mount_status(&server, 3, 0, RunStatus::Completed).await;

    let report = sync_entity(
        &client(&server, 1),
        Entity::Contracts,
        RunMode::Incremental,
        records(0),
        &options(100),
    )
    .await
    .unwrap();

    assert_eq!((report.batches, report.records), (0, 0));
    let seen = requests(&server).await;
    assert_eq!(
        seen[1].1.body_json::<Value>().unwrap(),
        json!({ "batches": 0, "records": 0 })
    );
}

#[tokio::test]
async fn demo_records_travel_as_canonical_json() {
    let server = MockServer::start().await;
    mount_create(&server, 2).await;
    mount_batches_accepted(&server).await;
    mount_complete(&server, 2).await;
    mount_status(&server, 2, 0, RunStatus::Completed).await;
    let demo = DemoDataset::new(
        DemoSize {
            influencers: 20,
            campaigns: 0,
            contracts: 0,
        },
        extractor::Day::One,
    );

    sync_entity(
        &client(&server, 1),
        Entity::Influencers,
        RunMode::Full,
        demo.influencers(),
        &options(50),
    )
    .await
    .unwrap();

    let seen = requests(&server).await;
    let body: Value = seen[1].1.body_json().unwrap();
    let first = &body["records"][0];
    assert_eq!(first["erp_id"], 1);
    assert!(first["source_updated_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(body["records"].as_array().unwrap().len(), 20);
}

#[tokio::test]
async fn the_report_says_how_the_entitys_previous_run_ended_when_it_did_not_complete() {
    let server = MockServer::start().await;
    mount_create(&server, 12).await;
    mount_batches_accepted(&server).await;
    mount_complete(&server, 12).await;
    mount_status(&server, 12, 0, RunStatus::Completed).await;
    let mut abandoned = run_json(11, RunStatus::Failed);
    abandoned["status_reason"] =
        json!("abandoned: no progress for 2h (last at 2026-11-27 03:10:00 UTC)");
    Mock::given(method("GET"))
        .and(path("/v1/runs"))
        .and(query_param("entity", "influencers"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([run_json(12, RunStatus::Completed), abandoned])),
        )
        .mount(&server)
        .await;

    let report = sync_entity(
        &client(&server, 1),
        Entity::Influencers,
        RunMode::Full,
        records(10),
        &options(100),
    )
    .await
    .unwrap();

    let note = report.previous_run.as_deref().unwrap_or_default();
    assert!(
        note.starts_with("run 11 of influencers ended failed: abandoned: no progress for 2h"),
        "{note}"
    );
    assert!(report.to_string().contains("before it: run 11"), "{report}");
}
