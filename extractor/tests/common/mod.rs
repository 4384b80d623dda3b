//! Helpers shared by the tests that play the ingest API with wiremock.

// Each test binary compiles this module and uses only some of the helpers.
#![allow(dead_code)]

pub mod erp;
pub mod tds_proxy;

use std::time::Duration;

use extractor::{ApiClient, RetryPolicy, SyncOptions};
use records::api::{BatchReceipt, ErrorBody, ErrorCode, RunView};
use records::{Entity, RunMode, RunStatus};
use serde_json::{json, Value};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const TOKEN: &str = "test-token";

/// A client that retries quickly, so retry tests take milliseconds.
pub fn client(server: &MockServer, max_attempts: usize) -> ApiClient {
    ApiClient::new(server.uri(), TOKEN).with_retry(RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        request_timeout: Duration::from_secs(5),
    })
}

pub fn options(batch_size: usize) -> SyncOptions {
    SyncOptions {
        batch_size,
        concurrency: 2,
        progress: false,
        poll_interval: Duration::from_millis(5),
        wait_timeout: Some(Duration::from_secs(5)),
    }
}

/// A full influencers run that received 2,500 records in 3 batches, as the API shows it.
pub fn run_view(run_id: i64, status: RunStatus) -> RunView {
    let at = chrono::NaiveDate::from_ymd_opt(2026, 11, 27)
        .and_then(|d| d.and_hms_opt(4, 0, 0))
        .unwrap();
    RunView {
        run_id,
        entity: Entity::Influencers,
        mode: RunMode::Full,
        status,
        status_reason: None,
        declared_batches: Some(3),
        declared_records: Some(2500),
        received_batches: 3,
        received_records: 2500,
        accepted_records: 2500,
        rejected_records: 0,
        jobs_enqueued: 25,
        jobs_applied: 25,
        loaded_records: 2500,
        db_rejected_records: 0,
        new_records: Some(2000),
        changed_records: Some(100),
        unchanged_records: Some(400),
        sweep_approved: false,
        swept_rows: 0,
        created_at: at,
        updated_at: at,
        finished_at: None,
    }
}

/// [`run_view`] as the JSON the API sends.
pub fn run_json(run_id: i64, status: RunStatus) -> Value {
    serde_json::to_value(run_view(run_id, status)).unwrap()
}

pub fn error_json(code: ErrorCode, message: &str) -> Value {
    serde_json::to_value(ErrorBody::new(code, message)).unwrap()
}

/// `n` small records; their content does not matter to the protocol.
pub fn records(n: i64) -> impl Iterator<Item = Value> {
    (1..=n).map(|erp_id| json!({ "erp_id": erp_id, "name": format!("Influencer {erp_id}") }))
}

pub async fn mount_create(server: &MockServer, run_id: i64) {
    Mock::given(method("POST"))
        .and(path("/v1/runs"))
        .respond_with(ResponseTemplate::new(201).set_body_json(run_json(run_id, RunStatus::Open)))
        .mount(server)
        .await;
}

/// Every batch is accepted whole; the receipt counts the records the batch carried.
pub async fn mount_batches_accepted(server: &MockServer) {
    Mock::given(method("PUT"))
        .and(path_regex(r"^/v1/runs/\d+/batches/\d+$"))
        .respond_with(|request: &wiremock::Request| {
            let body: Value = request.body_json().unwrap();
            let count = body["records"].as_array().map_or(0, Vec::len);
            let mut segments = request.url.path().rsplit('/');
            let seq: u64 = segments.next().unwrap().parse().unwrap();
            let run_id: i64 = segments.nth(1).unwrap().parse().unwrap();
            let count = count as u64;
            ResponseTemplate::new(202).set_body_json(BatchReceipt {
                run_id,
                seq,
                records: count,
                accepted: count,
                rejected: 0,
                jobs: count.div_ceil(100),
                errors: Vec::new(),
            })
        })
        .mount(server)
        .await;
}

pub async fn mount_complete(server: &MockServer, run_id: i64) {
    Mock::given(method("POST"))
        .and(path(format!("/v1/runs/{run_id}/complete")))
        .respond_with(
            ResponseTemplate::new(202).set_body_json(run_json(run_id, RunStatus::Closing)),
        )
        .mount(server)
        .await;
}

pub async fn mount_abort(server: &MockServer, run_id: i64, expected: u64) {
    Mock::given(method("POST"))
        .and(path(format!("/v1/runs/{run_id}/abort")))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(run_json(run_id, RunStatus::Aborted)),
        )
        .expect(expected)
        .named("abort")
        .mount(server)
        .await;
}

/// The run reads `closing` `closing_reads` times, then `last` for ever.
pub async fn mount_status(server: &MockServer, run_id: i64, closing_reads: u64, last: RunStatus) {
    let run_path = format!("/v1/runs/{run_id}");
    if closing_reads > 0 {
        Mock::given(method("GET"))
            .and(path(run_path.clone()))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(run_json(run_id, RunStatus::Closing)),
            )
            .up_to_n_times(closing_reads)
            .with_priority(1)
            .mount(server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path(run_path))
        .respond_with(ResponseTemplate::new(200).set_body_json(run_json(run_id, last)))
        .mount(server)
        .await;
}
