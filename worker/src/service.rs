//! Wiring the handlers to apalis: queues, concurrency, and what happens after a job.

use std::future::Future;
use std::sync::Arc;

use apalis::prelude::*;
use sqlx::MySqlPool;

use shared::config::Settings;
use shared::jobs::{
    apply_batch_storage, connect_redis, sweep_run_storage, ApplyBatch, SweepRun, SweepRunStorage,
};

use crate::apply::apply_batch;
use crate::config::RetryConfig;
use crate::settler::run_settler;
use crate::sweep_job::{sweep_run, SweepSettings};

/// What every handler needs; shared by all jobs of a process.
#[derive(Clone)]
pub struct WorkerDeps {
    pub pool: MySqlPool,
    pub retry: RetryConfig,
    pub sweeps: SweepRunStorage,
    pub sweep: SweepSettings,
}

async fn handle_apply(job: ApplyBatch, deps: Data<Arc<WorkerDeps>>) -> Result<(), BoxDynError> {
    let outcome = apply_batch(&deps.pool, &job, deps.retry).await?;
    tracing::debug!(run_id = job.run_id, job = %job.key(), ?outcome, "job done");
    Ok(())
}

async fn handle_sweep(job: SweepRun, deps: Data<Arc<WorkerDeps>>) -> Result<(), BoxDynError> {
    let outcome = sweep_run(&deps.pool, job.run_id, deps.sweep).await?;
    tracing::info!(run_id = job.run_id, ?outcome, "sweep done");
    Ok(())
}

/// Runs the apply and sweep workers until `shutdown` resolves.
pub async fn run_workers(
    settings: &Settings,
    shutdown: impl Future<Output = std::io::Result<()>> + Send + 'static,
) -> anyhow::Result<()> {
    let concurrency = settings.worker_concurrency.max(1);
    let pool = shared::db::connect_and_migrate(&settings.mysql_url, concurrency as u32 + 2).await?;
    let conn = connect_redis(&settings.redis_url).await?;
    let applies = apply_batch_storage(conn.clone(), &settings.queue_namespace);
    let deps = Arc::new(WorkerDeps {
        pool,
        retry: RetryConfig::from_settings(settings),
        sweeps: sweep_run_storage(conn, &settings.queue_namespace),
        sweep: SweepSettings {
            max_share: settings.sweep_max_share,
            ..SweepSettings::default()
        },
    });
    let sweep_deps = deps.clone();
    let sweeps = deps.sweeps.clone();
    tracing::info!(?settings, "worker starting");
    let settler = tokio::spawn(run_settler(deps.pool.clone(), deps.sweeps.clone()));
    let monitored = Monitor::new()
        .register(move |_| {
            WorkerBuilder::new("dis-apply-batch")
                .backend(applies.clone())
                .data(deps.clone())
                .concurrency(concurrency)
                // Without it a worker's jobs share one task, and so one core, for their CPU work.
                .parallelize(tokio::spawn)
                .build(handle_apply)
        })
        .register(move |_| {
            // One sweep at a time per process; the sweep itself also locks its entity in MySQL.
            WorkerBuilder::new("dis-sweep-run")
                .backend(sweeps.clone())
                .data(sweep_deps.clone())
                .concurrency(1)
                .build(handle_sweep)
        })
        .run_with_signal(shutdown)
        .await;
    settler.abort();
    monitored?;
    Ok(())
}
