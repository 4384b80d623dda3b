//! The operators' dashboard at `/ops`: server-rendered pages (askama) over the queues, the runs,
//! the dead letters and the nightly trends, behind a session sign-in. Plain CSS and a few lines
//! of plain JS (the queue panel's refresh), both embedded in the binary.
//!
//! Reads go to `store::ops` (MySQL) and `queue::inspect` (Redis); actions go through
//! [`crate::actions`], as the `/v1` routes do. Each page's module doc says what one view costs.

pub mod config;
mod confirm;
mod dead_letters;
mod error;
mod format;
mod login;
mod operator;
pub mod password;
mod queues;
mod run;
mod runs;
mod session;
mod svg;
mod trends;
mod views;

use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::Router;

pub use config::OpsConfig;
pub use operator::OpsState;

/// The dashboard's routes under `/ops`, each path with its methods. Every handler but the
/// sign-in form's ([`OPEN`]) takes an `OpsSession`, which admits a live session first, since the
/// state gives nothing to one that does not (see [`operator`]).
fn dashboard_routes() -> Vec<(&'static str, MethodRouter<OpsState>)> {
    vec![
        ("/", get(queues::queues_page)),
        ("/queues/panel", get(queues::queue_panel)),
        ("/login", get(login::sign_in_page).post(login::sign_in)),
        ("/logout", post(login::sign_out)),
        ("/runs", get(runs::runs)),
        ("/runs/{run_id}", get(run::run_page)),
        (
            "/runs/{run_id}/{action}",
            get(confirm::confirm_run_action).post(confirm::run_action),
        ),
        ("/dead-letters", get(dead_letters::dead_letters)),
        ("/dead-letters/{id}", get(dead_letters::dead_letter)),
        (
            "/dead-letters/{id}/replay",
            get(confirm::confirm_replay).post(confirm::replay),
        ),
        ("/trends", get(trends::trends_page)),
        ("/assets/{file}", get(asset)),
    ]
}

/// The dashboard's paths open without a session: the sign-in form and the CSS and script.
pub const OPEN: [&str; 2] = ["/ops/login", "/ops/assets/{file}"];

/// Every path of the dashboard, for the test that checks which ones need a session.
pub fn paths() -> Vec<String> {
    dashboard_routes()
        .into_iter()
        .map(|(path, _)| format!("/ops{}", path.trim_end_matches('/')))
        .collect()
}

/// The dashboard's routes, to be nested under `/ops`.
pub fn routes(state: OpsState) -> Router {
    dashboard_routes()
        .into_iter()
        .fold(Router::new(), |router, (path, methods)| {
            router.route(path, methods)
        })
        .layer(axum::middleware::map_response(protect))
        .with_state(state)
}

/// Pages may load only the dashboard's own CSS and JS, may not be framed (a confirmation
/// button under someone else's page), and are never cached (they show live state and tokens).
async fn protect(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let fixed = [
        (
            "content-security-policy",
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; \
             connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
    ];
    for (name, value) in fixed {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    headers
        .entry(CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

const CSS: &str = include_str!("../../assets/ops.css");
const JS: &str = include_str!("../../assets/ops.js");

/// The stylesheet and the script, cached for an hour: a refresh of the queue panel does not
/// fetch them again.
async fn asset(Path(file): Path<String>) -> Response {
    let (body, kind) = match file.as_str() {
        "ops.css" => (CSS, "text/css; charset=utf-8"),
        "ops.js" => (JS, "text/javascript; charset=utf-8"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (CONTENT_TYPE, kind),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}
