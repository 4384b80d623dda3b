//! Where the worker's transaction costs: the same 100-row upserts over 4 connections, written
//! autocommit (the raw ceiling), inside a transaction, and with the job's progress row, with and
//! without a pool checkout per job. `cargo run --release -p bench --example tx_cost -- 200000`

use std::time::Instant;

use bench::records::{day_one, parsed};
use queue::{ApplyBatch, Records, RECORDS_PER_JOB};
use records::{Influencer, RunMode};
use sqlx::{Connection, MySqlPool};
use store::apply::{claim_job, stamp_of};
use store::upserts::upsert_records;

#[derive(Clone, Copy, Debug)]
enum Variant {
    Autocommit,
    TxHeldConnection,
    TxPoolCheckout,
    TxWithProgressHeld,
    TxWithProgressPool,
}

async fn apply(
    pool: &MySqlPool,
    conn: &mut sqlx::MySqlConnection,
    job: &ApplyBatch,
    v: Variant,
) -> sqlx::Result<()> {
    match v {
        Variant::Autocommit => {
            upsert_records(conn, &job.records, stamp_of(job)).await?;
        }
        Variant::TxHeldConnection => {
            let mut tx = conn.begin().await?;
            upsert_records(&mut tx, &job.records, stamp_of(job)).await?;
            tx.commit().await?;
        }
        Variant::TxPoolCheckout => {
            let mut tx = pool.begin().await?;
            upsert_records(&mut tx, &job.records, stamp_of(job)).await?;
            tx.commit().await?;
        }
        Variant::TxWithProgressHeld => {
            let mut tx = conn.begin().await?;
            claim_job(&mut tx, job, job.records.len(), 0).await?;
            upsert_records(&mut tx, &job.records, stamp_of(job)).await?;
            tx.commit().await?;
        }
        Variant::TxWithProgressPool => {
            let mut tx = pool.begin().await?;
            claim_job(&mut tx, job, job.records.len(), 0).await?;
            upsert_records(&mut tx, &job.records, stamp_of(job)).await?;
            tx.commit().await?;
        }
    }
    Ok(())
}

fn jobs(rows: &[Influencer], run_id: i64) -> Vec<ApplyBatch> {
    rows.chunks(RECORDS_PER_JOB)
        .enumerate()
        .map(|(chunk, records)| ApplyBatch {
            run_id,
            // Unchecked here: claim_job and upsert_records are called without apply_job's check.
            run_nonce: String::new(),
            mode: RunMode::Full,
            batch_seq: 1,
            chunk: chunk as i32,
            indices: (0..records.len() as i32).collect(),
            records: Records::Influencers(records.to_vec()),
        })
        .collect()
}

async fn measure(
    pool: &MySqlPool,
    rows: &[Influencer],
    run_id: i64,
    v: Variant,
) -> anyhow::Result<f64> {
    sqlx::query("TRUNCATE influencers").execute(pool).await?;
    let all = jobs(rows, run_id);
    let lanes = 4;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for lane in 0..lanes {
        let mine: Vec<ApplyBatch> = all.iter().skip(lane).step_by(lanes).cloned().collect();
        let pool = pool.clone();
        tasks.push(tokio::spawn(async move {
            let mut conn = pool.acquire().await?;
            for job in &mine {
                apply(&pool, &mut conn, job, v).await?;
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(rows.len() as f64 / started.elapsed().as_secs_f64())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args().nth(1).map_or(Ok(200_000), |a| a.parse())?;
    let url = format!(
        "mysql://root@127.0.0.1:3306/dis_txcost_{}",
        std::process::id()
    );
    let pool = store::connect_and_migrate(&url, 10).await?;
    let rows = parsed(&day_one(n));
    let variants = [
        Variant::Autocommit,
        Variant::TxHeldConnection,
        Variant::TxPoolCheckout,
        Variant::TxWithProgressHeld,
        Variant::TxWithProgressPool,
    ];
    for round in 0..2 {
        for (i, v) in variants.iter().enumerate() {
            let run_id = (round * 10 + i + 1) as i64;
            let rps = measure(&pool, &rows, run_id, *v).await?;
            println!("round {round} {v:?}: {rps:.0} rows/s");
        }
    }
    pool.close().await;
    store::drop_database(&url).await?;
    Ok(())
}
