//! The run protocol against the real API, workers, MariaDB and Redis.

use std::time::Duration;

use e2e::{contract, influencer, TestApp, INGEST_TOKEN};
use records::api::{ErrorCode, RejectionStage};
use records::{Entity, RunMode, RunStatus};
use reqwest::Method;
use serde_json::json;

const WAIT: Duration = Duration::from_mins(1);

#[tokio::test]
async fn a_batch_with_invalid_records_loads_the_valid_ones_and_stores_the_invalid_ones_with_their_reasons(
) {
    let app = TestApp::spawn().await;
    let run_id = app
        .create_run(Entity::Influencers, RunMode::Incremental)
        .await
        .run_id;
    let mut bad_document = influencer(2, "Bia", "2026-11-27T10:00:00Z");
    bad_document["document"] = json!("52998224724");
    let records = vec![
        influencer(1, "Ana Júlia", "2026-11-27T10:00:00Z"),
        bad_document,
        json!({"erp_id": 3, "colour": "blue"}),
        influencer(4, "Caio", "2026-11-27T10:00:00Z"),
    ];
    let receipt = app.put_batch(run_id, 1, &records).await.unwrap();
    assert_eq!((receipt.accepted, receipt.rejected), (2, 2));
    assert_eq!(receipt.errors[0].index, 1);
    assert_eq!(receipt.errors[0].problems.items()[0].field, "document");
    assert!(receipt.errors[1].problems.to_string().contains("colour"));

    app.complete(run_id, 1, 4).await.unwrap();
    let run = app
        .wait_for_status(run_id, &[RunStatus::Completed], WAIT)
        .await;
    assert_eq!((run.rejected_records, run.loaded_records), (2, 2));
    assert_eq!(app.keys(Entity::Influencers).await, vec![1, 4]);
    let rejected = app.rejected(run_id).await;
    assert_eq!(rejected.len(), 2);
    assert_eq!(rejected[0].erp_id, Some(2));
    assert_eq!(rejected[0].stage, RejectionStage::Validation);
    assert!(
        rejected[0].problems.to_string().contains("CPF"),
        "{rejected:?}"
    );
    assert_eq!(rejected[0].payload["name"], "Bia");
    assert_eq!(rejected[1].erp_id, Some(3));
}

#[tokio::test]
async fn the_same_batch_sent_twice_answers_the_same_and_a_different_body_under_its_number_gets_409()
{
    let app = TestApp::spawn_without_workers().await;
    let run_id = app
        .create_run(Entity::Contracts, RunMode::Incremental)
        .await
        .run_id;
    let records = vec![contract(10, 1, "1234.50"), contract(11, 1, "99.99")];
    let first = app.put_batch(run_id, 1, &records).await.unwrap();
    let second = app.put_batch(run_id, 1, &records).await.unwrap();
    assert_eq!(first, second);
    let conflict = app.put_batch(run_id, 1, &records[..1]).await.unwrap_err();
    assert_eq!(
        (conflict.status, conflict.code()),
        (409, ErrorCode::BatchConflict)
    );
    let run = app.run(run_id).await;
    assert_eq!((run.received_batches, run.received_records), (1, 2));
}

#[tokio::test]
async fn a_second_open_full_run_of_an_entity_is_refused_while_the_first_is_open() {
    let app = TestApp::spawn_without_workers().await;
    let first = app
        .create_run(Entity::Influencers, RunMode::Full)
        .await
        .run_id;
    let refused = app
        .try_create_run(Entity::Influencers, RunMode::Full)
        .await
        .unwrap_err();
    assert_eq!(
        (refused.status, refused.code()),
        (409, ErrorCode::FullRunOpen)
    );
    assert!(
        refused.message().contains(&format!("run {first}")),
        "{refused:?}"
    );
    let aborted = app.abort(first).await.unwrap();
    assert_eq!(aborted.status, RunStatus::Aborted);
    app.create_run(Entity::Influencers, RunMode::Full).await;
    app.create_run(Entity::Contracts, RunMode::Full).await;
}

#[tokio::test]
async fn malformed_requests_get_json_errors_that_say_what_is_wrong() {
    let app = TestApp::spawn_without_workers().await;
    let (status, body) = app
        .call(
            Method::POST,
            "/v1/runs",
            Some(INGEST_TOKEN),
            Some(&json!({"entity": "pets", "mode": "full"})),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("pets"),
        "{body}"
    );
    let run_id = app
        .create_run(Entity::Influencers, RunMode::Incremental)
        .await
        .run_id;
    let (status, body) = app
        .call(
            Method::PUT,
            &format!("/v1/runs/{run_id}/batches/1"),
            Some(INGEST_TOKEN),
            Some(&json!([1, 2])),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("records"));
    let (status, body) = app
        .call(Method::GET, "/v1/runs/999999", Some(INGEST_TOKEN), None)
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    let (status, _) = app.call(Method::GET, "/nowhere", None, None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413_naming_the_limit_and_its_setting() {
    let mut settings = e2e::test_settings();
    settings.max_body_bytes = 1024;
    let app = TestApp::spawn_with(settings, false).await;
    let run_id = app
        .create_run(Entity::Influencers, RunMode::Incremental)
        .await
        .run_id;
    let records: Vec<_> = (1..50)
        .map(|i| influencer(i, "Ana", "2026-11-27T10:00:00Z"))
        .collect();
    let refused = app.put_batch(run_id, 1, &records).await.unwrap_err();
    assert_eq!(
        (refused.status, refused.code()),
        (413, ErrorCode::PayloadTooLarge)
    );
    assert!(
        refused.message().contains("1024 bytes")
            && refused.message().contains("DIS_MAX_BODY_BYTES"),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_run_shows_how_many_of_its_records_were_new_changed_and_unchanged() {
    let app = TestApp::spawn().await;
    let day_one = e2e::influencers(1..=10, "2026-11-27T10:00:00Z");
    let first = app
        .full_run(Entity::Influencers, std::slice::from_ref(&day_one))
        .await;
    assert_eq!(
        (
            first.new_records,
            first.changed_records,
            first.unchanged_records
        ),
        (Some(10), Some(0), Some(0)),
        "{first:?}"
    );
    // The next day: 1..=3 changed in the ERP, 4..=8 as they were (9 and 10 sent again with an
    // edit but the same timestamp, which is no change), 11..=12 new.
    let mut next_day = e2e::influencers(1..=3, "2026-11-28T10:00:00Z");
    next_day.extend(day_one[3..8].iter().cloned());
    for key in 9..=10 {
        next_day.push(influencer(
            key,
            "Edited Without A New Timestamp",
            "2026-11-27T10:00:00Z",
        ));
    }
    next_day.extend(e2e::influencers(11..=12, "2026-11-28T10:00:00Z"));
    let second = app.full_run(Entity::Influencers, &[next_day]).await;
    assert_eq!(second.status, RunStatus::Completed, "{second:?}");
    assert_eq!(
        (
            second.new_records,
            second.changed_records,
            second.unchanged_records
        ),
        (Some(2), Some(3), Some(7)),
        "{second:?}"
    );
}
