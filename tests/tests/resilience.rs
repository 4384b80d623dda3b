//! Workers that keep serving their queue when Redis misbehaves, and several worker processes on one queue.

use std::time::Duration;

use e2e::{influencers, TestApp};
use shared::jobs::apply_queue_name;

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
            "influencers",
            &[influencers(1..=250, "2026-11-27T10:00:00Z")],
        )
        .await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(app.influencer_keys().await.len(), 250);
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
    let run = app.full_run("influencers", &batches).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["jobs_applied"], 10);
    assert_eq!(app.influencer_keys().await.len(), 1000);
    assert_eq!(
        registered_workers(&app).await.len(),
        2,
        "neither worker failed while sharing the queue"
    );
}
