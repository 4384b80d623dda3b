//! The sweep of 2 % of the table, audit included, against a plain anti-join DELETE of the same rows.

use std::time::{Duration, Instant};

use records::{InfluencerWire, RunMode};
use store::sweep::{sweep_run, SweepOutcome, SweepSettings};
use store::upserts::RunStamp;

use crate::env::BenchEnv;
use crate::raw::upsert_all;
use crate::records::parsed;

pub struct SweepFigures {
    pub deleted: i64,
    pub sweep: Duration,
    pub plain_delete: Duration,
}

pub async fn measure(env: &BenchEnv, records: &[InfluencerWire]) -> anyhow::Result<SweepFigures> {
    env.reset_tables().await?;
    let loaded = RunStamp {
        run_id: 0,
        mode: RunMode::Incremental,
    };
    upsert_all(&env.pool, parsed(records), 4, loaded).await?;
    let run_id = sqlx::query(
        "INSERT INTO sync_runs (entity, mode, status, received_records, accepted_records, sweep_approved) \
         VALUES ('influencers', 'full', 'sweeping', 1, 1, FALSE)",
    )
    .execute(&env.pool)
    .await?
    .last_insert_id();
    // The run saw every key but one in fifty; timestamps are moved before the run so that only
    // the "not seen" rule decides.
    sqlx::query("UPDATE influencers SET source_updated_at = '2020-01-01', last_full_run_id = IF(erp_id % 50 = 0, NULL, ?)")
        .bind(run_id)
        .execute(&env.pool)
        .await?;
    for sql in [
        "DROP TABLE IF EXISTS bench_plain",
        "CREATE TABLE bench_plain LIKE influencers",
        "INSERT INTO bench_plain SELECT * FROM influencers",
        "DROP TABLE IF EXISTS bench_seen",
        "CREATE TABLE bench_seen (erp_id BIGINT PRIMARY KEY)",
        "INSERT INTO bench_seen SELECT erp_id FROM influencers WHERE last_full_run_id IS NOT NULL",
    ] {
        sqlx::query(sql).execute(&env.pool).await?;
    }
    let started = Instant::now();
    sqlx::query("DELETE p FROM bench_plain p LEFT JOIN bench_seen s ON s.erp_id = p.erp_id WHERE s.erp_id IS NULL")
        .execute(&env.pool)
        .await?;
    let plain_delete = started.elapsed();

    let started = Instant::now();
    let outcome = sweep_run(
        &env.pool,
        run_id as i64,
        SweepSettings {
            max_share: 1.0,
            ..SweepSettings::default()
        },
    )
    .await?;
    let sweep = started.elapsed();
    let SweepOutcome::Swept { deleted, .. } = outcome else {
        anyhow::bail!("the bench sweep did not sweep: {outcome:?}");
    };
    for sql in ["DROP TABLE bench_plain", "DROP TABLE bench_seen"] {
        sqlx::query(sql).execute(&env.pool).await?;
    }
    Ok(SweepFigures {
        deleted,
        sweep,
        plain_delete,
    })
}
