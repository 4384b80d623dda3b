//! Workers that keep serving their queue when Redis misbehaves, and several worker processes on one queue.

use std::time::Duration;

use e2e::{influencers, TestApp};
use queue::apply_queue_name;
use records::{Entity, RunStatus};

async fn redis(app: &TestApp) -> redis::aio::MultiplexedConnection {
    redis::Client::open(app.settings.redis_url.as_str())
        .expect("a Redis URL")
        .get_multiplexed_async_connection()
        .await
        .expect("Redis answers")
}

fn workers_set(app: &TestApp) -> String {
    format!(
        "{}:workers",
        apply_queue_name(&app.settings.queue_namespace)
    )
}

/// The apply workers registered in the queue now.
async fn registered_workers(app: &TestApp) -> Vec<String> {
    redis::cmd("ZRANGE")
        .arg(workers_set(app))
        .arg(0)
        .arg(-1)
        .query_async(&mut redis(app).await)
        .await
        .expect("the workers set reads")
}

async fn wait_for_workers(app: &TestApp, at_least: usize) -> Vec<String> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let workers = registered_workers(app).await;
        if workers.len() >= at_least {
            return workers;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "expected {at_least} registered apply workers, found {workers:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_whose_queue_registration_vanished_starts_again_and_applies_later_jobs() {
    let app = TestApp::spawn().await;
    let before = wait_for_workers(&app, 1).await;
    // The next heartbeat finds the worker unregistered and fails it, as after a Redis flush or
    // when another host took it for dead.
    let () = redis::cmd("DEL")
        .arg(workers_set(&app))
        .query_async(&mut redis(&app).await)
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let after = loop {
        let now = registered_workers(&app).await;
        if !now.is_empty() && now != before {
            break now;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no worker registered again after its registration vanished"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        after.iter().all(|name| !before.contains(name)),
        "a restarted worker takes a new name: {before:?} then {after:?}"
    );

    let run = app
        .full_run(
            Entity::Influencers,
            &[influencers(1..=250, "2026-11-27T10:00:00Z")],
        )
        .await;
    assert_eq!(run.status, RunStatus::Completed, "{run:?}");
    assert_eq!(app.keys(Entity::Influencers).await.len(), 250);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_worker_processes_on_one_queue_both_register_and_share_the_work() {
    let mut app = TestApp::spawn_without_workers().await;
    app.start_workers();
    app.start_workers();
    let workers = wait_for_workers(&app, 2).await;
    assert_eq!(workers.len(), 2, "{workers:?}");

    let batches: Vec<_> = (0..10)
        .map(|b| influencers(b * 100 + 1..=b * 100 + 100, "2026-11-27T10:00:00Z"))
        .collect();
    let run = app.full_run(Entity::Influencers, &batches).await;
    assert_eq!(run.status, RunStatus::Completed, "{run:?}");
    assert_eq!(run.jobs_applied, 10);
    assert_eq!(app.keys(Entity::Influencers).await.len(), 1000);
    assert_eq!(
        registered_workers(&app).await.len(),
        2,
        "neither worker failed while sharing the queue"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finished_jobs_are_removed_from_redis_by_the_vacuum_and_nothing_else_is() {
    use queue::{apply_batch_storage, connect_redis, sweep_run_storage};
    use worker::vacuum::vacuum_finished_jobs;

    let app = TestApp::spawn().await;
    let batches: Vec<_> = (0..3)
        .map(|b| influencers(b * 100 + 1..=b * 100 + 100, "2026-11-27T10:00:00Z"))
        .collect();
    let run = app.full_run(Entity::Influencers, &batches).await;
    assert_eq!(run.status, RunStatus::Completed, "{run:?}");
    let data = format!("{}:data", apply_queue_name(&app.settings.queue_namespace));
    let payloads = || async {
        let n: usize = redis::cmd("HLEN")
            .arg(&data)
            .query_async(&mut redis(&app).await)
            .await
            .unwrap();
        n
    };
    assert_eq!(
        payloads().await,
        3,
        "apalis keeps each finished job's payload"
    );

    let conn = connect_redis(&app.settings.redis_url).await.unwrap();
    let applies = apply_batch_storage(conn.clone(), &app.settings.queue_namespace);
    let sweeps = sweep_run_storage(conn, &app.settings.queue_namespace);
    let kept = vacuum_finished_jobs(&applies, &sweeps, Duration::from_hours(1))
        .await
        .unwrap();
    assert_eq!(kept, 0, "jobs finished a moment ago are kept for an hour");
    assert_eq!(payloads().await, 3);

    // Acknowledgements travel with the worker's next poll, and Redis's clock has whole seconds:
    // poll until every finished job is acknowledged and old enough.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let mut removed = 0;
    while removed < 4 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {removed} of 3 apply jobs and the run's sweep were removed"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        removed += vacuum_finished_jobs(&applies, &sweeps, Duration::ZERO)
            .await
            .unwrap();
    }
    assert_eq!(removed, 4, "three apply jobs and the run's sweep");
    assert_eq!(payloads().await, 0);
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{}:*", app.settings.queue_namespace))
        .query_async(&mut redis(&app).await)
        .await
        .unwrap();
    let left: Vec<&String> = keys
        .iter()
        .filter(|k| k.contains(":meta:") || k.contains(":inflight:") || k.ends_with(":done"))
        .collect();
    assert!(left.is_empty(), "finished jobs left behind: {left:?}");
}

/// A full influencers run in `sweeping` that saw keys 1..=100 (and accepted 100 records), made
/// by hand so that no sweep job exists for it.
async fn sweeping_run_that_saw_keys_up_to_100(app: &TestApp) -> i64 {
    let run_id = sqlx::query(
        "INSERT INTO sync_runs (entity, mode, status, declared_batches, declared_records, \
         received_batches, received_records, accepted_records) \
         VALUES ('influencers', 'full', 'sweeping', 1, 100, 1, 100, 100)",
    )
    .execute(&app.pool)
    .await
    .unwrap()
    .last_insert_id() as i64;
    sqlx::query("UPDATE influencers SET last_full_run_id = ? WHERE erp_id <= 100")
        .bind(run_id)
        .execute(&app.pool)
        .await
        .unwrap();
    run_id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_left_sweeping_without_its_sweep_job_is_swept_all_the_same() {
    let app = TestApp::spawn().await;
    let first = app
        .full_run(
            Entity::Influencers,
            &[influencers(1..=102, "2026-11-27T10:00:00Z")],
        )
        .await;
    assert_eq!(first.status, RunStatus::Completed, "{first:?}");
    // A full run that saw keys 1..=100 and moved to sweeping, but whose sweep job never reached
    // Redis (the API's push failed after the status changed).
    let run_id = sweeping_run_that_saw_keys_up_to_100(&app).await;

    let run = app
        .wait_for_status(run_id, &[RunStatus::Completed], Duration::from_secs(30))
        .await;
    assert_eq!(run.swept_rows, 2, "{run:?}");
    assert_eq!(
        app.keys(Entity::Influencers).await,
        (1..=100).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_sweep_pushed_twice_is_queued_once_and_its_approval_once_more() {
    use queue::{connect_redis, enqueue_sweep, sweep_queue_name, sweep_run_storage};

    let app = TestApp::spawn_without_workers().await;
    let conn = connect_redis(&app.settings.redis_url).await.unwrap();
    let mut sweeps = sweep_run_storage(conn, &app.settings.queue_namespace);
    for approved in [false, false, true, true] {
        enqueue_sweep(&mut sweeps, 7, "0123456789abcdef", approved)
            .await
            .unwrap();
    }
    let queued: usize = redis::cmd("HLEN")
        .arg(format!(
            "{}:data",
            sweep_queue_name(&app.settings.queue_namespace)
        ))
        .query_async(&mut redis(&app).await)
        .await
        .unwrap();
    assert_eq!(queued, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sweep_that_finds_its_entity_locked_waits_and_sweeps_once_the_lock_is_free() {
    use records::{Influencer, RunMode};
    use store::sweep::SWEEP_LOCK;
    use store::upserts::{upsert, RunStamp};
    use worker::sweep_job::{sweep_until_done, SweepOutcome, SweepSettings};

    let app = TestApp::spawn_without_workers().await;
    let rows: Vec<Influencer> = influencers(1..=102, "2026-11-27T10:00:00Z")
        .into_iter()
        .map(|r| serde_json::from_value(r).unwrap())
        .collect();
    let loaded = RunStamp {
        run_id: 0,
        mode: RunMode::Incremental,
    };
    upsert(&mut app.pool.acquire().await.unwrap(), &rows, loaded)
        .await
        .unwrap();
    let run_id = sweeping_run_that_saw_keys_up_to_100(&app).await;

    let mut holder = app.pool.acquire().await.unwrap();
    sqlx::query(&format!("SELECT GET_LOCK({SWEEP_LOCK}, 0)"))
        .bind("influencers")
        .execute(&mut *holder)
        .await
        .unwrap();
    let quick = SweepSettings {
        lock_wait_seconds: 1,
        ..SweepSettings::default()
    };
    let pool = app.pool.clone();
    let sweeping = tokio::spawn(async move { sweep_until_done(&pool, run_id, quick).await });
    // The sweep asks for the lock, gives up after a second, and asks again: it waits for the
    // lock instead of giving up.
    app.wait_for_lock_requests(2).await;
    assert!(!sweeping.is_finished());
    assert_eq!(app.keys(Entity::Influencers).await.len(), 102);

    sqlx::query(&format!("SELECT RELEASE_LOCK({SWEEP_LOCK})"))
        .bind("influencers")
        .execute(&mut *holder)
        .await
        .unwrap();
    let outcome = tokio::time::timeout(Duration::from_secs(30), sweeping)
        .await
        .expect("the sweep runs once the lock is free")
        .unwrap();
    assert_eq!(
        outcome,
        SweepOutcome::Swept {
            entity: Entity::Influencers,
            deleted: 2
        }
    );
    assert_eq!(
        app.keys(Entity::Influencers).await,
        (1..=100).collect::<Vec<_>>()
    );
}
