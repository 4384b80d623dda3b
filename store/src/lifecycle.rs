//! Moving a closing run on once it is finished (every declared batch received, every job applied)
//! with its change summary counted, and failing open or closing runs that were abandoned.

use std::time::Duration;

use chrono::NaiveDateTime;
use sqlx::MySqlPool;

use crate::runs::{get_run, highest_seq, transition};
use records::api::RunView;
use records::{Entity, RunMode, RunStatus};

/// Where an attempt to move a closing run on left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Advance {
    /// The run is not closing (still open, or already past this point): nothing to do.
    NotClosing,
    /// Batches or jobs are still outstanding.
    Waiting,
    /// What arrived can never match what was declared; the run failed and will never be swept.
    Failed(String),
    /// Every record of an incremental run is applied.
    Completed,
    /// Every record of a full run is applied and the run moved to `sweeping`: the caller enqueues the sweep.
    ReadyToSweep,
}

/// Checks a closing run against its declared end and moves it on when it is done, counting what
/// it changed first.
///
/// Safe to call from any number of places at once: the status moves by a conditional update, so
/// only one caller wins each transition.
pub async fn advance_closing_run(pool: &MySqlPool, run_id: i64) -> Result<Advance, sqlx::Error> {
    let Some(run) = get_run(pool, run_id).await? else {
        return Ok(Advance::NotClosing);
    };
    if run.status != RunStatus::Closing {
        return Ok(Advance::NotClosing);
    }
    let declared_batches = run.declared_batches.unwrap_or(0);
    let declared_records = run.declared_records.unwrap_or(0);
    let highest = highest_seq(pool, run_id).await?;
    let mismatch = if highest > declared_batches || run.received_batches > declared_batches {
        Some(format!(
            "declared {declared_batches} batches but received batch number {highest}"
        ))
    } else if run.received_batches == declared_batches && run.received_records != declared_records {
        Some(format!(
            "declared {declared_records} records but the {declared_batches} batches held {}",
            run.received_records
        ))
    } else {
        None
    };
    if let Some(reason) = mismatch {
        transition(
            pool,
            run_id,
            &[RunStatus::Closing],
            RunStatus::Failed,
            Some(&reason),
        )
        .await?;
        return Ok(Advance::Failed(reason));
    }
    if run.received_batches < declared_batches || run.jobs_applied < run.jobs_enqueued {
        return Ok(Advance::Waiting);
    }
    record_changes(pool, &run).await?;
    let (next, advance) = match run.mode {
        RunMode::Incremental => (RunStatus::Completed, Advance::Completed),
        RunMode::Full => (RunStatus::Sweeping, Advance::ReadyToSweep),
    };
    if transition(pool, run_id, &[RunStatus::Closing], next, None).await? {
        Ok(advance)
    } else {
        Ok(Advance::NotClosing)
    }
}

/// Counts, once every job of the run is applied, the rows it inserted (new) and the rows whose
/// `source_updated_at` it moved forward (changed); the rest of what it loaded is unchanged. The
/// upserts marked those rows as they went, so this is one read of an index, not of the records.
async fn record_changes(pool: &MySqlPool, run: &RunView) -> Result<(), sqlx::Error> {
    let (moved, new): (i64, i64) = sqlx::query_as(&format!(
        "SELECT COUNT(*), CAST(COALESCE(SUM(first_run_id = ?), 0) AS SIGNED) FROM {} \
         WHERE changed_run_id = ?",
        run.entity.table()
    ))
    .bind(run.run_id)
    .bind(run.run_id)
    .fetch_one(pool)
    .await?;
    let changed = moved - new;
    // A record sent twice in one run is loaded twice but moves its row once.
    let unchanged = (run.loaded_records - moved).max(0);
    sqlx::query(
        "UPDATE sync_runs SET new_records = ?, changed_records = ?, unchanged_records = ? \
         WHERE id = ? AND status = 'closing'",
    )
    .bind(new)
    .bind(changed)
    .bind(unchanged)
    .bind(run.run_id)
    .execute(pool)
    .await?;
    Ok(())
}

/// A run failed for want of progress, as its entity's next run and the operators learn of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbandonedRun {
    pub run_id: i64,
    pub entity: Entity,
    pub reason: String,
}

/// When a run last moved: its own row changed (a batch, its declared end) or one of its jobs applied.
pub(crate) const LAST_PROGRESS: &str = "GREATEST(r.updated_at, \
    COALESCE((SELECT MAX(j.applied_at) FROM run_jobs j WHERE j.run_id = r.id), r.updated_at))";

/// Fails every open or closing run (of `entity`, or of all) that has made no progress for
/// `idle_limit`, so that a crashed extractor or a lost queue cannot hold its entity for ever.
///
/// Such a run never deletes anything: only a run in `sweeping` is swept, and a failed run never
/// gets there. Its jobs may still be applied later; their upserts are as safe as any.
pub async fn fail_abandoned_runs(
    pool: &MySqlPool,
    idle_limit: Duration,
    entity: Option<Entity>,
) -> Result<Vec<AbandonedRun>, sqlx::Error> {
    let limit_us = i64::try_from(idle_limit.as_micros()).unwrap_or(i64::MAX);
    let idle: Vec<(i64, String, NaiveDateTime)> = sqlx::query_as(&format!(
        "SELECT r.id, r.entity, {LAST_PROGRESS} AS last_progress FROM sync_runs r \
         WHERE r.status IN ('open', 'closing') AND (? IS NULL OR r.entity = ?) \
         HAVING last_progress < NOW(6) - INTERVAL ? MICROSECOND ORDER BY r.id"
    ))
    .bind(entity.map(Entity::as_str))
    .bind(entity.map(Entity::as_str))
    .bind(limit_us)
    .fetch_all(pool)
    .await?;
    let mut failed = Vec::with_capacity(idle.len());
    for (run_id, entity, last_progress) in idle {
        let reason = format!(
            "abandoned: no progress for {} (last at {last_progress} UTC); failed so the entity's \
             next run can start; nothing was swept",
            humantime::format_duration(idle_limit)
        );
        // The idle condition is checked again as the row changes: a batch that arrived since the
        // read keeps the run alive.
        let moved = sqlx::query(&format!(
            "UPDATE sync_runs r SET r.status = 'failed', r.status_reason = ?, r.open_full_entity = NULL, \
             r.finished_at = CURRENT_TIMESTAMP(6) WHERE r.id = ? AND r.status IN ('open', 'closing') \
             AND {LAST_PROGRESS} < NOW(6) - INTERVAL ? MICROSECOND"
        ))
        .bind(&reason)
        .bind(run_id)
        .bind(limit_us)
        .execute(pool)
        .await?
        .rows_affected()
            == 1;
        if moved {
            let entity = Entity::parse(&entity).map_err(|e| sqlx::Error::Decode(e.into()))?;
            tracing::warn!(run_id, %entity, %reason, "run failed as abandoned");
            failed.push(AbandonedRun {
                run_id,
                entity,
                reason,
            });
        }
    }
    Ok(failed)
}
