//! Actions, each in two steps: `GET` shows what the action will do and asks to confirm, `POST`
//! (from that page's form, with the session's CSRF token) does it through [`crate::actions`],
//! the same functions the `/v1` routes call, then returns to the run or the list.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use store::dead_letters::get_dead_letter;
use store::ops::dead_letters::pending_ids_of_run;
use store::ops::detail::restorable_rows;
use store::sweep::plan_sweep;

use super::error::OpsError;
use super::format::{count, percent};
use super::operator::{Chrome, OpsSession};
use crate::actions;
use crate::routes::find_run;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunAction {
    Approve,
    Abort,
    Undo,
    /// Replay every dead letter of the run not replayed yet.
    Replay,
}

impl RunAction {
    fn parse(raw: &str) -> Result<Self, OpsError> {
        match raw {
            "approve" => Ok(Self::Approve),
            "abort" => Ok(Self::Abort),
            "undo" => Ok(Self::Undo),
            "replay" => Ok(Self::Replay),
            other => Err(OpsError::not_found(format!("no action {other:?} on runs"))),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Abort => "abort",
            Self::Undo => "undo",
            Self::Replay => "replay",
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "ops/confirm.html")]
struct ConfirmPage {
    chrome: Chrome,
    title: String,
    lines: Vec<String>,
    action: String,
    button: &'static str,
    danger: bool,
    back: String,
}

pub async fn confirm_run_action(
    OpsSession {
        app: state,
        operator,
        ..
    }: OpsSession,
    Path((run_id, action)): Path<(i64, String)>,
) -> Result<Response, OpsError> {
    let action = RunAction::parse(&action)?;
    let run = find_run(&state, run_id).await?;
    let what = format!("run {run_id} ({} {})", run.entity, run.mode);
    let (title, lines, button, danger) = match action {
        RunAction::Approve => {
            let plan = plan_sweep(&state.pool, &run, state.sweep_max_share, 0, 1).await?;
            let lines = vec![
                format!(
                    "The sweep will delete {} of the {} rows of {} ({}, above the {} that needs no approval).",
                    count(plan.would_delete),
                    count(plan.rows_in_table),
                    run.entity,
                    percent(plan.share),
                    percent(plan.max_share)
                ),
                "Every deleted row is kept in the audit table: the sweep can be undone.".into(),
            ];
            (format!("Approve the sweep of {what}?"), lines, "Approve the sweep", true)
        }
        RunAction::Abort => (
            format!("Abort {what}?"),
            vec![
                format!("It is {} now. An aborted run never deletes anything; the records it already applied stay.", run.status),
                "The entity's next full run can start at once.".into(),
            ],
            "Abort the run",
            true,
        ),
        RunAction::Undo => {
            let rows = restorable_rows(&state.pool, run.entity, run_id).await?;
            let lines = vec![format!(
                "{} rows its sweep deleted come back from the audit table; a key that exists again keeps its newer row.",
                count(rows)
            )];
            (format!("Undo the sweep of {what}?"), lines, "Restore the rows", false)
        }
        RunAction::Replay => {
            let pending = pending_ids_of_run(&state.pool, run_id).await?.len();
            let lines = vec![format!(
                "{pending} dead letter(s) of this run go back on the apply queue. A job already applied is not applied twice."
            )];
            (format!("Replay the dead letters of {what}?"), lines, "Replay them", false)
        }
    };
    Ok(ConfirmPage {
        chrome: operator.chrome("runs"),
        title,
        lines,
        action: format!("/ops/runs/{run_id}/{}", action.name()),
        button,
        danger,
        back: format!("/ops/runs/{run_id}"),
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct ActionForm {
    /// Missing reads as empty, which no session has: refused like a wrong one.
    #[serde(default)]
    csrf: String,
}

pub async fn run_action(
    OpsSession {
        app: state,
        operator,
        ..
    }: OpsSession,
    Path((run_id, action)): Path<(i64, String)>,
    Form(form): Form<ActionForm>,
) -> Result<Response, OpsError> {
    let action = RunAction::parse(&action)?;
    operator.check_form(&form.csrf)?;
    let by = format!("{} (dashboard)", operator.name);
    let (done, n) = match action {
        RunAction::Approve => {
            actions::approve_sweep(&state, run_id, &by).await?;
            ("approved", 0)
        }
        RunAction::Abort => {
            actions::abort_run(&state, run_id, &by).await?;
            ("aborted", 0)
        }
        RunAction::Undo => (
            "undone",
            actions::undo_run_sweep(&state, run_id, &by).await?,
        ),
        RunAction::Replay => {
            let replayed = actions::replay_dead_letters_of_run(&state, run_id, &by).await?;
            ("replayed", replayed as u64)
        }
    };
    Ok(Redirect::to(&format!("/ops/runs/{run_id}?done={done}&n={n}")).into_response())
}

pub async fn confirm_replay(
    OpsSession {
        app: state,
        operator,
        ..
    }: OpsSession,
    Path(id): Path<i64>,
) -> Result<Response, OpsError> {
    let letter = get_dead_letter(&state.pool, id)
        .await?
        .ok_or_else(|| OpsError::not_found(format!("dead letter {id} does not exist")))?;
    let run = letter
        .run_id
        .map_or_else(|| "no run".to_owned(), |r| format!("run {r}"));
    let lines = vec![
        format!(
            "Job {} ({run}) failed {} time(s).",
            letter.job_key, letter.attempts
        ),
        "It goes back on the apply queue once; a job already applied is not applied twice.".into(),
    ];
    Ok(ConfirmPage {
        chrome: operator.chrome("dead-letters"),
        title: format!("Replay dead letter {id}?"),
        lines,
        action: format!("/ops/dead-letters/{id}/replay"),
        button: "Replay it",
        danger: false,
        back: format!("/ops/dead-letters/{id}"),
    }
    .into_response())
}

pub async fn replay(
    OpsSession {
        app: state,
        operator,
        ..
    }: OpsSession,
    Path(id): Path<i64>,
    Form(form): Form<ActionForm>,
) -> Result<Response, OpsError> {
    operator.check_form(&form.csrf)?;
    let by = format!("{} (dashboard)", operator.name);
    actions::replay_dead_letter(&state, id, &by).await?;
    Ok(Redirect::to(&format!("/ops/dead-letters?replayed={id}")).into_response())
}
