//! The whole pipeline, extractor → API → Redis → workers → MySQL, timed from the run's creation
//! to its completion.

use extractor::{sync_entity, ApiClient, RunReport, SyncOptions};
use records::{Entity, InfluencerWire, RunMode};

use crate::cpu::CpuSeconds;
use crate::env::{BenchEnv, TOKEN};

pub struct PipelineFigures {
    pub first_rps: f64,
    pub resync_rps: f64,
    /// CPU spent by each process during the first load, and during the re-sync.
    pub first_cpu: CpuSeconds,
    pub resync_cpu: CpuSeconds,
}

pub async fn full_run(env: &BenchEnv, records: &[InfluencerWire]) -> anyhow::Result<RunReport> {
    let client = ApiClient::new(env.api_url.clone(), TOKEN);
    let options = SyncOptions {
        progress: false,
        ..SyncOptions::default()
    };
    let report = sync_entity(
        &client,
        Entity::Influencers,
        RunMode::Full,
        records.iter().cloned(),
        &options,
    )
    .await?;
    anyhow::ensure!(
        report.completed(),
        "the bench run did not complete: {report}"
    );
    anyhow::ensure!(
        report.loaded == records.len() as u64,
        "the bench run loaded {} of {}",
        report.loaded,
        records.len()
    );
    Ok(report)
}

pub async fn measure(
    env: &BenchEnv,
    day_one: &[InfluencerWire],
    resync: &[InfluencerWire],
) -> anyhow::Result<PipelineFigures> {
    env.start_workers().await;
    let started = CpuSeconds::now();
    let first = full_run(env, day_one).await?;
    let between = CpuSeconds::now();
    let again = full_run(env, resync).await?;
    let ended = CpuSeconds::now();
    env.stop_workers().await;
    Ok(PipelineFigures {
        first_rps: first.records_per_second(),
        resync_rps: again.records_per_second(),
        first_cpu: between.since(started),
        resync_cpu: ended.since(between),
    })
}
