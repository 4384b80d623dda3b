//! The run repository: creating runs, reading their progress, and moving them between statuses.

use chrono::NaiveDateTime;
use sqlx::mysql::MySqlRow;
use sqlx::{FromRow, MySqlPool, Row};

use records::api::RunView;
use records::{Entity, RunMode, RunStatus};

// Progress comes from run_jobs through correlated subqueries, which use its primary key and so
// touch only the run's own rows.
const RUN_SELECT: &str = "SELECT r.id AS run_id, r.entity, r.mode, r.status, r.status_reason, \
    r.declared_batches, r.declared_records, r.received_batches, r.received_records, \
    r.accepted_records, r.rejected_records, r.jobs_enqueued, \
    (SELECT COUNT(*) FROM run_jobs j WHERE j.run_id = r.id) AS jobs_applied, \
    (SELECT CAST(COALESCE(SUM(j.loaded), 0) AS SIGNED) FROM run_jobs j WHERE j.run_id = r.id) AS loaded_records, \
    (SELECT CAST(COALESCE(SUM(j.rejected), 0) AS SIGNED) FROM run_jobs j WHERE j.run_id = r.id) AS db_rejected_records, \
    r.new_records, r.changed_records, r.unchanged_records, \
    r.sweep_approved, r.swept_rows, r.created_at, r.updated_at, r.finished_at FROM sync_runs r";

fn run_view(row: &MySqlRow) -> Result<RunView, sqlx::Error> {
    let text = |name: &str| row.try_get::<String, _>(name);
    let decode = |e: String| sqlx::Error::Decode(e.into());
    Ok(RunView {
        run_id: row.try_get("run_id")?,
        entity: Entity::parse(&text("entity")?).map_err(decode)?,
        mode: RunMode::parse(&text("mode")?).map_err(decode)?,
        status: RunStatus::parse(&text("status")?).map_err(decode)?,
        status_reason: row.try_get("status_reason")?,
        declared_batches: row.try_get("declared_batches")?,
        declared_records: row.try_get("declared_records")?,
        received_batches: row.try_get("received_batches")?,
        received_records: row.try_get("received_records")?,
        accepted_records: row.try_get("accepted_records")?,
        rejected_records: row.try_get("rejected_records")?,
        jobs_enqueued: row.try_get("jobs_enqueued")?,
        jobs_applied: row.try_get("jobs_applied")?,
        loaded_records: row.try_get("loaded_records")?,
        db_rejected_records: row.try_get("db_rejected_records")?,
        new_records: row.try_get("new_records")?,
        changed_records: row.try_get("changed_records")?,
        unchanged_records: row.try_get("unchanged_records")?,
        sweep_approved: row.try_get("sweep_approved")?,
        swept_rows: row.try_get("swept_rows")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        finished_at: row.try_get("finished_at")?,
    })
}

#[derive(Debug, thiserror::Error)]
pub enum CreateRunError {
    #[error("a full run of {entity} is not finished: run {run_id} is {status}; {what_next}")]
    FullRunAlreadyOpen {
        entity: Entity,
        run_id: i64,
        status: RunStatus,
        what_next: String,
    },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

pub async fn create_run(
    pool: &MySqlPool,
    entity: Entity,
    mode: RunMode,
) -> Result<RunView, CreateRunError> {
    let open_full = (mode == RunMode::Full).then_some(entity.as_str());
    let inserted = sqlx::query(
        "INSERT INTO sync_runs (nonce, entity, mode, status, open_full_entity) VALUES (?, ?, ?, 'open', ?)",
    )
    .bind(new_nonce())
    .bind(entity.as_str())
    .bind(mode.as_str())
    .bind(open_full)
    .execute(pool)
    .await;
    match inserted {
        Ok(done) => {
            let id = i64::try_from(done.last_insert_id()).unwrap_or(i64::MAX);
            Ok(get_run(pool, id).await?.ok_or(sqlx::Error::RowNotFound)?)
        }
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            Err(full_run_in_the_way(pool, entity).await?)
        }
        Err(e) => Err(e.into()),
    }
}

/// Names the unfinished full run that keeps a new one of `entity` from opening, and what ends it.
async fn full_run_in_the_way(
    pool: &MySqlPool,
    entity: Entity,
) -> Result<CreateRunError, sqlx::Error> {
    let blocking: Option<(i64, String, NaiveDateTime)> =
        sqlx::query_as("SELECT id, status, updated_at FROM sync_runs WHERE open_full_entity = ?")
            .bind(entity.as_str())
            .fetch_optional(pool)
            .await?;
    let (run_id, status, updated_at) =
        blocking.unwrap_or((0, "open".into(), NaiveDateTime::default()));
    let status = RunStatus::parse(&status).unwrap_or(RunStatus::Open);
    let what_next = if status == RunStatus::Held {
        format!("its sweep waits for an operator: approve it (POST /v1/runs/{run_id}/sweep/approve) or abort the run")
    } else {
        format!(
            "last change at {updated_at} UTC; it is failed as abandoned once it has made no progress \
             for DIS_RUN_IDLE_LIMIT, or abort it now with POST /v1/runs/{run_id}/abort"
        )
    };
    Ok(CreateRunError::FullRunAlreadyOpen {
        entity,
        run_id,
        status,
        what_next,
    })
}

/// 16 hex digits from the OS's random source: no two runs share one, whatever MySQL forgot.
fn new_nonce() -> String {
    format!("{:016x}", rand::random::<u64>())
}

