//! The run protocol against the real API, workers, MariaDB and Redis.

use std::time::Duration;

use e2e::{contract, influencer, TestApp, INGEST_TOKEN, OPS_TOKEN};
use reqwest::Method;
use serde_json::json;

const WAIT: Duration = Duration::from_mins(1);

#[tokio::test]
async fn a_missing_or_wrong_token_gets_401_and_a_token_of_the_wrong_scope_gets_403() {
    let app = TestApp::spawn_without_workers().await;
    let body = json!({"entity": "influencers", "mode": "full"});
    let (status, missing) = app.call(Method::POST, "/v1/runs", None, Some(&body)).await;
    assert_eq!(status, 401);
    assert_eq!(missing["error"]["code"], "unauthorized");
    let (status, _) = app
        .call(Method::POST, "/v1/runs", Some("not-a-key"), Some(&body))
        .await;
    assert_eq!(status, 401);
    let (status, wrong_scope) = app
        .call(Method::POST, "/v1/runs", Some(OPS_TOKEN), Some(&body))
        .await;
    assert_eq!(status, 403, "{wrong_scope}");
    assert!(wrong_scope["error"]["message"]
        .as_str()
        .unwrap()
        .contains("ingest"));
    let (status, _) = app
        .call(Method::GET, "/v1/dead-letters", Some(INGEST_TOKEN), None)
        .await;
    assert_eq!(status, 403);
    let (status, _) = app
        .call(Method::GET, "/v1/dead-letters", Some(OPS_TOKEN), None)
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_batch_with_invalid_records_loads_the_valid_ones_and_stores_the_invalid_ones_with_their_reasons(
) {
    let app = TestApp::spawn().await;
    let run_id = app.create_run("influencers", "incremental").await;
    let mut bad_document = influencer(2, "Bia", "2026-11-27T10:00:00Z");
    bad_document["document"] = json!("52998224724");
    let records = vec![
        influencer(1, "Ana Júlia", "2026-11-27T10:00:00Z"),
        bad_document,
        json!({"erp_id": 3, "colour": "blue"}),
        influencer(4, "Caio", "2026-11-27T10:00:00Z"),
    ];
    let (status, receipt) = app.put_batch(run_id, 1, &records).await;
    assert_eq!(status, 202, "{receipt}");
    assert_eq!(
        (receipt["accepted"].as_i64(), receipt["rejected"].as_i64()),
        (Some(2), Some(2))
    );
    assert_eq!(receipt["errors"][0]["index"], 1);
    assert_eq!(receipt["errors"][0]["problems"][0]["field"], "document");
    assert!(receipt["errors"][1]["problems"]
        .to_string()
        .contains("colour"));

    let (status, _) = app.complete(run_id, 1, 4).await;
    assert_eq!(status, 202);
    let run = app.wait_for_status(run_id, &["completed"], WAIT).await;
    assert_eq!(run["rejected_records"], 2);
    assert_eq!(run["loaded_records"], 2);
    let keys: Vec<i64> = sqlx::query_scalar("SELECT erp_id FROM influencers ORDER BY erp_id")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(keys, vec![1, 4]);
    let stored: Vec<(Option<i64>, String)> = sqlx::query_as(
        "SELECT erp_id, problems FROM rejected_records WHERE run_id = ? ORDER BY record_index",
    )
    .bind(run_id)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0].0, Some(2));
    assert!(stored[0].1.contains("CPF"), "{}", stored[0].1);
    assert_eq!(stored[1].0, Some(3));
    let (_, listed) = app
        .call(
            Method::GET,
            &format!("/v1/runs/{run_id}/rejected"),
            Some(OPS_TOKEN),
            None,
        )
        .await;
    assert_eq!(listed.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_same_batch_sent_twice_answers_the_same_and_a_different_body_under_its_number_gets_409()
{
    let app = TestApp::spawn_without_workers().await;
    let run_id = app.create_run("contracts", "incremental").await;
    let records = vec![contract(10, 1, "1234.50"), contract(11, 1, "99.99")];
    let (first_status, first) = app.put_batch(run_id, 1, &records).await;
    let (second_status, second) = app.put_batch(run_id, 1, &records).await;
    assert_eq!((first_status, second_status), (202, 202));
    assert_eq!(first, second);
    let (status, conflict) = app.put_batch(run_id, 1, &records[..1]).await;
    assert_eq!(status, 409);
    assert_eq!(conflict["error"]["code"], "batch_conflict");
    let run = app.run(run_id).await;
    assert_eq!(
        (
            run["received_batches"].as_i64(),
            run["received_records"].as_i64()
        ),
        (Some(1), Some(2))
    );
}

#[tokio::test]
async fn a_second_open_full_run_of_an_entity_is_refused_while_the_first_is_open() {
    let app = TestApp::spawn_without_workers().await;
    let first = app.create_run("influencers", "full").await;
    let (status, body) = app
        .call(
            Method::POST,
            "/v1/runs",
            Some(INGEST_TOKEN),
            Some(&json!({"entity": "influencers", "mode": "full"})),
        )
        .await;
    assert_eq!(status, 409);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains(&format!("run {first}")));
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/v1/runs/{first}/abort"),
            Some(INGEST_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, 200);
    app.create_run("influencers", "full").await;
    app.create_run("contracts", "full").await;
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
    let run_id = app.create_run("influencers", "incremental").await;
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
async fn a_body_over_the_limit_is_refused_with_413() {
    let mut settings = e2e::test_settings();
    settings.max_body_bytes = 1024;
    let app = TestApp::spawn_with(settings, false).await;
    let run_id = app.create_run("influencers", "incremental").await;
    let records: Vec<_> = (1..50)
        .map(|i| influencer(i, "Ana", "2026-11-27T10:00:00Z"))
        .collect();
    let (status, body) = app.put_batch(run_id, 1, &records).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error"]["code"], "payload_too_large");
}
