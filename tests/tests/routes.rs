//! Every route of the API, each caller it may meet, and the answer the OpenAPI document promises.
//! A `/v1` route without a scope check cannot reach the state (see ingest_api::auth); the table
//! below pins which scopes each route takes, the document must say the same, and the running API
//! must answer each kind of caller with a status its operation in the served `/openapi.json`
//! lists: 401 to no key or an unknown one, 403 to a key of a scope it does not admit.

use std::collections::BTreeSet;

use e2e::{TestApp, INGEST_TOKEN, OPS_TOKEN};
use reqwest::Method;
use serde_json::Value;

/// Which keys a route takes. With two scopes, a route for "any key" and one for "ingest or ops"
/// admit the same callers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Admits {
    Ingest,
    Ops,
    EitherScope,
    Everyone,
}

/// Every route the API serves outside the dashboard (`/ops`, whose sign-in is tested in
/// ops_dashboard.rs), with the callers it admits.
const ROUTES: &[(&str, &str, Admits)] = &[
    ("POST", "/v1/runs", Admits::Ingest),
    ("GET", "/v1/runs", Admits::EitherScope),
    ("GET", "/v1/runs/{run_id}", Admits::EitherScope),
    ("PUT", "/v1/runs/{run_id}/batches/{seq}", Admits::Ingest),
    ("POST", "/v1/runs/{run_id}/complete", Admits::Ingest),
    ("POST", "/v1/runs/{run_id}/abort", Admits::EitherScope),
    ("GET", "/v1/runs/{run_id}/rejected", Admits::EitherScope),
    ("GET", "/v1/runs/{run_id}/sweep-plan", Admits::EitherScope),
    ("POST", "/v1/runs/{run_id}/sweep/approve", Admits::Ops),
    ("POST", "/v1/runs/{run_id}/sweep/undo", Admits::Ops),
    ("GET", "/v1/dead-letters", Admits::Ops),
    ("POST", "/v1/dead-letters/{id}/replay", Admits::Ops),
    ("GET", "/healthz", Admits::Everyone),
    ("GET", "/readyz", Admits::Everyone),
    ("GET", "/metrics", Admits::Everyone),
    ("GET", "/openapi.json", Admits::Everyone),
    ("GET", "/docs", Admits::Everyone),
];

/// Served, and left out of the document on purpose: the page that shows it.
const UNDOCUMENTED: [&str; 1] = ["/docs"];

const WRONG_TOKEN: &str = "not-a-key-of-this-api";

/// The callers each route meets: none, a key of each scope, and a token no key matches.
const CALLERS: [(&str, Option<&str>); 4] = [
    ("no key", None),
    ("ingest key", Some(INGEST_TOKEN)),
    ("ops key", Some(OPS_TOKEN)),
    ("unknown token", Some(WRONG_TOKEN)),
];

fn admitted(admits: Admits, token: Option<&str>) -> bool {
    match (admits, token) {
        (Admits::Everyone, _) => true,
        (_, None) => false,
        (Admits::EitherScope, Some(token)) => token == INGEST_TOKEN || token == OPS_TOKEN,
        (Admits::Ingest, Some(token)) => token == INGEST_TOKEN,
        (Admits::Ops, Some(token)) => token == OPS_TOKEN,
    }
}

/// The operation of `method path` in an OpenAPI document, if it has one.
fn operation<'d>(document: &'d Value, method: &str, path: &str) -> Option<&'d Value> {
    document["paths"][path].get(method.to_lowercase())
}

/// Every (method, path) the document describes.
fn operations(document: &Value) -> BTreeSet<(String, String)> {
    let paths = document["paths"]
        .as_object()
        .expect("the document has paths");
    paths
        .iter()
        .flat_map(|(path, item)| {
            let methods = item.as_object().expect("a path item is an object");
            methods
                .keys()
                .map(move |method| (method.to_uppercase(), path.clone()))
        })
        .collect()
}

/// Who an operation admits, read from its `security`: the schemes it lists, one per scope.
fn documented_admits(operation: &Value) -> Admits {
    let schemes: BTreeSet<&str> = operation["security"]
        .as_array()
        .map(|requirements| {
            requirements
                .iter()
                .flat_map(|r| r.as_object().expect("a requirement").keys())
                .map(String::as_str)
                .collect()
        })
        .unwrap_or_default();
    let (ingest, ops) = (
        ingest_api::openapi::INGEST_KEY,
        ingest_api::openapi::OPS_KEY,
    );
    match (schemes.contains(ingest), schemes.contains(ops)) {
        (true, true) => Admits::EitherScope,
        (true, false) => Admits::Ingest,
        (false, true) => Admits::Ops,
        (false, false) => Admits::Everyone,
    }
}

fn documented_statuses(operation: &Value) -> BTreeSet<u16> {
    operation["responses"]
        .as_object()
        .expect("an operation has responses")
        .keys()
        .map(|status| status.parse().expect("statuses are numbers"))
        .collect()
}

