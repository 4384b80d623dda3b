//! Wiring the handlers to apalis: queues, concurrency, and what happens after a job.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use apalis::prelude::*;
use futures::future::BoxFuture;
use futures::FutureExt;
use sqlx::MySqlPool;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use apalis_redis::{Config, ConnectionManager, RedisStorage};
use queue::{
    apply_batch_storage, apply_payload_storage, sweep_run_storage, ApplyBatchStorage, ApplyPayload,
    ApplyPayloadStorage, SweepRun, SweepRunStorage,
};

use crate::apply::dead_letter_undecodable;
use crate::config::RetryConfig;
use crate::fetch_on_wake::FetchOnWake;
use crate::group::JobGroups;
use crate::run_watch::watch_runs;
use crate::settings::Settings;
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
    /// Where apply jobs wait to be applied several to a transaction.
    pub groups: JobGroups,
}

/// Never fails: a job ends applied, partly rejected or dead-lettered, or is held until it can be.
async fn handle_apply(payload: ApplyPayload, deps: Data<Arc<WorkerDeps>>) {
    match payload.decode() {
        Ok(job) => {
            deps.groups.apply(job).await;
        }
        Err(error) => {
            dead_letter_undecodable(&deps.pool, &payload, &error.to_string(), deps.retry).await;
        }
    }
}

/// Never fails, for the same reason as [`handle_apply`].
async fn handle_sweep(job: SweepRun, deps: Data<Arc<WorkerDeps>>) {
    sweep_until_done(&deps.pool, job.run_id, deps.sweep).await;
}

/// One start of the apply worker, until `stop`. Boxed here, where its types are concrete, so
/// callers can hold it across `.await` in a `Send` future.
fn apply_worker(
    name: String,
    storage: ApplyPayloadStorage,
    deps: Arc<WorkerDeps>,
    concurrency: usize,
    stop: CancellationToken,
    liveness: Liveness,
) -> BoxFuture<'static, Result<(), WorkerError>> {
    let stranded = Stranded::of(&storage, &name);
    // An idle worker still looks for new jobs at each heartbeat, as apalis-redis does.
    let look_every = storage.get_config().heartbeat_interval;
    let worker = WorkerBuilder::new(name)
        .backend(FetchOnWake::new(storage, look_every))
        .data(deps)
        .on_event(move |_, _| liveness.beat())
        .concurrency(concurrency)
        // Without it a worker's jobs share one task, and so one core, for their CPU work.
        .parallelize(tokio::spawn)
        .build(handle_apply)
        .run_until(stop.cancelled_owned().map(Ok::<(), WorkerError>));
    stranded.hand_back_after(worker).boxed()
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
    let stranded = Stranded::of(&storage, &name);
    let worker = WorkerBuilder::new(name)
        .backend(storage)
        .data(deps)
        .on_event(move |_, _| liveness.beat())
        .concurrency(1)
        .build(handle_sweep)
        .run_until(stop.cancelled_owned().map(Ok::<(), WorkerError>));
    stranded.hand_back_after(worker).boxed()
}

/// What a worker may leave in Redis when it stops, and how to give it back (see
/// [`queue::release_stranded`]).
struct Stranded {
    conn: ConnectionManager,
    config: Config,
    worker: String,
}

impl Stranded {
    fn of<T>(storage: &RedisStorage<T>, worker: &str) -> Self {
        Self {
            conn: storage.clone().get_connection().clone(),
            config: storage.get_config().clone(),
            worker: worker.to_owned(),
        }
    }

    /// Runs `worker` to its end, then hands back the jobs it fetched and never started. A worker
    /// that is dropped instead (the supervisor's restart of a hung one) is not deregistered, so
    /// its jobs come back when its heartbeats lapse.
    async fn hand_back_after(
        mut self,
        worker: impl Future<Output = Result<(), WorkerError>>,
    ) -> Result<(), WorkerError> {
        let ended = worker.await;
        let worker = self.worker.as_str();
        match queue::release_stranded(&mut self.conn, &self.config, worker).await {
            Ok(0) => {}
            Ok(jobs) => {
                tracing::info!(worker, jobs,
                    "the stopped worker had fetched jobs it never started; they are back in the queue");
            }
            Err(error) => {
                let set = format!("{}:{worker}", self.config.inflight_jobs_set());
                tracing::error!(worker, %error, set,
                    "could not hand back the jobs the stopped worker fetched and never started: a running worker's vacuum puts them back within 10 minutes");
            }
        }
        ended
    }
}

