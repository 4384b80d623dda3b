//! `DIS_METRICS_LISTEN` on the API: a second listener serving `/metrics` and nothing else, for a
//! scraper that must not reach the API (Kubernetes' metrics port, which no Ingress routes).

mod common;

use std::time::Duration;

use serde_json::Value;

use common::child::Child;
use common::{pairs, Scratch, BIN};

const LIMIT: Duration = Duration::from_mins(1);

/// The address logged by the line containing `needle`.
async fn logged_address(api: &Child, needle: &str) -> String {
    let line = api.wait_for_line(needle, LIMIT).await;
    let logged: Value = serde_json::from_str(&line).expect("a JSON log line");
    logged["fields"]["address"]
        .as_str()
        .expect("the address is logged")
        .to_owned()
}

async fn status_of(url: &str) -> (u16, String) {
    let response = reqwest::get(url).await.expect("it answers");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

#[tokio::test]
async fn the_metrics_listener_serves_metrics_alone_and_the_api_serves_them_too() {
    let scratch = Scratch::new("metricslisten");
    let mut env = scratch.env();
    env.extend([
        ("DIS_LISTEN", "127.0.0.1:0".to_owned()),
        ("DIS_METRICS_LISTEN", "127.0.0.1:0".to_owned()),
        ("DIS_LOG_FORMAT", "json".to_owned()),
    ]);
    let mut api = Child::spawn(BIN, &[], &pairs(&env));
    let main = logged_address(&api, "ingest API listening").await;
    let metrics = logged_address(&api, "serving /metrics").await;
    assert_ne!(main, metrics);

    let (status, body) = status_of(&format!("http://{metrics}/metrics")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\ndis_api_ready 1\n"), "{body}");
    for elsewhere in ["/v1/runs", "/ops", "/healthz"] {
        let (status, _) = status_of(&format!("http://{metrics}{elsewhere}")).await;
        assert_eq!(status, 404, "{elsewhere} on the metrics listener");
    }
    let (status, body) = status_of(&format!("http://{main}/metrics")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("# HELP dis_runs "), "{body}");

    api.terminate();
    assert_eq!(api.exit_code(LIMIT).await, Some(0), "{}", api.output());
}
