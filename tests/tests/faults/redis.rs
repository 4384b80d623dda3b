//! The queue's Redis going away mid-run: restarted (it keeps its data on disk, as production's
//! must), and flushed (every job waiting in it destroyed). Each test runs a Redis of its own.

use std::time::Duration;

use e2e::demo::{swept_keys, Holdings};
use e2e::redis_server::PrivateRedis;
use e2e::stack::{Stack, WAIT};
use extractor::Day;
use records::{Entity, RunStatus};

use super::{assert_day_one_synced, assert_day_synced, wait_mid_run, SIZE};

const RUN_LIMIT: Duration = Duration::from_mins(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_restarted_mid_run_loses_nothing_and_the_run_completes() {
    let mut redis = PrivateRedis::start().await;
    let mut stack = Stack::new("fredisrestart", SIZE).await;
    stack.redis_url = redis.url();
    stack.start_api().await;
    stack.start_worker(4).await;
    stack.start_worker(4).await;
    let mut extractor = stack.spawn_extractor(Day::One);

    wait_mid_run(&stack, Entity::Contracts, 4).await;
    redis.stop().await;
    // The outage is seen: the API says it is not ready (and refuses batches; the extractor retries).
    let readyz = format!("{}/readyz", stack.api_url());
    let deadline = tokio::time::Instant::now() + WAIT;
    while reqwest::get(&readyz)
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the API never missed Redis"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    redis.start_again().await;

    let code = extractor.finish(RUN_LIMIT).await;
    let report = extractor.output();
    assert_eq!(code, Some(0), "{report}\n{}", stack.logs());
    assert_day_one_synced(&stack, &report).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_flushed_mid_run_fails_the_run_loudly_naming_the_lost_jobs_and_the_next_run_completes(
) {
    let redis = PrivateRedis::start().await;
    let mut stack = Stack::new("fredisflush", SIZE).await;
    stack.redis_url = redis.url();
    // Large batches and one slow worker, so that jobs wait in the queue when it is flushed.
    stack.batch_size = 1000;
    stack.start_api().await;
    stack.start_worker(1).await;
    let mut extractor = stack.spawn_extractor(Day::One);

    wait_mid_run(&stack, Entity::Contracts, 1).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    let destroyed = loop {
        let destroyed = redis.flush_when_jobs_wait(&stack.apply_queue(), 3).await;
        if destroyed > 0 {
            break destroyed;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "jobs never waited in the queue: {:?}",
            stack.runs(Entity::Contracts).await
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    };

    // Those jobs will never be applied: the run must not wait for them in silence.
    let code = extractor.finish(RUN_LIMIT).await;
    let report = extractor.output();
    assert_eq!(code, Some(1), "{report}\n{}", stack.logs());
    let failed = stack.runs(Entity::Contracts).await.pop().expect("the run");
    assert_eq!(
        failed.status,
        RunStatus::Failed,
        "{failed:?}\n{}",
        stack.logs()
    );
    let reason = failed.status_reason.clone().unwrap_or_default();
    assert!(
        reason.contains("lost") && reason.contains(&stack.apply_queue()),
        "the reason names the lost jobs and their queue ({destroyed} destroyed): {reason}"
    );
    assert!(
        report.contains(&reason),
        "the extractor says why:\n{report}"
    );
    assert_eq!(failed.swept_rows, 0);
    assert!(swept_keys(stack.pool().await, Entity::Contracts)
        .await
        .is_empty());

    let (code, report) = stack.sync(Day::One).await;
    assert_eq!(code, Some(0), "{report}\n{}", stack.logs());
    assert_day_synced(&stack, &Holdings::new(), Day::One, false, &report).await;
}
