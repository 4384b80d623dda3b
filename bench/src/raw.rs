//! The ceiling: the pipeline's own 100-row upsert statements sent straight to MariaDB over N
//! connections, with nothing in front of them.

use std::time::{Duration, Instant};

use queue::RECORDS_PER_JOB;
use queue::{ApplyBatch, Records};
use records::{Entity, RunMode};
use records::{Influencer, InfluencerWire};
use sqlx::MySqlPool;
use store::apply::apply_job;
use store::runs::{create_run, get_run_head};
use store::upserts::{upsert, RunStamp};

use crate::cpu::CpuSeconds;
use crate::env::BenchEnv;
use crate::records::{changed_share, parsed, with_changed_share};

#[allow(clippy::struct_field_names)] // rows per second, each of them
pub struct RawFigures {
    pub first_rps: f64,
    pub resync_rps: f64,
    /// The re-sync without the run stamp: what it would cost if unchanged rows were not written.
    pub resync_unstamped_rps: f64,
    /// A first load through the worker's own transaction (progress row, upsert, commit) but no
    /// queue and no API: splits the pipeline's cost between the database side and the rest.
    pub first_via_apply_rps: f64,
    /// CPU spent by each process during the first load, and during the re-sync.
    pub first_cpu: CpuSeconds,
    pub resync_cpu: CpuSeconds,
}

/// The same statements as the pipeline's, stamp included: a full run writes every row it sees,
/// changed or not, so that its sweep knows what it saw.
pub async fn measure(
    env: &BenchEnv,
    day_one: &[InfluencerWire],
    resync: &[InfluencerWire],
    connections: usize,
) -> anyhow::Result<RawFigures> {
    let full = |run_id| RunStamp {
        run_id,
        mode: RunMode::Full,
    };
    let (day_one_rows, resync_rows) = (parsed(day_one), parsed(resync));
    let started = CpuSeconds::now();
    let first = upsert_all(&env.pool, day_one_rows, connections, full(1)).await?;
    let between = CpuSeconds::now();
    let again = upsert_all(&env.pool, resync_rows, connections, full(2)).await?;
    let ended = CpuSeconds::now();
    let resync_again = with_changed_share(resync, changed_share(day_one, resync));
    let incremental = RunStamp {
        run_id: 3,
        mode: RunMode::Incremental,
    };
    let unstamped = upsert_all(&env.pool, parsed(&resync_again), connections, incremental).await?;
    env.reset_tables().await?;
    let via_apply = apply_all(&env.pool, parsed(day_one), connections).await?;
    Ok(RawFigures {
        first_via_apply_rps: rate(day_one.len(), via_apply),
        first_rps: rate(day_one.len(), first),
        resync_rps: rate(resync.len(), again),
        resync_unstamped_rps: rate(day_one.len(), unstamped),
        first_cpu: between.since(started),
        resync_cpu: ended.since(between),
    })
}

pub fn rate(records: usize, took: Duration) -> f64 {
    records as f64 / took.as_secs_f64().max(1e-9)
}

/// Upserts `rows` in 100-row statements, chunk `i` on connection `i % connections`.
pub async fn upsert_all(
    pool: &MySqlPool,
    rows: Vec<Influencer>,
    connections: usize,
    stamp: RunStamp,
) -> anyhow::Result<Duration> {
    let chunks: Vec<Vec<Influencer>> = rows
        .chunks(RECORDS_PER_JOB)
        .map(<[Influencer]>::to_vec)
        .collect();
    let pool = pool.clone();
    timed_lanes(deal(chunks, connections), move |lane| {
        let pool = pool.clone();
        async move {
            let mut conn = pool.acquire().await?;
            for chunk in lane {
                upsert(&mut conn, &chunk, stamp).await?;
            }
            Ok(())
        }
    })
    .await
}

/// Applies `rows` as the worker does (`apply_job`: progress row and upsert in one transaction),
/// over `connections` lanes, without the queue.
async fn apply_all(
    pool: &MySqlPool,
    rows: Vec<Influencer>,
    connections: usize,
) -> anyhow::Result<Duration> {
    // The worker applies only jobs of a run MySQL knows.
    let run_id = create_run(pool, Entity::Influencers, RunMode::Full)
        .await?
        .run_id;
    let run = get_run_head(pool, run_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("run {run_id} vanished"))?;
    let jobs: Vec<ApplyBatch> = rows
        .chunks(RECORDS_PER_JOB)
        .enumerate()
        .map(|(chunk, records)| ApplyBatch {
            run_id: run.run_id,
            run_nonce: run.nonce.clone(),
            mode: RunMode::Full,
            batch_seq: 1,
            chunk: chunk as i32,
            indices: (0..records.len() as i32).collect(),
            records: Records::Influencers(records.to_vec()),
        })
        .collect();
    let pool = pool.clone();
    timed_lanes(deal(jobs, connections), move |lane| {
        let pool = pool.clone();
        async move {
            for job in lane {
                apply_job(&pool, &job).await?;
            }
            Ok(())
        }
    })
    .await
}

/// Runs `work` on every lane at once, each on its own task; the time until the last one ends.
async fn timed_lanes<T, F, Fut>(lanes: Vec<Vec<T>>, work: F) -> anyhow::Result<Duration>
where
    F: Fn(Vec<T>) -> Fut,
    Fut: std::future::Future<Output = Result<(), sqlx::Error>> + Send + 'static,
{
    let started = Instant::now();
    let tasks: Vec<_> = lanes
        .into_iter()
        .map(|lane| tokio::spawn(work(lane)))
        .collect();
    for task in tasks {
        task.await??;
    }
    Ok(started.elapsed())
}

/// Deals `items` round-robin into `lanes` lists, item `i` to lane `i % lanes`, order kept.
fn deal<T>(items: Vec<T>, lanes: usize) -> Vec<Vec<T>> {
    let mut dealt: Vec<Vec<T>> = (0..lanes).map(|_| Vec::new()).collect();
    for (i, item) in items.into_iter().enumerate() {
        dealt[i % lanes].push(item);
    }
    dealt
}
