//! SIGTERM while a batch is in flight: the API stops accepting, finishes the request, exits 0,
//! and the batch is filed and queued exactly once — as `docker stop` or a Kubernetes rollout does it.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use common::child::Child;
use common::{pairs, redis_url, Scratch, BIN};

const LIMIT: Duration = Duration::from_mins(1);
const TOKEN: &str = "shutdown-test-token";
const RECORDS: i64 = 2000;

fn influencers(count: i64) -> Vec<Value> {
    (1..=count)
        .map(|k| {
            json!({
                "erp_id": k, "name": format!("Pessoa {k}"), "handle": format!("@user{k}"),
                "email": format!("user{k}@example.com.br"), "phone": "+55 11 91234-5678",
                "platform": "instagram", "followers": 1000 + k, "document": "52998224725",
                "city": "São Paulo", "state": "SP", "status": "active",
                "source_updated_at": "2026-11-27T10:00:00.123456Z"
            })
        })
        .collect()
}

/// Starts the API on a free port; returns it with its address.
async fn start_api(env: &[(&'static str, String)]) -> (Child, SocketAddr) {
    let api = Child::spawn(BIN, &[], &pairs(env));
    let line = api.wait_for_line("ingest API listening", LIMIT).await;
    let logged: Value = serde_json::from_str(&line).expect("a JSON log line");
    let address = logged["fields"]["address"]
        .as_str()
        .expect("the address is logged")
        .parse()
        .expect("an address");
    (api, address)
}

fn api_env(scratch: &Scratch) -> Vec<(&'static str, String)> {
    let mut env = scratch.env();
    env.extend([
        ("DIS_LISTEN", "127.0.0.1:0".to_owned()),
        ("DIS_LOG_FORMAT", "json".to_owned()),
        ("DIS_SHUTDOWN_TIMEOUT", "20s".to_owned()),
        (
            "DIS_API_KEYS",
            format!("tests:ingest:{}", ingest_api::hash_token(TOKEN)),
        ),
    ]);
    env
}

async fn call(method: reqwest::Method, url: String, body: Option<&Value>) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .request(method, url)
        .bearer_auth(TOKEN);
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.expect("the API answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Jobs the namespace's apply queue holds (their payloads, whatever their state).
async fn queued_jobs(namespace: &str) -> i64 {
    let mut conn = queue::connect_redis(&redis_url())
        .await
        .expect("Redis answers");
    let payloads = queue::apply_batch_storage(conn.clone(), namespace)
        .get_config()
        .job_data_hash();
    redis::cmd("HLEN")
        .arg(payloads)
        .query_async(&mut conn)
        .await
        .expect("HLEN")
}

#[tokio::test]
async fn sigterm_mid_batch_finishes_the_request_exits_zero_and_loses_nothing() {
    let scratch = Scratch::new("sigterm");
    let env = api_env(&scratch);
    let (mut api, address) = start_api(&env).await;
    let healthz = format!("http://{address}/healthz");
    let (code, output) = Child::run(BIN, &["healthcheck", "--url", &healthz], &[], LIMIT).await;
    assert_eq!(code, Some(0), "healthcheck: {output}");
    let body = json!({ "entity": "influencers", "mode": "full" });
    let (status, run) = call(
        reqwest::Method::POST,
        format!("http://{address}/v1/runs"),
        Some(&body),
    )
    .await;
    assert_eq!(status, 201, "{run}");
    let run_id = run["run_id"].as_i64().expect("a run id");

    let batch = json!({ "records": influencers(RECORDS) }).to_string();
    let (first, rest) = batch.as_bytes().split_at(batch.len() / 2);
    let mut request = TcpStream::connect(address).await.expect("the API accepts");
    let head = format!(
        "PUT /v1/runs/{run_id}/batches/1 HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        batch.len()
    );
    request.write_all(head.as_bytes()).await.expect("sent");
    request.write_all(first).await.expect("sent");

    api.terminate();
    api.wait_for_line("stopping: no new connections", LIMIT)
        .await;
    refuses_new_connections(address).await;
    request
        .write_all(rest)
        .await
        .expect("the request in flight is still read");
    let mut answer = String::new();
    request
        .read_to_string(&mut answer)
        .await
        .expect("an answer");
    assert!(answer.starts_with("HTTP/1.1 202"), "{answer}");
    assert_eq!(api.exit_code(LIMIT).await, Some(0), "{}", api.output());

    let jobs = RECORDS / 100;
    assert_eq!(queued_jobs(&scratch.namespace).await, jobs);
    let (mut again, address) = start_api(&env).await;
    let url = format!("http://{address}/v1/runs/{run_id}");
    let (_, run) = call(reqwest::Method::GET, url, None).await;
    assert_eq!(
        (
            &run["received_batches"],
            &run["accepted_records"],
            &run["jobs_enqueued"]
        ),
        (&json!(1), &json!(RECORDS), &json!(jobs)),
        "{run}"
    );
    let retry: Value = serde_json::from_str(&batch).expect("JSON");
    let url = format!("http://{address}/v1/runs/{run_id}/batches/1");
    let (status, _) = call(reqwest::Method::PUT, url, Some(&retry)).await;
    assert_eq!(
        status, 202,
        "a client's retry of the same batch is answered the same"
    );
    assert_eq!(
        queued_jobs(&scratch.namespace).await,
        jobs,
        "and queues nothing twice"
    );
    again.terminate();
    assert_eq!(again.exit_code(LIMIT).await, Some(0), "{}", again.output());
}

/// A stopping API takes no new connection (polled: the listener closes right after the log line).
async fn refuses_new_connections(address: SocketAddr) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(address).await.is_ok() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the API still accepts connections after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
