//! Runs as the dashboard lists them: newest first, filtered, paged, with the progress of their
//! jobs, their duration and their throughput.

use std::collections::HashMap;
use std::time::Duration;

use chrono::NaiveDateTime;
use sqlx::{FromRow, MySqlPool, QueryBuilder};

use super::{Page, Paging};
use records::{Entity, RunMode, RunStatus};

/// A run with every count an operator compares.
#[derive(Debug, Clone, FromRow)]
pub struct RunRow {
    pub run_id: i64,
    #[sqlx(try_from = "String")]
    pub entity: Entity,
    #[sqlx(try_from = "String")]
    pub mode: RunMode,
    #[sqlx(try_from = "String")]
    pub status: RunStatus,
    pub status_reason: Option<String>,
    pub declared_batches: Option<i64>,
    pub declared_records: Option<i64>,
    pub received_batches: i64,
    pub received_records: i64,
    pub accepted_records: i64,
    /// Refused by validation in the API.
    pub rejected_records: i64,
    pub jobs_enqueued: i64,
    pub sweep_approved: bool,
    pub swept_rows: i64,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
    /// MySQL's clock when the row was read: durations of running runs use it, not the API's.
    pub read_at: NaiveDateTime,
    #[sqlx(skip)]
    pub jobs: JobProgress,
}

/// What the workers did for a run, summed from `run_jobs`.
#[derive(Debug, Clone, Default)]
pub struct JobProgress {
    pub jobs_applied: i64,
    /// Records written to MySQL.
    pub applied_records: i64,
    /// Records the database refused while applying.
    pub db_rejected_records: i64,
    pub last_applied_at: Option<NaiveDateTime>,
}

impl RunRow {
    /// Refused by validation or by the database.
    pub fn rejected_total(&self) -> i64 {
        self.rejected_records + self.jobs.db_rejected_records
    }

    /// From creation to the end, or to now while it runs.
    pub fn duration(&self) -> Duration {
        span(self.created_at, self.finished_at.unwrap_or(self.read_at))
    }

    /// Records applied per second, from creation to the last applied job; a held sweep's wait
    /// does not dilute it.
    pub fn records_per_second(&self) -> Option<f64> {
        let seconds = span(self.created_at, self.jobs.last_applied_at?).as_secs_f64();
        (seconds > 0.0).then(|| self.jobs.applied_records as f64 / seconds)
    }

    /// Share of the records handled (applied, or rejected by either side) while the run is open
    /// or closing: of those declared once the end is declared, of those received before.
    pub fn progress(&self) -> Option<f64> {
        if !matches!(self.status, RunStatus::Open | RunStatus::Closing) {
            return None;
        }
        let expected = self.declared_records.unwrap_or(self.received_records);
        if expected <= 0 {
            return Some(0.0);
        }
        let handled = self.jobs.applied_records + self.rejected_total();
        Some((handled as f64 / expected as f64).clamp(0.0, 1.0))
    }
}

fn span(from: NaiveDateTime, to: NaiveDateTime) -> Duration {
    (to - from).to_std().unwrap_or_default()
}

/// Which runs to list.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunFilter {
    pub entity: Option<Entity>,
    pub status: Option<RunStatus>,
}

const RUN_COLUMNS: &str = "SELECT id AS run_id, entity, mode, status, status_reason, declared_batches, \
    declared_records, received_batches, received_records, accepted_records, rejected_records, \
    jobs_enqueued, sweep_approved, swept_rows, created_at, finished_at, UTC_TIMESTAMP(6) AS read_at \
    FROM sync_runs";

/// The newest runs first. Two statements: the page of runs, then their jobs' progress in one
/// grouped read over `run_jobs`'s primary key.
pub async fn runs_page(
    pool: &MySqlPool,
    filter: RunFilter,
    paging: Paging,
) -> Result<Page<RunRow>, sqlx::Error> {
    let mut rows: Vec<RunRow> = sqlx::query_as(&format!(
        "{RUN_COLUMNS} WHERE (? IS NULL OR entity = ?) AND (? IS NULL OR status = ?) \
         ORDER BY id DESC LIMIT ? OFFSET ?"
    ))
    .bind(filter.entity.map(Entity::as_str))
    .bind(filter.entity.map(Entity::as_str))
    .bind(filter.status.map(RunStatus::as_str))
    .bind(filter.status.map(RunStatus::as_str))
    .bind(paging.limit_probe())
    .bind(paging.offset())
    .fetch_all(pool)
    .await?;
    attach_progress(pool, &mut rows).await?;
    Ok(Page::from_probe(rows, paging))
}

