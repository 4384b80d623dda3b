//! The queue inspector against a real Redis, real pushes and a real apalis worker, in a namespace
//! of the test's own.

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use apalis::prelude::*;
use tokio::sync::{oneshot, Semaphore};

use common::{job, redis_url, OwnNamespace};
use queue::inspect::{inspect, inspect_at, QueueSnapshot};
use queue::{apply_batch_storage, connect_redis, ApplyBatch, ApplyBatchStorage};

/// Holds every job until the test hands out permits.
async fn hold(_job: ApplyBatch, gate: Data<Arc<Semaphore>>) {
    gate.acquire().await.expect("the gate stays open").forget();
}

/// A running worker; `stop` waits until it has stopped, so it writes no key afterwards.
struct RunningWorker {
    stop: oneshot::Sender<()>,
    done: tokio::task::JoinHandle<()>,
}

impl RunningWorker {
    async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.done.await;
    }
}

fn start_worker(storage: ApplyBatchStorage, gate: Arc<Semaphore>) -> RunningWorker {
    let (stop, stopped) = oneshot::channel::<()>();
    let worker = WorkerBuilder::new("dis-apply-batch@inspect-host:4242:0#1")
        .backend(storage)
        .data(gate)
        .concurrency(1)
        .build(hold);
    let done = tokio::spawn(async move {
        let _ = worker
            .run_until(async {
                let _ = stopped.await;
                Ok::<(), WorkerError>(())
            })
            .await;
    });
    RunningWorker { stop, done }
}

async fn wait_until(
    storage: &ApplyBatchStorage,
    what: &str,
    done: impl Fn(&QueueSnapshot) -> bool,
) -> QueueSnapshot {
    let mut conn = storage.clone().get_connection().clone();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let snapshot = inspect(&mut conn, storage.get_config()).await.unwrap();
        if done(&snapshot) {
            return snapshot;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: {snapshot:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_inspector_follows_jobs_from_pending_to_running_to_done_and_names_the_worker() {
    let namespace = OwnNamespace::new("inspect");
    let conn = connect_redis(&redis_url()).await.unwrap();
    let mut storage = apply_batch_storage(conn.clone(), &namespace.0);

    let empty = inspect(&mut conn.clone(), storage.get_config())
        .await
        .unwrap();
    assert_eq!(
        (empty.pending, empty.running, empty.done_recently),
        (0, 0, 0)
    );
    assert!(empty.workers.is_empty() && empty.oldest_pending_age.is_none());

    for seq in 1..=3 {
        storage.push(job(seq)).await.unwrap();
    }
    let later_job = TaskBuilder::new(job(4)).run_in_hours(1).build();
    storage.push_task(later_job).await.unwrap();
    let waiting = inspect(&mut conn.clone(), storage.get_config())
        .await
        .unwrap();
    assert_eq!((waiting.pending, waiting.scheduled), (3, 1));
    assert!(waiting.oldest_pending_age.unwrap() < Duration::from_mins(1));

    let gate = Arc::new(Semaphore::new(0));
    let worker = start_worker(storage.clone(), gate.clone());
    let running = wait_until(&storage, "a worker holds the jobs", |s| {
        s.running >= 1 && s.pending + s.running == 3
    })
    .await;
    let seen = &running.workers[0];
    assert_eq!(running.workers.len(), 1);
    assert_eq!(seen.host.as_deref(), Some("inspect-host"));
    assert_eq!((seen.pid, seen.restarts), (Some(4242), Some(1)));
    assert_eq!(seen.running, running.running);
    assert!(!seen.silent, "{seen:?}");

    gate.add_permits(3);
    let done = wait_until(&storage, "every job is done", |s| {
        s.done_recently == 3 && s.running == 0
    })
    .await;
    assert_eq!(
        (done.pending, done.scheduled, done.done_kept, done.dead),
        (0, 1, 3, 0)
    );

    // The same keys a minute and two hours later: the worker has gone silent, the finished jobs
    // are no longer recent, and the job for later is due.
    let later = |secs| SystemTime::now() + Duration::from_secs(secs);
    let silent = inspect_at(&mut conn.clone(), storage.get_config(), later(60))
        .await
        .unwrap();
    assert!(silent.workers[0].silent);
    let old = inspect_at(&mut conn.clone(), storage.get_config(), later(7200))
        .await
        .unwrap();
    assert_eq!((old.done_recently, old.done_kept), (0, 3));
    assert_eq!((old.pending, old.scheduled), (1, 0));
    assert!(old.oldest_pending_age.unwrap() >= Duration::from_hours(2));

    worker.stop().await;
}
