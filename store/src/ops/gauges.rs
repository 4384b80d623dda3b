//! What the API's `/metrics` reads from MySQL when it is scraped: the runs by entity and status,
//! and how long ago each entity's last full run completed — one statement for both, whatever the
//! number of runs.

use sqlx::{FromRow, MySqlPool};

use records::{Entity, RunStatus};

/// The runs of one entity in one status.
#[derive(Debug, Clone, FromRow)]
pub struct RunsInStatus {
    #[sqlx(try_from = "String")]
    pub entity: Entity,
    #[sqlx(try_from = "String")]
    pub status: RunStatus,
    pub runs: i64,
    /// For `completed`: seconds since the latest full run of the entity finished, by MySQL's
    /// clock; none for other statuses, or when only incremental runs completed.
    pub full_run_age_seconds: Option<f64>,
}

/// Every (entity, status) that has runs, with its count. One statement over `sync_runs`, which
/// holds a row per run (a few a day).
pub async fn runs_by_status(pool: &MySqlPool) -> Result<Vec<RunsInStatus>, sqlx::Error> {
    sqlx::query_as(
        "SELECT entity, status, COUNT(*) AS runs, \
         CAST(TIMESTAMPDIFF(MICROSECOND, \
              MAX(CASE WHEN mode = 'full' AND status = 'completed' THEN finished_at END), NOW(6) \
         ) / 1000000 AS DOUBLE) AS full_run_age_seconds \
         FROM sync_runs GROUP BY entity, status",
    )
    .fetch_all(pool)
    .await
}
