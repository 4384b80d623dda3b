//! The queue's Redis going away mid-run: restarted (it keeps its data on disk, as production's
//! must), and flushed (every job waiting in it destroyed). Each test runs a Redis of its own.

use std::time::Duration;

use e2e::demo::{swept_keys, Holdings};
use e2e::redis_server::PrivateRedis;
use e2e::stack::Stack;
use extractor::Day;
use records::{Entity, RunStatus};

use super::{
    assert_day_one_synced, assert_day_synced, freeze_with_work_everywhere, thaw, wait_for_retries,
    SIZE,
};

const RUN_LIMIT: Duration = Duration::from_mins(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_restarted_mid_run_keeps_every_job_and_the_run_completes() {
    let mut redis = PrivateRedis::start().await;
    let mut stack = Stack::new("fredisrestart", SIZE).await;
    stack.redis_url = redis.url();
    stack.start_api().await;
    stack.start_worker(4).await;
    stack.start_worker(4).await;
    let mut extractor = stack.spawn_extractor(Day::One);

    let before = freeze_with_work_everywhere(&stack, &extractor, Entity::Contracts, 6).await;
    redis.stop().await;
    extractor.resume();
    // Its next batches cannot be queued: the API answers 503, and it retries.
    wait_for_retries(&extractor).await;
    redis.start_again().await;
    // The workers are still frozen: nothing was taken from the queue since.
    let after = stack.queued_jobs().await;
    assert!(
        before.waiting.is_subset(&after.waiting) && before.held.is_subset(&after.held),
        "the restart kept every job: before {before:?}, after {after:?}"
    );
    // They find their connections broken and reconnect; what they hold is still theirs.
    stack.resume_workers();

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
    stack.start_api().await;
    stack.start_worker(4).await;
    stack.start_worker(4).await;
    let mut extractor = stack.spawn_extractor(Day::One);

    let destroyed = freeze_with_work_everywhere(&stack, &extractor, Entity::Contracts, 6).await;
    redis.flush_all().await;
    thaw(&stack, &extractor);

    // The jobs that waited will never be applied: the run must not wait for them in silence.
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
        "the reason names the lost jobs and their queue ({destroyed:?} destroyed): {reason}"
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
