//! What a sweep would delete: the rows of the entity that the run did not see, minus every key
//! the rules protect. The same condition drives the dry run and the deletes.

use sqlx::MySqlPool;

use records::api::{RunView, SweepPlan};

/// The part of [`CANDIDATE_CONDITION`] that writes can change while a sweep runs: the run did not
/// stamp the row, and the ERP did not change it after the run began (an incremental run may bring
/// it meanwhile). Its parameters are the first two of [`bind_candidates`].
macro_rules! unseen_and_unchanged {
    () => {
        "NOT (t.last_full_run_id <=> ?) AND t.source_updated_at < ?"
    };
}
pub(crate) const UNSEEN_AND_UNCHANGED: &str = unseen_and_unchanged!();

/// A row is a candidate when it is unseen and unchanged (above), and the run did not reject its
/// key (a rejected key exists in the ERP; a sweeping run's rejections no longer change).
pub(crate) const CANDIDATE_CONDITION: &str = concat!(
    unseen_and_unchanged!(),
    " AND NOT EXISTS (SELECT 1 FROM rejected_records rr WHERE rr.entity = ? AND rr.run_id = ? AND rr.erp_id = t.erp_id)"
);

/// Binds the parameters of [`CANDIDATE_CONDITION`], in order.
pub(crate) fn bind_candidates<'q, O>(
    query: sqlx::query::QueryScalar<'q, sqlx::MySql, O, sqlx::mysql::MySqlArguments>,
    run: &'q RunView,
) -> sqlx::query::QueryScalar<'q, sqlx::MySql, O, sqlx::mysql::MySqlArguments> {
    query
        .bind(run.run_id)
        .bind(run.created_at)
        .bind(run.entity.as_str())
        .bind(run.run_id)
}

pub(crate) async fn count_candidates(
    pool: &MySqlPool,
    run: &RunView,
) -> Result<(i64, i64), sqlx::Error> {
    let table = run.entity.table();
    let sql = format!("SELECT COUNT(*) FROM {table} t WHERE {CANDIDATE_CONDITION}");
    let would_delete: i64 = bind_candidates(sqlx::query_scalar(&sql), run)
        .fetch_one(pool)
        .await?;
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(pool)
        .await?;
    Ok((would_delete, total))
}

pub(crate) fn exceeds_share(would_delete: i64, total: i64, max_share: f64) -> bool {
    total > 0 && (would_delete as f64) > max_share * (total as f64)
}

/// Plans the sweep of `run` without deleting anything; `after`/`limit` page through the keys.
pub async fn plan_sweep(
    pool: &MySqlPool,
    run: &RunView,
    max_share: f64,
    after: i64,
    limit: i64,
) -> Result<SweepPlan, sqlx::Error> {
    let (would_delete, total) = count_candidates(pool, run).await?;
    let sql = format!(
        "SELECT t.erp_id FROM {} t WHERE {CANDIDATE_CONDITION} AND t.erp_id > ? ORDER BY t.erp_id LIMIT ?",
        run.entity.table()
    );
    let keys: Vec<i64> = bind_candidates(sqlx::query_scalar(&sql), run)
        .bind(after)
        .bind(limit + 1)
        .fetch_all(pool)
        .await?;
    let has_more = keys.len() as i64 > limit;
    let keys: Vec<i64> = keys.into_iter().take(limit as usize).collect();
    Ok(SweepPlan {
        run_id: run.run_id,
        entity: run.entity,
        would_delete,
        rows_in_table: total,
        share: if total > 0 {
            would_delete as f64 / total as f64
        } else {
            0.0
        },
        max_share,
        needs_approval: exceeds_share(would_delete, total, max_share) && !run.sweep_approved,
        next_after: if has_more { keys.last().copied() } else { None },
        keys,
    })
}