pub async fn get_run(pool: &MySqlPool, run_id: i64) -> Result<Option<RunView>, sqlx::Error> {
    sqlx::query(&format!("{RUN_SELECT} WHERE r.id = ?"))
        .bind(run_id)
        .fetch_optional(pool)
        .await?
        .as_ref()
        .map(run_view)
        .transpose()
}

/// The newest runs first, optionally of one entity or in one status.
pub async fn list_runs(
    pool: &MySqlPool,
    entity: Option<Entity>,
    status: Option<RunStatus>,
    limit: i64,
) -> Result<Vec<RunView>, sqlx::Error> {
    sqlx::query(&format!(
        "{RUN_SELECT} WHERE (? IS NULL OR r.entity = ?) AND (? IS NULL OR r.status = ?) ORDER BY r.id DESC LIMIT ?"
    ))
    .bind(entity.map(Entity::as_str))
    .bind(entity.map(Entity::as_str))
    .bind(status.map(RunStatus::as_str))
    .bind(status.map(RunStatus::as_str))
    .bind(limit)
    .fetch_all(pool)
    .await?
    .iter()
    .map(run_view)
    .collect()
}

/// Moves a run from one of `from` to `to`; false when it was in none of them (someone else moved it).
///
/// A run that leaves the unfinished statuses frees its entity for the next full run.
pub async fn transition(
    pool: &MySqlPool,
    run_id: i64,
    from: &[RunStatus],
    to: RunStatus,
    reason: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let placeholders = vec!["?"; from.len()].join(", ");
    let sql = format!(
        "UPDATE sync_runs SET status = ?, status_reason = COALESCE(?, status_reason), \
         open_full_entity = IF(? , NULL, open_full_entity), \
         finished_at = IF(?, CURRENT_TIMESTAMP(6), finished_at) \
         WHERE id = ? AND status IN ({placeholders})"
    );
    let mut query = sqlx::query(&sql)
        .bind(to.as_str())
        .bind(reason)
        .bind(to.is_final())
        .bind(to.is_final())
        .bind(run_id);
    for status in from {
        query = query.bind(status.as_str());
    }
    Ok(query.execute(pool).await?.rows_affected() == 1)
}

/// Records the declared end of an open run and moves it to `closing`.
pub async fn declare_end(
    pool: &MySqlPool,
    run_id: i64,
    batches: i64,
    records: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE sync_runs SET status = 'closing', declared_batches = ?, declared_records = ? \
         WHERE id = ? AND status = 'open'",
    )
    .bind(batches)
    .bind(records)
    .bind(run_id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The highest batch number a run received; with the count, it shows whether seqs 1..=N all came.
pub async fn highest_seq(pool: &MySqlPool, run_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT CAST(COALESCE(MAX(seq), 0) AS SIGNED) FROM run_batches WHERE run_id = ? AND state = 'enqueued'")
        .bind(run_id)
        .fetch_one(pool)
        .await
}

/// The status alone: the cheap check a worker makes after every job.
pub async fn run_status(pool: &MySqlPool, run_id: i64) -> Result<Option<RunStatus>, sqlx::Error> {
    let status: Option<String> = sqlx::query_scalar("SELECT status FROM sync_runs WHERE id = ?")
        .bind(run_id)
        .fetch_optional(pool)
        .await?;
    Ok(status.and_then(|s| RunStatus::parse(&s).ok()))
}

/// What a batch needs to know of its run; one primary-key read, without the progress counts.
#[derive(Debug, Clone, FromRow)]
pub struct RunHead {
    pub run_id: i64,
    pub nonce: String,
    #[sqlx(try_from = "String")]
    pub entity: Entity,
    #[sqlx(try_from = "String")]
    pub mode: RunMode,
    #[sqlx(try_from = "String")]
    pub status: RunStatus,
    pub declared_batches: Option<i64>,
}

pub async fn get_run_head(pool: &MySqlPool, run_id: i64) -> Result<Option<RunHead>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id AS run_id, nonce, entity, mode, status, declared_batches FROM sync_runs WHERE id = ?",
    )
    .bind(run_id)
    .fetch_optional(pool)
    .await
}

/// A run the worker's run watch looks at: a closing run to move on when it is done, or a sweeping
/// one whose sweep must be queued.
#[derive(Debug, Clone, FromRow)]
pub struct WatchedRun {
    pub run_id: i64,
    pub nonce: String,
    #[sqlx(try_from = "String")]
    pub status: RunStatus,
    pub sweep_approved: bool,
}

/// Runs that are `closing` or `sweeping`, oldest first, in one read.
pub async fn closing_or_sweeping_runs(pool: &MySqlPool) -> Result<Vec<WatchedRun>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id AS run_id, nonce, status, sweep_approved FROM sync_runs \
         WHERE status IN ('closing', 'sweeping') ORDER BY id",
    )
    .fetch_all(pool)
    .await
}

/// Lets a held sweep go ahead: marks it approved and moves the run back to `sweeping`, in one
/// statement. False when the run was not held (someone else moved it meanwhile).
pub async fn approve_held_sweep(
    pool: &MySqlPool,
    run_id: i64,
    approved_by: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE sync_runs SET sweep_approved = TRUE, status = 'sweeping', status_reason = ? \
         WHERE id = ? AND status = 'held'",
    )
    .bind(format!("sweep approved by {approved_by}"))
    .bind(run_id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}
