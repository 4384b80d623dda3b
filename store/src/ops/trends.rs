//! The nightly trends: for the last full runs of each entity, how many records came and how many
//! failed (rejected by validation or by the database, or dead-lettered with their job).

use chrono::NaiveDateTime;
use sqlx::{FromRow, MySqlPool};

use records::{Entity, RunStatus};

/// Full runs per entity the trends look back over.
pub const TREND_RUNS: i64 = 30;

/// One full run, as a point of its entity's trend.
#[derive(Debug, Clone, FromRow)]
pub struct TrendPoint {
    #[sqlx(try_from = "String")]
    pub entity: Entity,
    pub run_id: i64,
    #[sqlx(try_from = "String")]
    pub status: RunStatus,
    pub started_at: NaiveDateTime,
    pub records: i64,
    pub rejected: i64,
    pub dead_letters: i64,
}

impl TrendPoint {
    pub fn failures(&self) -> i64 {
        self.rejected + self.dead_letters
    }
}

/// The last [`TREND_RUNS`] full runs of every entity, oldest first within an entity. One
/// statement: a window over the full runs, then two counts per kept run on indexed columns.
pub async fn trends(pool: &MySqlPool) -> Result<Vec<TrendPoint>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.entity, r.id AS run_id, r.status, r.created_at AS started_at, r.received_records AS records, \
         (SELECT COUNT(*) FROM rejected_records x WHERE x.run_id = r.id) AS rejected, \
         (SELECT COUNT(*) FROM dead_letters d WHERE d.run_id = r.id) AS dead_letters \
         FROM (SELECT id, entity, status, created_at, received_records, \
               ROW_NUMBER() OVER (PARTITION BY entity ORDER BY id DESC) AS newness \
               FROM sync_runs WHERE mode = 'full') r \
         WHERE r.newness <= ? ORDER BY r.entity, r.id",
    )
    .bind(TREND_RUNS)
    .fetch_all(pool)
    .await
}