/// Runs the apply and sweep workers until `shutdown` resolves, restarting either when it fails;
/// then takes no new jobs and lets the jobs held finish for at most `settings.shutdown_timeout`.
pub async fn run_workers(
    settings: &Settings,
    shutdown: impl Future<Output = std::io::Result<()>> + Send + 'static,
) -> anyhow::Result<()> {
    let mut applier_tasks = JoinSet::new();
    let (deps, applies) = connect(settings, &mut applier_tasks).await?;
    tracing::info!(?settings, "worker starting");
    let stop = CancellationToken::new();
    let run_watch = tokio::spawn(watch_runs(
        deps.pool.clone(),
        applies.clone(),
        deps.sweeps.clone(),
        settings.run_idle_limit,
    ));
    let vacuum = tokio::spawn(run_vacuum(applies.clone(), deps.sweeps.clone()));
    // Enough jobs in hand for every applier to fill its transaction.
    let jobs_at_once = settings.concurrency.max(1) * settings.jobs_per_transaction.max(1);
    let takes = apply_payload_storage(
        applies.clone().get_connection().clone(),
        &settings.redis.namespace,
    );
    let workers = supervised_workers(deps, takes, jobs_at_once, &stop);
    let stopped = stop_after(shutdown, workers, &stop, settings.shutdown_timeout).await;
    run_watch.abort();
    vacuum.abort();
    applier_tasks.abort_all();
    stopped?;
    Ok(())
}

/// Redis first, then MySQL: a wrong Redis is reported before anything touches MySQL.
async fn connect(
    settings: &Settings,
    appliers: &mut JoinSet<()>,
) -> anyhow::Result<(Arc<WorkerDeps>, ApplyBatchStorage)> {
    let conn = settings.redis.connect().await?;
    let connections = settings.concurrency.max(1) as u32 + 2;
    let schema = store::Schema::from_setting(settings.migrate);
    let pool = store::open(&settings.mysql, connections, schema).await?;
    let namespace = &settings.redis.namespace;
    let retry = RetryConfig::from_settings(settings);
    let groups = JobGroups::start(
        pool.clone(),
        retry,
        settings.concurrency,
        settings.jobs_per_transaction,
        appliers,
    );
    let deps = Arc::new(WorkerDeps {
        pool,
        retry,
        groups,
        sweeps: sweep_run_storage(conn.clone(), namespace),
        sweep: SweepSettings {
            max_share: settings.sweep_max_share,
            ..SweepSettings::default()
        },
    });
    Ok((deps, apply_batch_storage(conn, namespace)))
}

/// The apply and sweep workers, each restarted when it fails, until `stop` is cancelled and the
/// jobs they hold are done; the apply worker holds up to `concurrency` jobs.
async fn supervised_workers(
    deps: Arc<WorkerDeps>,
    applies: ApplyPayloadStorage,
    concurrency: usize,
    stop: &CancellationToken,
) {
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
    tokio::join!(applying, sweeping);
}

/// Waits for `shutdown`, then stops the workers: apalis fetches no more jobs, puts back the ones
/// fetched but not started, and waits for the ones running. A job held longer than `limit` (MySQL
/// unreachable, a long sweep) is left unacknowledged: apalis-redis delivers it again once this
/// worker's heartbeats have lapsed (30 s), and applying it again changes nothing.
async fn stop_after(
    shutdown: impl Future<Output = std::io::Result<()>>,
    workers: impl Future<Output = ()>,
    stop: &CancellationToken,
    limit: Duration,
) -> std::io::Result<()> {
    tokio::pin!(workers);
    let stopped = tokio::select! {
        () = &mut workers => return Ok(()),
        stopped = shutdown => stopped,
    };
    let shown = humantime::format_duration(limit).to_string();
    tracing::info!(limit = %shown, "stopping: no new jobs; finishing the jobs held");
    stop.cancel();
    if tokio::time::timeout(limit, workers).await.is_ok() {
        tracing::info!("stopped: every job held was finished, or put back unstarted");
    } else {
        tracing::warn!(limit = %shown,
            "jobs still held when DIS_SHUTDOWN_TIMEOUT ran out (MySQL unreachable?): the queue delivers them again once this worker's heartbeats have lapsed (30 s)");
    }
    stopped
}

/// The worker process: its HTTP listener (`/healthz` and `/metrics` on `DIS_METRICS_LISTEN`), then
/// the workers, until `stop` resolves (SIGTERM or Ctrl-C in the binary).
pub async fn run(
    settings: &Settings,
    stop: impl Future<Output = &'static str> + Send + 'static,
) -> anyhow::Result<()> {
    let listener = TcpListener::bind(settings.metrics_listen)
        .await
        .with_context(|| {
            format!(
                "could not listen on {} (DIS_METRICS_LISTEN)",
                settings.metrics_listen
            )
        })?;
    startup::metrics::install();
    tracing::info!(address = %listener.local_addr()?, "serving /healthz and /metrics");
    let stop_http = CancellationToken::new();
    let http = tokio::spawn(crate::http::serve(
        listener,
        stop_http.clone().cancelled_owned(),
    ));
    let shutdown = async move {
        let signal = stop.await;
        tracing::info!(signal, "stop asked");
        Ok(())
    };
    let result = run_workers(settings, shutdown).await;
    stop_http.cancel();
    let _ = http.await;
    result
}