fn the_document() -> Value {
    serde_json::from_str(
        &ingest_api::openapi::document()
            .to_json()
            .expect("the document serializes"),
    )
    .expect("the document is JSON")
}

#[test]
fn the_table_names_every_operation_of_the_document_and_every_v1_route_the_api_serves() {
    let listed: BTreeSet<(String, String)> = ROUTES
        .iter()
        .filter(|(_, path, _)| !UNDOCUMENTED.contains(path))
        .map(|(method, path, _)| ((*method).to_owned(), (*path).to_owned()))
        .collect();
    assert_eq!(operations(&the_document()), listed);
    let served: BTreeSet<String> = ingest_api::app::v1_paths().into_iter().collect();
    let listed_v1: BTreeSet<String> = ROUTES
        .iter()
        .filter(|(_, path, _)| path.starts_with("/v1/"))
        .map(|(_, path, _)| (*path).to_owned())
        .collect();
    assert_eq!(served, listed_v1);
}

#[test]
fn each_operation_of_the_document_names_as_its_security_the_scopes_the_table_admits() {
    let document = the_document();
    for (method, path, admits) in ROUTES.iter().filter(|r| !UNDOCUMENTED.contains(&r.1)) {
        let operation = operation(&document, method, path).expect("documented");
        assert_eq!(documented_admits(operation), *admits, "{method} {path}");
        let statuses = documented_statuses(operation);
        if *admits != Admits::Everyone {
            assert!(statuses.contains(&401), "{method} {path}: {statuses:?}");
        }
        // 403 is documented exactly where some valid key is refused.
        let some_key_refused = matches!(admits, Admits::Ingest | Admits::Ops);
        assert_eq!(statuses.contains(&403), some_key_refused, "{method} {path}");
    }
}

/// A concrete path for a template: ids no run or dead letter has, so an admitted caller gets past
/// the scope check to a 404 (or a 400 for a body it did not send), never a 401 or 403.
fn concrete(template: &str) -> String {
    template
        .replace("{run_id}", "999999")
        .replace("{seq}", "1")
        .replace("{id}", "999999")
}

#[tokio::test]
async fn every_route_answers_each_kind_of_caller_with_a_status_its_document_lists() {
    let app = TestApp::spawn_without_workers().await;
    let (status, served) = app.call(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(status, 200);
    assert_eq!(served, the_document(), "the served document is the code's");
    for (method, template, admits) in ROUTES {
        let path = concrete(template);
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let documented = operation(&served, method.as_str(), template).map(documented_statuses);
        for (who, token) in CALLERS {
            let (status, body) = app.call(method.clone(), &path, token, None).await;
            let context = format!("{method} {path} with {who}: {status} {body}");
            // Documented or not, a server error is a bug here: MySQL and Redis are up.
            assert!(status < 500, "{context}");
            if let Some(documented) = &documented {
                assert!(documented.contains(&status), "undocumented: {context}");
            } else {
                // The page follows its redirect to Swagger UI.
                assert_eq!(status, 200, "{context}");
            }
            if admitted(*admits, token) {
                assert!(status != 401 && status != 403, "{context}");
            } else {
                let (expected, code) = match token {
                    Some(token) if token != WRONG_TOKEN => (403, "forbidden"),
                    _ => (401, "unauthorized"),
                };
                assert_eq!(status, expected, "{context}");
                assert_eq!(body["error"]["code"], code, "{context}");
            }
        }
    }
}

#[tokio::test]
async fn every_documented_path_refuses_the_methods_it_does_not_list_with_405_naming_those_it_does()
{
    let app = TestApp::spawn_without_workers().await;
    let document = the_document();
    let all = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
    ];
    for (template, item) in document["paths"].as_object().unwrap() {
        let path = concrete(template);
        let listed: BTreeSet<String> = item
            .as_object()
            .unwrap()
            .keys()
            .map(|m| m.to_uppercase())
            .collect();
        for method in &all {
            let response = app
                .http
                .request(method.clone(), app.url(&path))
                .bearer_auth(OPS_TOKEN)
                .send()
                .await
                .expect("the API answers");
            let status = response.status().as_u16();
            if listed.contains(method.as_str()) {
                assert_ne!(status, 405, "{method} {path}");
                continue;
            }
            assert_eq!(status, 405, "{method} {path}");
            let allow: BTreeSet<String> = response.headers()["allow"]
                .to_str()
                .unwrap()
                .split(',')
                .map(|m| m.trim().to_owned())
                .filter(|m| m != "HEAD")
                .collect();
            assert_eq!(allow, listed, "Allow of {path}");
        }
    }
}

#[tokio::test]
async fn an_unknown_token_gets_401_and_a_key_of_the_wrong_scope_is_told_the_scope_it_needs() {
    let app = TestApp::spawn_without_workers().await;
    let body = serde_json::json!({"entity": "influencers", "mode": "full"});
    let (status, unknown) = app
        .call(Method::POST, "/v1/runs", Some(WRONG_TOKEN), Some(&body))
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
