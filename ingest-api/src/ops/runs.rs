//! The runs, newest first, filtered by entity and status (`/ops/runs`).
//!
//! Cost: in Redis one `GETEX` (the session); in MySQL two statements (the page of runs, then
//! their jobs' progress), whatever the page size.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Query;
use serde::Deserialize;

use records::{Entity, RunStatus};
use store::ops::runs::{runs_page, RunFilter};
use store::ops::Paging;

use super::error::OpsError;
use super::operator::{Chrome, OpsSession};
use super::views::RunLine;

pub const RUNS_PER_PAGE: u32 = 25;

#[derive(Deserialize)]
pub struct RunsQuery {
    entity: Option<String>,
    status: Option<String>,
    page: Option<u32>,
}

#[derive(Template, WebTemplate)]
#[template(path = "ops/runs.html")]
struct RunsPage {
    chrome: Chrome,
    runs: Vec<RunLine>,
    entities: Vec<&'static str>,
    statuses: Vec<&'static str>,
    entity: String,
    status: String,
    page: u32,
    previous: Option<String>,
    next: Option<String>,
}

pub async fn runs(
    OpsSession {
        app: state,
        operator,
        ..
    }: OpsSession,
    Query(query): Query<RunsQuery>,
) -> Result<impl axum::response::IntoResponse, OpsError> {
    let filter = RunFilter {
        entity: chosen(query.entity.as_deref(), Entity::parse)?,
        status: chosen(query.status.as_deref(), RunStatus::parse)?,
    };
    let paging = Paging::new(query.page, RUNS_PER_PAGE);
    let page = runs_page(&state.pool, filter, paging).await?;
    let entity = filter.entity.map_or("", Entity::as_str).to_owned();
    let status = filter.status.map_or("", RunStatus::as_str).to_owned();
    let link = |page: u32| format!("/ops/runs?entity={entity}&status={status}&page={page}");
    Ok(RunsPage {
        chrome: operator.chrome("runs"),
        runs: page.items.iter().map(RunLine::from).collect(),
        entities: Entity::ALL.iter().map(|e| e.as_str()).collect(),
        statuses: RunStatus::ALL.iter().map(|s| s.as_str()).collect(),
        previous: page.has_previous().then(|| link(page.page - 1)),
        next: page.has_next.then(|| link(page.page + 1)),
        page: page.page,
        entity,
        status,
    })
}

/// A filter's choice: nothing (or the empty "any") is no filter; anything else must parse.
fn chosen<T>(
    raw: Option<&str>,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Option<T>, OpsError> {
    match raw {
        None | Some("") => Ok(None),
        Some(value) => parse(value).map(Some).map_err(OpsError::bad_request),
    }
}
