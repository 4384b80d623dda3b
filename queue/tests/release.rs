//! Jobs a stopped worker was handed and never started (apalis-core 1.0 drops a fetch that is on
//! its way when a worker stops) go back to the queue, against a real Redis and a real worker.

mod common;

use std::time::Duration;

use apalis::prelude::*;

use common::{job, redis_url, OwnNamespace};
use queue::inspect::inspect;
use queue::{
    apply_batch_storage, connect_redis, release_all_stranded, release_stranded, ApplyBatch,
    ApplyBatchStorage,
};

async fn done(_job: ApplyBatch) {}

/// A queue of the test's own, removed when the namespace drops, with jobs 1 to `jobs` pushed.
async fn queue_of(
    jobs: i64,
) -> (
    OwnNamespace,
    redis::aio::ConnectionManager,
    ApplyBatchStorage,
    apalis_redis::Config,
) {
    let namespace = OwnNamespace::new("release");
    let conn = connect_redis(&redis_url()).await.unwrap();
    let mut storage = apply_batch_storage(conn.clone(), &namespace.0);
    for seq in 1..=jobs {
        storage.push(job(seq)).await.unwrap();
    }
    let config = storage.get_config().clone();
    (namespace, conn, storage, config)
}

/// Moves every pushed job into the in-flight sets of `holders`, in turn, as fetches would, and
/// returns the ids each holds.
async fn hand_out(
    conn: &mut redis::aio::ConnectionManager,
    config: &apalis_redis::Config,
    holders: &[&str],
) -> Vec<Vec<String>> {
    let ids: Vec<String> = redis::cmd("HKEYS")
        .arg(config.job_data_hash())
        .query_async(conn)
        .await
        .unwrap();
    let mut held = vec![Vec::new(); holders.len()];
    let mut strand = redis::pipe();
    strand
        .del(config.active_jobs_list())
        .del(config.scheduled_jobs_set());
    for (i, id) in ids.iter().enumerate() {
        let holder = holders[i % holders.len()];
        let meta = format!("{}:{id}", config.job_meta_hash());
        strand
            .sadd(format!("{}:{holder}", config.inflight_jobs_set()), id)
            .hset(meta.clone(), "status", "Running")
            .hset(meta, "locked_by", holder);
        held[i % holders.len()].push(id.clone());
    }
    let () = strand.query_async(conn).await.unwrap();
    held
}

#[tokio::test]
async fn the_periodic_look_puts_back_only_the_jobs_of_workers_no_longer_registered() {
    let (_namespace, mut conn, _storage, config) = queue_of(4).await;
    let (gone, alive) = ("dis-apply-batch@h:1:0#1", "dis-apply-batch@h:2:0#1");
    let held = hand_out(&mut conn, &config, &[gone, alive]).await;
    // Registered, however long silent: apalis-redis gives its jobs back when it lapses.
    let () = redis::cmd("ZADD")
        .arg(config.workers_set())
        .arg(0)
        .arg(alive)
        .query_async(&mut conn)
        .await
        .unwrap();

    assert_eq!(release_all_stranded(&mut conn, &config).await.unwrap(), 2);
    let queued: Vec<String> = redis::cmd("LRANGE")
        .arg(config.active_jobs_list())
        .arg(0)
        .arg(-1)
        .query_async(&mut conn)
        .await
        .unwrap();
    // A set has no order: compare the ids, sorted.
    let (mut queued, mut expected) = (queued, held[0].clone());
    queued.sort();
    expected.sort();
    assert_eq!(queued, expected);
    let still_held: Vec<String> = redis::cmd("SMEMBERS")
        .arg(format!("{}:{alive}", config.inflight_jobs_set()))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(still_held.len(), held[1].len());
    assert_eq!(release_all_stranded(&mut conn, &config).await.unwrap(), 0);
}

#[tokio::test]
async fn jobs_stranded_in_a_stopped_workers_hands_go_back_to_the_queue_and_are_done() {
    let (_namespace, mut conn, storage, config) = queue_of(3).await;

    // What a dropped fetch leaves: the jobs moved into the in-flight set of a worker that then
    // deregistered. No worker takes them, and the inspector sees them nowhere.
    let gone = "dis-apply-batch@release-host:1:0#1";
    let held = hand_out(&mut conn, &config, &[gone]).await;
    assert_eq!(held[0].len(), 3);
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
