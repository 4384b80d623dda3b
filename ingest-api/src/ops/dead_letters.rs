//! Dead letters (`/ops/dead-letters`): the jobs that failed for good, with their error, attempts
//! and run; a letter's payload on its own page, read only when asked for.
//!
//! Cost: in Redis one `GETEX` (the session); in MySQL one statement for the list, one for a
//! letter's page.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query};
use serde::Deserialize;

use store::dead_letters::get_dead_letter;
use store::ops::dead_letters::{dead_letters_page, DeadLetterFilter, DeadLetterRow};
use store::ops::Paging;

use super::error::OpsError;
use super::format::when;
use super::operator::{Chrome, OpsSession};

const LETTERS_PER_PAGE: u32 = 50;
/// Errors are cut in lists; the letter's page has them whole.
const ERROR_SHOWN: usize = 240;

pub struct DeadLetterLine {
    pub id: i64,
    pub run_id: Option<i64>,
    pub job_key: String,
    pub attempts: i32,
    pub error: String,
    pub failed: String,
    pub replayed: Option<String>,
}

impl From<&DeadLetterRow> for DeadLetterLine {
    fn from(row: &DeadLetterRow) -> Self {
        let mut error: String = row.last_error.chars().take(ERROR_SHOWN).collect();
        if error.len() < row.last_error.len() {
            error.push('…');
        }
        Self {
            id: row.id,
            run_id: row.run_id,
            job_key: row.job_key.clone(),
            attempts: row.attempts,
            error,
            failed: when(row.failed_at),
            replayed: row.replayed_at.map(when),
        }
    }
}

#[derive(Deserialize)]
pub struct LettersQuery {
    /// `all` lists replayed letters too.
    show: Option<String>,
    run: Option<i64>,
    page: Option<u32>,
    replayed: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "ops/dead_letters.html")]
struct LettersPage {
    chrome: Chrome,
    letters: Vec<DeadLetterLine>,
    all: bool,
    run: Option<i64>,
    page: u32,
    previous: Option<String>,
    next: Option<String>,
}

pub async fn dead_letters(
    OpsSession {
        app: state,
        operator,
        ..
    }: OpsSession,
    Query(query): Query<LettersQuery>,
) -> Result<impl axum::response::IntoResponse, OpsError> {
    let all = query.show.as_deref() == Some("all");
    let filter = DeadLetterFilter {
        pending_only: !all,
        run_id: query.run,
    };
    let page = dead_letters_page(
        &state.pool,
        filter,
        Paging::new(query.page, LETTERS_PER_PAGE),
    )
    .await?;
    let show = if all { "all" } else { "pending" };
    let run = query.run.map_or_else(String::new, |r| r.to_string());
    let link = |p: u32| format!("/ops/dead-letters?show={show}&run={run}&page={p}");
    let mut chrome = operator.chrome("dead-letters");
    chrome.notice = query
        .replayed
        .map(|id| format!("Dead letter {id} put back on the queue."));
    Ok(LettersPage {
        chrome,
        letters: page.items.iter().map(DeadLetterLine::from).collect(),
        all,
        run: query.run,
        previous: page.has_previous().then(|| link(page.page - 1)),
        next: page.has_next.then(|| link(page.page + 1)),
        page: page.page,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "ops/dead_letter.html")]
struct LetterPage {
    chrome: Chrome,
    letter: DeadLetterLine,
    kind: String,
    error: String,
    payload: String,
}

pub async fn dead_letter(
    OpsSession {
        app: state,
        operator,
        ..
    }: OpsSession,
    Path(id): Path<i64>,
) -> Result<impl axum::response::IntoResponse, OpsError> {
    let letter = get_dead_letter(&state.pool, id)
        .await?
        .ok_or_else(|| OpsError::not_found(format!("dead letter {id} does not exist")))?;
    let payload = serde_json::from_str::<serde_json::Value>(&letter.payload)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_else(|_| letter.payload.clone());
    let row = DeadLetterRow {
        id: letter.id,
        job_kind: letter.job_kind.clone(),
        job_key: letter.job_key.clone(),
        run_id: letter.run_id,
        attempts: letter.attempts,
        last_error: letter.last_error.clone(),
        failed_at: letter.failed_at,
        replayed_at: letter.replayed_at,
    };
    Ok(LetterPage {
        chrome: operator.chrome("dead-letters"),
        letter: DeadLetterLine::from(&row),
        kind: letter.job_kind,
        error: letter.last_error,
        payload,
    })
}
