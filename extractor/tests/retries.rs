//! The retry rules of the API client: what is retried, what is not, and what the caller sees.

mod common;

use std::time::Duration;

use common::{client, error_json, mount_create, run_json, TOKEN};
use extractor::ApiError;
use records::api::{BatchReceipt, ErrorCode};
use records::{Entity, RunMode, RunStatus};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn receipt() -> BatchReceipt {
    BatchReceipt {
        run_id: 7,
        seq: 1,
        records: 2,
        accepted: 2,
        rejected: 0,
        jobs: 1,
        errors: Vec::new(),
    }
}

#[tokio::test]
async fn a_batch_refused_with_503_is_retried_until_accepted() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/v1/runs/7/batches/1"))
        .respond_with(
            ResponseTemplate::new(503)
                .set_body_json(error_json(ErrorCode::Unavailable, "queue down")),
        )
        .up_to_n_times(2)
        .with_priority(1)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/v1/runs/7/batches/1"))
        .and(body_json(
            json!({ "records": [{ "erp_id": 1 }, { "erp_id": 2 }] }),
        ))
        .respond_with(ResponseTemplate::new(202).set_body_json(receipt()))
        .expect(1)
        .mount(&server)
        .await;

    let records = [json!({ "erp_id": 1 }), json!({ "erp_id": 2 })];
    let receipt = client(&server, 6).put_batch(7, 1, &records).await.unwrap();

    assert_eq!((receipt.accepted, receipt.rejected), (2, 0));
}

#[tokio::test]
async fn a_run_refused_with_429_is_retried_and_opened() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/runs"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/runs"))
        .and(body_json(
            json!({ "entity": "influencers", "mode": "full" }),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(run_json(12, RunStatus::Open)))
        .expect(1)
        .mount(&server)
        .await;

    let run = client(&server, 6)
        .create_run(Entity::Influencers, RunMode::Full)
        .await
        .unwrap();

    assert_eq!((run.run_id, run.status), (12, RunStatus::Open));
}

#[tokio::test]
async fn a_batch_refused_with_400_is_not_retried_and_its_message_is_surfaced() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/v1/runs/7/batches/1"))
        .respond_with(ResponseTemplate::new(400).set_body_json(error_json(
            ErrorCode::BadRequest,
            "records must be an array",
        )))
        .expect(1)
        .mount(&server)
        .await;

    let error = client(&server, 6)
        .put_batch(7, 1, &[json!(1)])
        .await
        .unwrap_err();

    assert_eq!(error.status(), Some(400));
    assert_eq!(error.code(), Some(ErrorCode::BadRequest));
    assert_eq!(error.message(), Some("records must be an array"));
    assert!(
        error.to_string().contains("records must be an array"),
        "{error}"
    );
}

#[tokio::test]
async fn retries_stop_after_the_configured_number_of_attempts() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/runs/7"))
        .respond_with(ResponseTemplate::new(500).set_body_string("<html>oops</html>"))
        .expect(3)
        .mount(&server)
        .await;

    let error = client(&server, 3).get_run(7).await.unwrap_err();

    assert_eq!(error.status(), Some(500));
    assert!(error.message().unwrap().contains("oops"));
}

#[tokio::test]
async fn opening_a_run_is_not_retried_after_a_500_because_it_may_have_been_created() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/runs"))
        .respond_with(
            ResponseTemplate::new(500).set_body_json(error_json(ErrorCode::Internal, "boom")),
        )
        .expect(1)
        .mount(&server)
        .await;

    let error = client(&server, 6)
        .create_run(Entity::Contracts, RunMode::Incremental)
        .await
        .unwrap_err();

    assert_eq!(error.code(), Some(ErrorCode::Internal));
}

#[tokio::test]
async fn an_unreachable_api_is_retried_then_reported_as_a_transport_error() {
    // A port nothing listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = extractor::ApiClient::new(format!("http://127.0.0.1:{port}"), TOKEN).with_retry(
        extractor::RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
            request_timeout: Duration::from_secs(1),
        },
    );

    let error = client.get_run(1).await.unwrap_err();

    assert!(matches!(error, ApiError::Transport { .. }), "{error:?}");
}

#[tokio::test]
async fn every_request_carries_the_bearer_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/runs/5"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(run_json(5, RunStatus::Completed)))
        .expect(1)
        .mount(&server)
        .await;

    let run = client(&server, 1).get_run(5).await.unwrap();

    assert_eq!(run.status.as_str(), "completed");
}

#[tokio::test]
async fn completing_again_after_a_lost_answer_counts_as_completed() {
    let server = MockServer::start().await;
    mount_create(&server, 9).await;
    Mock::given(method("POST"))
        .and(path("/v1/runs/9/complete"))
        .respond_with(
            ResponseTemplate::new(409)
                .set_body_json(error_json(ErrorCode::RunNotOpen, "run 9 is closing")),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/runs/9"))
        .respond_with(ResponseTemplate::new(200).set_body_json(run_json(9, RunStatus::Closing)))
        .mount(&server)
        .await;

    let run = client(&server, 2).complete(9, 3, 2500).await.unwrap();

    assert_eq!(run.status.as_str(), "closing");
    assert!(
        client(&server, 2).complete(9, 4, 2500).await.is_err(),
        "other counts are a real conflict"
    );
}
