//! Jobs a stopped worker was handed and never started (apalis-core 1.0 drops a fetch that is on
//! its way when a worker stops) go back to the queue, against a real Redis and a real worker.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use apalis::prelude::*;

use queue::inspect::inspect;
use queue::{apply_batch_storage, clear_namespace, connect_redis, release_stranded, ApplyBatch};
use records::RunMode;

fn redis_url() -> String {
    std::env::var("DIS_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

fn job(seq: i64) -> ApplyBatch {
    ApplyBatch {
        run_id: 1,
        run_nonce: "0123456789abcdef".into(),
        mode: RunMode::Full,
        batch_seq: seq,
        chunk: 0,
        indices: vec![],
        records: queue::Records::Influencers(vec![]),
    }
}

async fn done(_job: ApplyBatch) {}

/// The test's own namespace, removed when the test ends, even by a panic.
struct OwnNamespace(String);

impl OwnNamespace {
    fn new() -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        Self(format!("dis-test-release-{}-{nanos}", std::process::id()))
    }
}

impl Drop for OwnNamespace {
    fn drop(&mut self) {
        let namespace = self.0.clone();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            let _ = runtime.block_on(clear_namespace(&redis_url(), &namespace));
        })
        .join();
    }
}

#[tokio::test]
async fn jobs_stranded_in_a_stopped_workers_hands_go_back_to_the_queue_and_are_done() {
    let namespace = OwnNamespace::new();
    let mut conn = connect_redis(&redis_url()).await.unwrap();
    let mut storage = apply_batch_storage(conn.clone(), &namespace.0);
    let config = storage.get_config().clone();
    for seq in 1..=3 {
        storage.push(job(seq)).await.unwrap();
    }

    // What a dropped fetch leaves: the jobs moved into the in-flight set of a worker that then
    // deregistered. No worker takes them, and the inspector sees them nowhere.
    let gone = "dis-apply-batch@release-host:1:0#1";
    let ids: Vec<String> = redis::cmd("HKEYS")
        .arg(config.job_data_hash())
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(ids.len(), 3);
    let inflight = format!("{}:{gone}", config.inflight_jobs_set());
    let mut strand = redis::pipe();
    strand
        .del(config.active_jobs_list())
        .del(config.scheduled_jobs_set())
        .sadd(&inflight, &ids);
    for id in &ids {
        let meta = format!("{}:{id}", config.job_meta_hash());
        strand
            .hset(meta.clone(), "status", "Running")
            .hset(meta, "locked_by", gone);
    }
    let () = strand.query_async(&mut conn).await.unwrap();
    let stranded = inspect(&mut conn, &config).await.unwrap();
    assert_eq!((stranded.pending, stranded.running), (0, 0));

    assert_eq!(release_stranded(&mut conn, &config, gone).await.unwrap(), 3);
    let back = inspect(&mut conn, &config).await.unwrap();
    assert_eq!(back.pending, 3, "{back:?}");
    assert_eq!(release_stranded(&mut conn, &config, gone).await.unwrap(), 0);

    let worker = WorkerBuilder::new("dis-apply-batch@release-host:2:0#1")
        .backend(storage.clone())
        .build(done);
    let finished = async {
        loop {
            let now = inspect(&mut conn.clone(), &config).await.unwrap();
            if now.done_recently == 3 {
                return now;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let now = tokio::select! {
        now = finished => now,
        _ = worker.run() => panic!("the worker stopped"),
        () = tokio::time::sleep(Duration::from_secs(20)) => panic!("the jobs handed back were not done within 20 s"),
    };
    assert_eq!((now.pending, now.running, now.dead), (0, 0, 0));
}