/// Runs still moving (open, closing, sweeping) or waiting for an operator (held). Two statements.
pub async fn unfinished_runs(pool: &MySqlPool) -> Result<Vec<RunRow>, sqlx::Error> {
    let mut rows: Vec<RunRow> = sqlx::query_as(&format!(
        "{RUN_COLUMNS} WHERE status IN ('open', 'closing', 'sweeping', 'held') ORDER BY id DESC LIMIT 50"
    ))
    .fetch_all(pool)
    .await?;
    attach_progress(pool, &mut rows).await?;
    Ok(rows)
}

/// One run with its progress. Two statements.
pub async fn run_row(pool: &MySqlPool, run_id: i64) -> Result<Option<RunRow>, sqlx::Error> {
    let row: Option<RunRow> = sqlx::query_as(&format!("{RUN_COLUMNS} WHERE id = ?"))
        .bind(run_id)
        .fetch_optional(pool)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let mut rows = vec![row];
    attach_progress(pool, &mut rows).await?;
    Ok(rows.pop())
}

async fn attach_progress(pool: &MySqlPool, rows: &mut [RunRow]) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut query = QueryBuilder::new(
        "SELECT run_id, COUNT(*) AS jobs_applied, CAST(SUM(loaded) AS SIGNED) AS applied_records, \
         CAST(SUM(rejected) AS SIGNED) AS db_rejected_records, MAX(applied_at) AS last_applied_at \
         FROM run_jobs WHERE run_id IN (",
    );
    let mut ids = query.separated(", ");
    for row in rows.iter() {
        ids.push_bind(row.run_id);
    }
    query.push(") GROUP BY run_id");
    let progress: Vec<(i64, i64, i64, i64, Option<NaiveDateTime>)> =
        query.build_query_as().fetch_all(pool).await?;
    let mut by_run: HashMap<i64, JobProgress> = progress
        .into_iter()
        .map(|(run_id, jobs_applied, applied, db_rejected, last)| {
            let jobs = JobProgress {
                jobs_applied,
                applied_records: applied,
                db_rejected_records: db_rejected,
                last_applied_at: last,
            };
            (run_id, jobs)
        })
        .collect();
    for row in rows {
        row.jobs = by_run.remove(&row.run_id).unwrap_or_default();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_800_000_000 + seconds, 0)
            .unwrap()
            .naive_utc()
    }

    fn run(status: RunStatus) -> RunRow {
        RunRow {
            run_id: 1,
            entity: Entity::Influencers,
            mode: RunMode::Full,
            status,
            status_reason: None,
            declared_batches: None,
            declared_records: None,
            received_batches: 2,
            received_records: 2000,
            accepted_records: 1990,
            rejected_records: 10,
            jobs_enqueued: 20,
            sweep_approved: false,
            swept_rows: 0,
            created_at: at(0),
            finished_at: None,
            read_at: at(100),
            jobs: JobProgress {
                jobs_applied: 10,
                applied_records: 990,
                db_rejected_records: 0,
                last_applied_at: Some(at(10)),
            },
        }
    }

    #[test]
    fn an_open_run_measures_its_progress_against_what_it_received() {
        let open = run(RunStatus::Open);
        assert_eq!(open.progress(), Some(0.5));
        assert_eq!(open.duration(), Duration::from_secs(100));
        assert_eq!(open.records_per_second(), Some(99.0));
    }

    #[test]
    fn a_closing_run_measures_against_its_declaration_and_a_finished_one_shows_no_bar() {
        let mut closing = run(RunStatus::Closing);
        closing.declared_records = Some(4000);
        assert_eq!(closing.progress(), Some(0.25));
        let mut held = run(RunStatus::Held);
        held.finished_at = Some(at(40));
        assert_eq!(held.progress(), None);
        assert_eq!(held.duration(), Duration::from_secs(40));
        held.jobs.last_applied_at = None;
        assert_eq!(held.records_per_second(), None);
    }
}
