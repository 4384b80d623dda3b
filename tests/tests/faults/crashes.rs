//! Processes that die mid-run without a chance to clean up (SIGKILL: a crash, an OOM kill, a node
//! lost): a worker holding jobs, the API between batches, and the extractor itself.

use std::time::Duration;

use e2e::demo::swept_keys;
use e2e::stack::{Stack, WAIT};
use extractor::Day;
use records::{Entity, RunStatus};

use super::{
    assert_day_one_synced, assert_day_synced, pause_mid_run, wait_for_retries, wait_mid_run, SIZE,
};

const RUN_LIMIT: Duration = Duration::from_mins(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_while_applying_jobs_leaves_them_to_another_and_every_job_is_applied_once()
{
    let mut stack = Stack::new("fworker", SIZE).await;
    stack.start_api().await;
    let victim = stack.start_worker(4).await;
    let mut extractor = stack.spawn_extractor(Day::One);

    wait_mid_run(&stack, Entity::Contracts, 2).await;
    // Frozen, the worker holds exactly what its in-flight sets show when it dies.
    let deadline = tokio::time::Instant::now() + WAIT;
    let (sets, held) = loop {
        stack.worker(victim).pause();
        let sets = stack.inflight_sets_of(victim).await;
        let held = stack.jobs_in(&sets).await;
        if held > 0 {
            break (sets, held);
        }
        stack.worker(victim).resume();
        assert!(
            tokio::time::Instant::now() < deadline,
            "the worker never held a job of the contracts run"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    stack.kill_worker(victim).await;
    let run = stack.runs(Entity::Contracts).await.pop().expect("the run");
    // It could not have ended: its last jobs are in the dead worker's hands, or still to come.
    assert!(!run.status.is_final(), "killed mid-run: {run:?}");
    stack.start_worker(4).await;

    // The killed worker's jobs come back once its heartbeats have lapsed (30 s).
    let code = extractor.finish(RUN_LIMIT).await;
    let report = extractor.output();
    assert_eq!(code, Some(0), "{report}\n{}", stack.logs());
    assert_day_one_synced(&stack, &report).await;
    assert_eq!(
        stack.jobs_in(&sets).await,
        0,
        "the {held} jobs the killed worker held went back to the queue"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_killed_between_batches_and_started_again_is_carried_through_by_the_extractors_retries(
) {
    let mut stack = Stack::new("fapi", SIZE).await;
    stack.start_api().await;
    stack.start_worker(4).await;
    let mut extractor = stack.spawn_extractor(Day::One);

    let before = pause_mid_run(&stack, &extractor, Entity::Contracts, 2).await;
    stack.kill_api().await;
    extractor.resume();
    // Its next batches find no API.
    wait_for_retries(&extractor).await;
    stack.start_api().await;

    let code = extractor.finish(RUN_LIMIT).await;
    let report = extractor.output();
    assert_eq!(code, Some(0), "{report}\n{}", stack.logs());
    let contracts = stack.runs(Entity::Contracts).await;
    assert_eq!(contracts.len(), 1, "the same run went on: {contracts:?}");
    assert_eq!(contracts[0].run_id, before.run_id);
    assert_day_one_synced(&stack, &report).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_extractor_is_killed_mid_run_the_next_run_fails_the_abandoned_one_completes_and_sweeps_only_what_the_erp_deleted(
) {
    const IDLE_LIMIT: Duration = Duration::from_secs(5);
    let mut stack = Stack::new("fextractor", SIZE).await;
    stack.settings.push(("DIS_RUN_IDLE_LIMIT", "5s".into()));
    stack.start_api().await;
    stack.start_worker(4).await;
    let (code, report) = stack.sync(Day::One).await;
    assert_eq!(code, Some(0), "{report}\n{}", stack.logs());
    let day_one = assert_day_one_synced(&stack, &report).await;

    let mut extractor = stack.spawn_extractor(Day::Next);
    let crashed = pause_mid_run(&stack, &extractor, Entity::Contracts, 2).await;
    extractor.kill();
    assert_eq!(extractor.finish(WAIT).await, None, "killed by a signal");
    // What the crashed run had handed over is applied; the run stays open, and deletes nothing.
    let deadline = tokio::time::Instant::now() + WAIT;
    while !stack.queued_jobs().await.is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the queue was never drained"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let crashed = (stack.runs(Entity::Contracts).await)
        .into_iter()
        .find(|run| run.run_id == crashed.run_id)
        .expect("the crashed run");
    assert_eq!(crashed.status, RunStatus::Open, "{crashed:?}");
    assert!(swept_keys(stack.pool().await, Entity::Contracts)
        .await
        .is_empty());

    // The idle limit is a rule about time: the run must have made no progress for that long.
    tokio::time::sleep(IDLE_LIMIT + Duration::from_secs(1)).await;
    let (code, report) = stack.sync(Day::Next).await;
    assert_eq!(code, Some(0), "{report}\n{}", stack.logs());
    let note = format!(
        "before it: run {} of contracts ended failed: abandoned: no progress for 5s",
        crashed.run_id
    );
    assert!(report.contains(&note), "no {note:?} in:\n{report}");
    let crashed = (stack.runs(Entity::Contracts).await)
        .into_iter()
        .find(|run| run.run_id == crashed.run_id)
        .expect("the crashed run");
    assert_eq!((crashed.status, crashed.swept_rows), (RunStatus::Failed, 0));
    assert_day_synced(&stack, &day_one, Day::Next, false, &report).await;
}
