//! Wiring the handlers to apalis: queues, concurrency, and what happens after a job.

use std::future::Future;
use std::sync::Arc;

use apalis::prelude::*;
use futures::future::BoxFuture;
use futures::FutureExt;
use sqlx::MySqlPool;
use tokio_util::sync::CancellationToken;

use queue::{
    apply_batch_storage, connect_redis, sweep_run_storage, ApplyBatch, ApplyBatchStorage, SweepRun,
    SweepRunStorage,
};
use startup::config::Settings;

use crate::apply::apply_until_recorded;
use crate::config::RetryConfig;
use crate::run_watch::watch_runs;
use crate::supervise::{next_instance, supervise, worker_name, Liveness};
use crate::sweep_job::{sweep_until_done, SweepSettings};
use crate::vacuum::run_vacuum;

/// What every handler needs; shared by all jobs of a process.
#[derive(Clone)]
pub struct WorkerDeps {
    pub pool: MySqlPool,
    pub retry: RetryConfig,
    pub sweeps: SweepRunStorage,
    pub sweep: SweepSettings,
}

/// Never fails: a job ends applied, partly rejected or dead-lettered, or is held until it can be.
async fn handle_apply(job: ApplyBatch, deps: Data<Arc<WorkerDeps>>) {
    apply_until_recorded(&deps.pool, &job, deps.retry).await;
}

/// Never fails, for the same reason as [`handle_apply`].
async fn handle_sweep(job: SweepRun, deps: Data<Arc<WorkerDeps>>) {
    sweep_until_done(&deps.pool, job.run_id, deps.sweep).await;
}

/// One start of the apply worker, until `stop`. Boxed here, where its types are concrete, so
/// callers can hold it across `.await` in a `Send` future.
fn apply_worker(
    name: String,
    storage: ApplyBatchStorage,
    deps: Arc<WorkerDeps>,
    concurrency: usize,
    stop: CancellationToken,
    liveness: Liveness,
) -> BoxFuture<'static, Result<(), WorkerError>> {
    WorkerBuilder::new(name)
        .backend(storage)
        .data(deps)
        .on_event(move |_, _| liveness.beat())
        .concurrency(concurrency)
        // Without it a worker's jobs share one task, and so one core, for their CPU work.
        .parallelize(tokio::spawn)
        .build(handle_apply)
        .run_until(stop.cancelled_owned().map(Ok::<(), WorkerError>))
        .boxed()
}

/// One start of the sweep worker: one sweep at a time per process (the sweep itself also locks
/// its entity in MySQL).
fn sweep_worker(
    name: String,
    storage: SweepRunStorage,
    deps: Arc<WorkerDeps>,
    stop: CancellationToken,
    liveness: Liveness,
) -> BoxFuture<'static, Result<(), WorkerError>> {
    WorkerBuilder::new(name)
        .backend(storage)
        .data(deps)
        .on_event(move |_, _| liveness.beat())
        .concurrency(1)
        .build(handle_sweep)
        .run_until(stop.cancelled_owned().map(Ok::<(), WorkerError>))
        .boxed()
}

/// Runs the apply and sweep workers until `shutdown` resolves, restarting either when it fails.
pub async fn run_workers(
    settings: &Settings,
    shutdown: impl Future<Output = std::io::Result<()>> + Send + 'static,
) -> anyhow::Result<()> {
    let concurrency = settings.worker_concurrency.max(1);
    let pool = store::connect_and_migrate(&settings.mysql_url, concurrency as u32 + 2).await?;
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
    tracing::info!(?settings, "worker starting");
    let stop = CancellationToken::new();
    let run_watch = tokio::spawn(watch_runs(
        deps.pool.clone(),
        deps.sweeps.clone(),
        settings.run_idle_limit,
    ));
    let vacuum = tokio::spawn(run_vacuum(applies.clone(), deps.sweeps.clone()));
    let instance = next_instance();
    let apply_deps = deps.clone();
    let applying = supervise("apply-batch", stop.clone(), move |start, stop, liveness| {
        let name = worker_name("dis-apply-batch", instance, start);
        let deps = apply_deps.clone();
        apply_worker(name, applies.clone(), deps, concurrency, stop, liveness)
    });
    let sweeps = deps.sweeps.clone();
    let sweeping = supervise("sweep-run", stop.clone(), move |start, stop, liveness| {
        let name = worker_name("dis-sweep-run", instance, start);
        sweep_worker(name, sweeps.clone(), deps.clone(), stop, liveness)
    });
    let stop_on_shutdown = async {
        let stopped = shutdown.await;
        stop.cancel();
        stopped
    };
    let (stopped, (), ()) = tokio::join!(stop_on_shutdown, applying, sweeping);
    run_watch.abort();
    vacuum.abort();
    stopped?;
    Ok(())
}
