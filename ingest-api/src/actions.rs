//! What operators do to runs and dead letters: abort a run, approve or undo its sweep, replay a
//! dead letter. The `/v1` routes (bearer tokens) and the dashboard (`/ops`, sessions) both call
//! these, so an action means the same whichever way it is asked for.

use apalis::prelude::{TaskBuilder, TaskSink};

use queue::{enqueue_sweep, ApplyBatch};
use records::api::{ErrorCode, RunView};
use records::{RunMode, RunStatus};
use store::dead_letters::{get_dead_letter, mark_replayed};
use store::runs::{approve_held_sweep, get_run_head, transition};
use store::sweep::undo_sweep;

use crate::app::AppState;
use crate::error::ApiError;
use crate::routes::find_run;

/// Runs in these statuses can be aborted; an aborted run never deletes anything.
pub const ABORTABLE: [RunStatus; 3] = [RunStatus::Open, RunStatus::Closing, RunStatus::Held];

/// Aborts a run on behalf of `by`; aborting an aborted run again is not an error.
pub async fn abort_run(state: &AppState, run_id: i64, by: &str) -> Result<RunView, ApiError> {
    let run = find_run(state, run_id).await?;
    let reason = format!("aborted by {by}");
    let moved = transition(
        &state.pool,
        run_id,
        &ABORTABLE,
        RunStatus::Aborted,
        Some(&reason),
    )
    .await?;
    if !moved && run.status != RunStatus::Aborted {
        let current = find_run(state, run_id).await?;
        if current.status != RunStatus::Aborted {
            return Err(ApiError::conflict(
                ErrorCode::RunNotAbortable,
                format!("run {run_id} is {} and cannot be aborted", current.status),
            ));
        }
    }
    tracing::info!(run_id, caller = %by, "run aborted");
    find_run(state, run_id).await
}

/// Lets a held sweep go ahead: the run goes back to `sweeping` and its sweep is enqueued again.
pub async fn approve_sweep(state: &AppState, run_id: i64, by: &str) -> Result<(), ApiError> {
    let run = get_run_head(&state.pool, run_id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("run {run_id} does not exist")))?;
    if !approve_held_sweep(&state.pool, run_id, by).await? {
        let status = find_run(state, run_id).await?.status;
        return Err(ApiError::conflict(
            ErrorCode::RunNotHeld,
            format!("run {run_id} is {status}, not held"),
        ));
    }
    // Should this push fail, the worker's run watch pushes it again under the same key.
    enqueue_sweep(&mut state.sweeps.clone(), run_id, &run.nonce, true)
        .await
        .map_err(|e| ApiError::Unavailable(format!("the queue is unavailable: {e}")))?;
    tracing::warn!(run_id, caller = %by, "held sweep approved");
    Ok(())
}

/// Restores every row the run's sweep deleted, from the audit table; returns how many.
pub async fn undo_run_sweep(state: &AppState, run_id: i64, by: &str) -> Result<u64, ApiError> {
    let run = find_run(state, run_id).await?;
    if run.mode != RunMode::Full || run.status != RunStatus::Completed {
        return Err(ApiError::conflict(
            ErrorCode::NothingToUndo,
            format!("run {run_id} is not a completed full run"),
        ));
    }
    let restored = undo_sweep(&state.pool, &run).await?;
    tracing::warn!(run_id, restored, caller = %by, "sweep undone");
    Ok(restored)
}

/// Puts a dead letter's job back on the queue, once; its progress row still makes it apply at
/// most once.
pub async fn replay_dead_letter(state: &AppState, id: i64, by: &str) -> Result<(), ApiError> {
    let letter = get_dead_letter(&state.pool, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("dead letter {id} does not exist")))?;
    if letter.replayed_at.is_some() {
        return Err(ApiError::conflict(
            ErrorCode::AlreadyReplayed,
            format!("dead letter {id} was already replayed"),
        ));
    }
    let job: ApplyBatch = serde_json::from_str(&letter.payload).map_err(|e| {
        ApiError::conflict(
            ErrorCode::UnreadablePayload,
            format!("dead letter {id} cannot be replayed: {e}"),
        )
    })?;
    let task = TaskBuilder::new(job)
        .idempotency_key(format!("{}-replay-{id}", letter.job_key))
        .build();
    state
        .applies
        .clone()
        .push_task(task)
        .await
        .map_err(|e| ApiError::Unavailable(format!("the queue is unavailable: {e}")))?;
    mark_replayed(&state.pool, id).await?;
    tracing::warn!(dead_letter_id = id, caller = %by, "dead letter replayed");
    Ok(())
}

/// Replays every dead letter of a run not replayed yet; returns how many went back.
pub async fn replay_dead_letters_of_run(
    state: &AppState,
    run_id: i64,
    by: &str,
) -> Result<usize, ApiError> {
    find_run(state, run_id).await?;
    let ids = store::ops::dead_letters::pending_ids_of_run(&state.pool, run_id).await?;
    let mut replayed = 0;
    for id in ids {
        match replay_dead_letter(state, id, by).await {
            Ok(()) => replayed += 1,
            // Another operator replayed it meanwhile: it is back on the queue all the same.
            Err(ApiError::Conflict {
                code: ErrorCode::AlreadyReplayed,
                ..
            }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(replayed)
}
