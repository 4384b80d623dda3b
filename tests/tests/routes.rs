//! Every route of the API with the scopes it admits: a route without a scope check cannot reach
//! the state (see ingest_api::auth), and this test pins which scope each one takes.

use std::collections::BTreeSet;

use e2e::{TestApp, INGEST_TOKEN, OPS_TOKEN};
use reqwest::Method;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Admits {
    Ingest,
    Ops,
    IngestOrOps,
    AnyKey,
    Everyone,
}

const ROUTES: &[(&str, &str, Admits)] = &[
    ("POST", "/v1/runs", Admits::Ingest),
    ("GET", "/v1/runs", Admits::AnyKey),
    ("GET", "/v1/runs/{run_id}", Admits::AnyKey),
    ("PUT", "/v1/runs/{run_id}/batches/{seq}", Admits::Ingest),
    ("POST", "/v1/runs/{run_id}/complete", Admits::Ingest),
    ("POST", "/v1/runs/{run_id}/abort", Admits::IngestOrOps),
    ("GET", "/v1/runs/{run_id}/rejected", Admits::AnyKey),
    ("GET", "/v1/runs/{run_id}/sweep-plan", Admits::AnyKey),
    ("POST", "/v1/runs/{run_id}/sweep/approve", Admits::Ops),
    ("POST", "/v1/runs/{run_id}/sweep/undo", Admits::Ops),
    ("GET", "/v1/dead-letters", Admits::Ops),
    ("POST", "/v1/dead-letters/{id}/replay", Admits::Ops),
    ("GET", "/healthz", Admits::Everyone),
    ("GET", "/readyz", Admits::Everyone),
    ("GET", "/metrics", Admits::Everyone),
];

fn admitted(admits: Admits, token: Option<&str>) -> bool {
    match (admits, token) {
        (Admits::Everyone, _) | (Admits::IngestOrOps | Admits::AnyKey, Some(_)) => true,
        (_, None) => false,
        (Admits::Ingest, Some(token)) => token == INGEST_TOKEN,
        (Admits::Ops, Some(token)) => token == OPS_TOKEN,
    }
}

#[test]
fn the_list_below_names_every_v1_route_the_api_serves() {
    let served: BTreeSet<String> = ingest_api::app::v1_paths().into_iter().collect();
    let listed: BTreeSet<String> = ROUTES
        .iter()
        .filter(|(_, path, _)| path.starts_with("/v1"))
        .map(|(_, path, _)| (*path).to_owned())
        .collect();
    assert_eq!(served, listed);
}

#[tokio::test]
async fn every_route_admits_exactly_its_scopes() {
    let app = TestApp::spawn_without_workers().await;
    for (method, template, admits) in ROUTES {
        // Run 999999 does not exist: an admitted caller gets past the scope check to a 404 (or
        // a 400 for a body it sent empty), never a 401 or 403.
        let path = template
            .replace("{run_id}", "999999")
            .replace("{seq}", "1")
            .replace("{id}", "999999");
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        for token in [None, Some(INGEST_TOKEN), Some(OPS_TOKEN)] {
            let (status, body) = app.call(method.clone(), &path, token, None).await;
            let who = token.map_or("no key", |t| if t == OPS_TOKEN { "ops" } else { "ingest" });
            if admitted(*admits, token) {
                assert!(
                    status != 401 && status != 403,
                    "{method} {path} with {who}: {status} {body}"
                );
            } else {
                let expected = if token.is_none() { 401 } else { 403 };
                assert_eq!(status, expected, "{method} {path} with {who}: {body}");
            }
        }
    }
}

#[tokio::test]
async fn an_unknown_token_gets_401_and_a_key_of_the_wrong_scope_is_told_the_scope_it_needs() {
    let app = TestApp::spawn_without_workers().await;
    let body = serde_json::json!({"entity": "influencers", "mode": "full"});
    let (status, unknown) = app
        .call(Method::POST, "/v1/runs", Some("not-a-key"), Some(&body))
        .await;
    assert_eq!(
        (status, &unknown["error"]["code"]),
        (401, &serde_json::json!("unauthorized"))
    );
    let (status, wrong_scope) = app
        .call(Method::POST, "/v1/runs", Some(OPS_TOKEN), Some(&body))
        .await;
    assert_eq!(status, 403, "{wrong_scope}");
    let message = wrong_scope["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("scope ingest") && message.contains("has scope ops"),
        "{message}"
    );
}
