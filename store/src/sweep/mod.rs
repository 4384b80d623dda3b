//! The reconciliation sweep: after a complete full run, delete the rows the run did not see,
//! under every safety rule of the design.

mod plan;
mod undo;

pub use plan::plan_sweep;
pub use undo::undo_sweep;

use sqlx::MySqlPool;

use crate::columns::stored_column_list;
use crate::runs::{get_run, transition};
use plan::{
    bind_candidates, count_candidates, exceeds_share, CANDIDATE_CONDITION, UNSEEN_AND_UNCHANGED,
};
use records::api::RunView;
use records::{Entity, RunMode, RunStatus};

/// Rows deleted (and audited) per transaction: small enough to keep locks short.
pub const SWEEP_CHUNK: i64 = 1000;

/// How sweeps behave; from the settings.
#[derive(Debug, Clone, Copy)]
pub struct SweepSettings {
    /// Share of the entity's rows a sweep may delete without an operator's approval.
    pub max_share: f64,
    /// How long a sweep waits for another sweep of the same entity before giving up to retry later.
    pub lock_wait_seconds: i64,
}

impl Default for SweepSettings {
    fn default() -> Self {
        Self {
            max_share: 0.05,
            lock_wait_seconds: 30,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SweepOutcome {
    /// The run is not a full run in `sweeping`: nothing was deleted.
    NotEligible(String),
    /// The run accepted no records: it never deletes.
    NothingSeen,
    /// Over the share threshold: the run waits for an operator.
    Held {
        would_delete: i64,
        rows_in_table: i64,
    },
    Swept {
        entity: Entity,
        deleted: i64,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error("another sweep of {0} is running; this one will be tried again")]
    Busy(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// The name of the MySQL lock that keeps two sweeps of an entity apart, as SQL with the entity
/// bound to its `?`. The lock is server-wide, so the name holds the database: deployments (and
/// tests) that share a server do not wait for each other. MySQL caps lock names at 64 characters;
/// cutting the database's name can only make two databases share a lock, never two sweeps of one
/// entity miss each other.
pub const SWEEP_LOCK: &str = "LEFT(CONCAT('dis-sync-sweep:', ?, ':', DATABASE()), 64)";

/// Sweeps `run_id` if, and only if, every rule allows it.
///
/// An entity-wide MySQL lock (`GET_LOCK`) makes two sweeps of the same entity never overlap, even
/// across worker processes.
pub async fn sweep_run(
    pool: &MySqlPool,
    run_id: i64,
    settings: SweepSettings,
) -> Result<SweepOutcome, SweepError> {
    let Some(run) = get_run(pool, run_id).await? else {
        return Ok(SweepOutcome::NotEligible(format!(
            "run {run_id} does not exist"
        )));
    };
    if run.mode != RunMode::Full || run.status != RunStatus::Sweeping {
        return Ok(SweepOutcome::NotEligible(format!(
            "run {run_id} is a {} run in status {}",
            run.mode, run.status
        )));
    }
    let entity = run.entity.as_str();
    let mut lock_conn = pool.acquire().await?;
    let locked: Option<i64> = sqlx::query_scalar(&format!("SELECT GET_LOCK({SWEEP_LOCK}, ?)"))
        .bind(entity)
        .bind(settings.lock_wait_seconds)
        .fetch_one(&mut *lock_conn)
        .await?;
    if locked != Some(1) {
        return Err(SweepError::Busy(run.entity.to_string()));
    }
    let outcome = sweep_locked(pool, &run, settings.max_share).await;
    sqlx::query(&format!("SELECT RELEASE_LOCK({SWEEP_LOCK})"))
        .bind(entity)
        .execute(&mut *lock_conn)
        .await?;
    outcome
}

async fn sweep_locked(
    pool: &MySqlPool,
    run: &RunView,
    max_share: f64,
) -> Result<SweepOutcome, SweepError> {
    // Re-read under the lock: a sweep of this run that held the lock before us may have finished it.
    let run = match get_run(pool, run.run_id).await? {
        Some(fresh) if fresh.status == RunStatus::Sweeping => fresh,
        _ => {
            return Ok(SweepOutcome::NotEligible(format!(
                "run {} is no longer sweeping",
                run.run_id
            )))
        }
    };
    if run.accepted_records == 0 {
        let reason = "the run accepted no records; nothing is ever deleted for such a run";
        transition(
            pool,
            run.run_id,
            &[RunStatus::Sweeping],
            RunStatus::Completed,
            Some(reason),
        )
        .await?;
        return Ok(SweepOutcome::NothingSeen);
    }
    let (would_delete, rows_in_table) = count_candidates(pool, &run).await?;
    if !run.sweep_approved && exceeds_share(would_delete, rows_in_table, max_share) {
        let reason = format!(
            "the sweep would delete {would_delete} of {rows_in_table} {} ({:.1} %), above the {:.1} % threshold: \
             approve it with POST /v1/runs/{}/sweep/approve or abort the run",
            run.entity,
            100.0 * would_delete as f64 / rows_in_table as f64,
            100.0 * max_share,
            run.run_id
        );
        transition(
            pool,
            run.run_id,
            &[RunStatus::Sweeping],
            RunStatus::Held,
            Some(&reason),
        )
        .await?;
        return Ok(SweepOutcome::Held {
            would_delete,
            rows_in_table,
        });
    }
    let mut deleted = 0;
    let mut after = 0;
    // Chunks walk the keys upwards, so the whole sweep reads the table once.
    while let Some(chunk) = delete_chunk(pool, &run, after).await? {
        deleted += chunk.deleted;
        after = chunk.last_key;
        if chunk.keys < SWEEP_CHUNK {
            break;
        }
    }
    let reason = format!("swept {deleted} {} the run did not see", run.entity);
    transition(
        pool,
        run.run_id,
        &[RunStatus::Sweeping],
        RunStatus::Completed,
        Some(&reason),
    )
    .await?;
    Ok(SweepOutcome::Swept {
        entity: run.entity,
        deleted,
    })
}

struct Chunk {
    keys: i64,
    deleted: i64,
    last_key: i64,
}

/// Copies up to one chunk of candidates above `after` to the audit table and deletes them, in one
/// transaction. `None` when there is nothing left, or the run stopped sweeping.
///
/// The chunk's keys are found by a plain read, and only they are locked, by key: a locking read
/// that walked the table would lock every row it passed (REPEATABLE READ keeps its locks on the
/// rows the condition rejects), blocking the upserts of incremental runs for seconds on a large
/// table and deadlocking with them. Under the lock each row is checked again, since an
/// incremental run may have changed it since the read.
async fn delete_chunk(
    pool: &MySqlPool,
    run: &RunView,
    after: i64,
) -> Result<Option<Chunk>, sqlx::Error> {
    let table = run.entity.table();
    let select = format!(
        "SELECT t.erp_id FROM {table} t WHERE {CANDIDATE_CONDITION} AND t.erp_id > ? ORDER BY t.erp_id LIMIT ?"
    );
    let keys: Vec<i64> = bind_candidates(sqlx::query_scalar(&select), run)
        .bind(after)
        .bind(SWEEP_CHUNK)
        .fetch_all(pool)
        .await?;
    let Some(&last_key) = keys.last() else {
        return Ok(None);
    };
    let mut tx = pool.begin().await?;
    // Each chunk re-checks, under a lock on the run, that the run is still sweeping: whatever moved
    // it on (an operator, a duplicate delivery that finished it) stops this sweep between chunks.
    let status: Option<String> =
        sqlx::query_scalar("SELECT status FROM sync_runs WHERE id = ? FOR UPDATE")
            .bind(run.run_id)
            .fetch_optional(&mut *tx)
            .await?;
    if status.as_deref() != Some(RunStatus::Sweeping.as_str()) {
        return Ok(None);
    }
    let key_list = |keys: &[i64]| {
        keys.iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",")
    };
    let lock = format!(
        "SELECT t.erp_id FROM {table} t WHERE t.erp_id IN ({}) AND {UNSEEN_AND_UNCHANGED} ORDER BY t.erp_id FOR UPDATE",
        key_list(&keys)
    );
    let still: Vec<i64> = sqlx::query_scalar(&lock)
        .bind(run.run_id)
        .bind(run.created_at)
        .fetch_all(&mut *tx)
        .await?;
    let gone = if still.is_empty() {
        0
    } else {
        delete_audited(&mut tx, run, &key_list(&still)).await?
    };
    tx.commit().await?;
    Ok(Some(Chunk {
        keys: keys.len() as i64,
        deleted: gone,
        last_key,
    }))
}

/// Copies the rows `key_list` of the run's entity to its audit table, deletes them, and counts
/// them in the run: the rows deleted.
async fn delete_audited(
    tx: &mut sqlx::MySqlConnection,
    run: &RunView,
    key_list: &str,
) -> Result<i64, sqlx::Error> {
    let (table, swept) = (run.entity.table(), run.entity.swept_table());
    let columns = stored_column_list(run.entity);
    sqlx::query(&format!(
        "INSERT INTO {swept} (swept_by_run_id, {columns}) SELECT ?, {columns} FROM {table} WHERE erp_id IN ({key_list})"
    ))
    .bind(run.run_id)
    .execute(&mut *tx)
    .await?;
    let gone = sqlx::query(&format!("DELETE FROM {table} WHERE erp_id IN ({key_list})"))
        .execute(&mut *tx)
        .await?
        .rows_affected() as i64;
    sqlx::query("UPDATE sync_runs SET swept_rows = swept_rows + ? WHERE id = ?")
        .bind(gone)
        .bind(run.run_id)
        .execute(&mut *tx)
        .await?;
    Ok(gone)
}
