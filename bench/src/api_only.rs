//! The API alone, workers stopped: how fast it validates, files and enqueues records.

use std::time::Instant;

use extractor::ApiClient;
use futures::stream::{self, StreamExt, TryStreamExt};
use records::{Entity, InfluencerWire, RunMode};

use crate::env::{clear_namespace, BenchEnv, TOKEN};
use crate::raw::rate;

const BATCH: usize = 1000;
const IN_FLIGHT: usize = 4;

pub async fn measure(env: &BenchEnv, records: &[InfluencerWire]) -> anyhow::Result<f64> {
    let client = ApiClient::new(env.api_url.clone(), TOKEN);
    let run_id = client
        .create_run(Entity::Influencers, RunMode::Incremental)
        .await?
        .run_id;
    let started = Instant::now();
    let accepted: Vec<u64> = stream::iter(records.chunks(BATCH).enumerate())
        .map(|(i, batch)| {
            let client = &client;
            async move {
                client
                    .put_batch(run_id, i as u64 + 1, batch)
                    .await
                    .map(|r| r.accepted)
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .try_collect()
        .await?;
    let took = started.elapsed();
    anyhow::ensure!(
        accepted.iter().sum::<u64>() == records.len() as u64,
        "the API did not accept every record"
    );
    client.abort(run_id).await?;
    // The jobs stay in Redis with no worker: take them away so nothing applies them later.
    clear_namespace(&env.settings.redis_url, &env.settings.queue_namespace).await?;
    Ok(rate(records.len(), took))
}
