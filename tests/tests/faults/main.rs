//! The fault matrix: dis-sync's three binaries (`ingest-api`, `worker`, `extractor`) as real
//! processes under a demo-sized full run of every entity, something broken in the middle of it,
//! and then the same three checks each time: MySQL holds exactly the demo's records, every run
//! counted exactly what the extractor sent, and nothing was swept that should not have been.
//!
//! Faults are landed on observable progress (a run's batches and jobs as MySQL records them, jobs
//! in a worker's hands as Redis holds them), never after a sleep alone; where the moment matters,
//! the processes are frozen (SIGSTOP) first, so the fault meets the work it is meant to meet
//! however slow this shared machine is, and each test checks that its run was still going when it
//! struck. Every wait is bounded and names what it waited for.

mod crashes;
mod mysql;
mod redis;
mod startup;

use std::collections::BTreeMap;
use std::time::Duration;

use e2e::child::Child;
use e2e::demo::{
    after_day, assert_mysql_holds, assert_run_took_the_day, day_changes, swept_keys, Holdings,
};
use e2e::stack::{QueuedJobs, Stack, WAIT};
use extractor::{Day, DemoDataset, DemoSize};
use records::api::RunView;
use records::{Entity, RunStatus};

/// A few thousand records per entity: at 250 records a batch the contracts run alone is 36
/// batches, so a fault landed after its first or second finds most of the run still to come.
const SIZE: DemoSize = DemoSize {
    influencers: 3_000,
    campaigns: 300,
    contracts: 9_000,
};

/// After a day's full runs of every entity (the last `extractor run` printed `report`), MySQL
/// holds `before` moved on by the day, exactly; the newest run of each entity took what the
/// extractor sent and loaded it once (with the exact change counts when `exact`); and the sweeps
/// deleted exactly the keys the day lacks, no more. Returns what MySQL now holds.
async fn assert_day_synced(
    stack: &Stack,
    before: &Holdings,
    day: Day,
    exact: bool,
    report: &str,
) -> Holdings {
    let dataset = DemoDataset::new(stack.size, day);
    let expected = after_day(before, dataset);
    let pool = stack.pool().await;
    assert_mysql_holds(pool, &expected).await;
    for entity in Entity::ALL {
        let runs = stack.runs(entity).await;
        let newest = runs.last().expect("the entity has runs");
        let changes = day_changes(before, dataset, entity);
        assert_run_took_the_day(newest, &changes, stack.batch_size, exact);
        assert_report_printed(report, newest);
        let swept = swept_keys(pool, entity).await;
        assert_eq!(
            swept, changes.swept,
            "{entity}: the sweeps deleted exactly the keys the day lacks"
        );
        let counted: i64 = runs.iter().map(|run| run.swept_rows).sum();
        assert_eq!(counted, swept.len() as i64, "{entity}: {runs:?}");
        for run in runs.iter().filter(|run| run.status != RunStatus::Completed) {
            assert_eq!(
                run.swept_rows, 0,
                "a run that did not complete deleted: {run:?}"
            );
        }
    }
    let dead: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM dead_letters")
        .fetch_one(pool)
        .await
        .expect("the dead letters read");
    assert_eq!(dead, 0, "no job was dead-lettered");
    expected
}

/// The extractor printed the run's counts as the API keeps them.
fn assert_report_printed(report: &str, run: &RunView) {
    let line = format!(
        "{}: run {} completed (full): sent {} records in {} batches; accepted {}, rejected {}, loaded {}",
        run.entity,
        run.run_id,
        run.received_records,
        run.received_batches,
        run.accepted_records,
        run.rejected_records,
        run.loaded_records
    );
    assert!(report.contains(&line), "no {line:?} in:\n{report}");
}

/// Day one on an empty database, with its exact change counts.
async fn assert_day_one_synced(stack: &Stack, report: &str) -> Holdings {
    assert_day_synced(stack, &BTreeMap::new(), Day::One, true, report).await
}

/// Waits until the newest run of `entity` is open and has received at least `batches` batches:
/// the extractor is in the middle of sending it.
async fn wait_mid_run(stack: &Stack, entity: Entity, batches: i64) -> RunView {
    let what = format!("the {entity} run to be open with {batches} batches received");
    stack
        .wait_for_run(entity, &what, |run| {
            run.status == RunStatus::Open && run.received_batches >= batches
        })
        .await
}

/// Freezes the extractor in the middle of sending the run of `entity` (see [`wait_mid_run`]), so
/// that a fault struck before [`Child::resume`] lands between two of its batches, however slow
/// this machine is at that moment; returns the run as it stands.
async fn pause_mid_run(stack: &Stack, extractor: &Child, entity: Entity, batches: i64) -> RunView {
    wait_mid_run(stack, entity, batches).await;
    extractor.pause();
    let run = stack.runs(entity).await.pop().expect("the run");
    assert_eq!(run.status, RunStatus::Open, "paused mid-run: {run:?}");
    run
}

/// Work everywhere, frozen: the workers are stopped (SIGSTOP) until at least `jobs` jobs wait in
/// the queue behind them, then the extractor in the middle of sending the run of `entity`. A fault
/// struck now meets batches still to send, jobs waiting in Redis and jobs in the workers' hands,
/// however slow this machine is; [`thaw`] lets everything go on. Returns the queue as it stands.
async fn freeze_with_work_everywhere(
    stack: &Stack,
    extractor: &Child,
    entity: Entity,
    jobs: usize,
) -> QueuedJobs {
    wait_mid_run(stack, entity, 1).await;
    stack.pause_workers();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let queued = stack.queued_jobs().await;
        if queued.waiting.len() >= jobs {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "fewer than {jobs} jobs waited behind the frozen workers: {queued:?}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    extractor.pause();
    let run = stack.runs(entity).await.pop().expect("the run");
    assert_eq!(run.status, RunStatus::Open, "frozen mid-run: {run:?}");
    stack.queued_jobs().await
}

fn thaw(stack: &Stack, extractor: &Child) {
    stack.resume_workers();
    extractor.resume();
}

/// Waits until the extractor has met a failure and is retrying.
async fn wait_for_retries(extractor: &Child) {
    extractor.wait_for_line("\"retrying\"", WAIT).await;
}
