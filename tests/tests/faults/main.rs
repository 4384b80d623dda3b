//! The fault matrix: dis-sync's three binaries (`ingest-api`, `worker`, `extractor`) as real
//! processes under a demo-sized full run of every entity, something broken in the middle of it,
//! and then the same three checks each time: MySQL holds exactly the demo's records, every run
//! counted exactly what the extractor sent, and nothing was swept that should not have been.
//!
//! Faults are landed on observable progress (a run's batches and jobs as MySQL records them, jobs
//! in a worker's hands as Redis holds them), never after a sleep alone, and each test checks that
//! its run was still going when it struck. Every wait is bounded and names what it waited for.

mod crashes;
mod mysql;
mod redis;
mod startup;

use std::collections::BTreeMap;

use e2e::demo::Holdings;
use e2e::demo::{after_day, assert_mysql_holds, assert_run_took_the_day, day_changes, swept_keys};
use e2e::stack::Stack;
use extractor::{Day, DemoDataset, DemoSize};
use records::api::RunView;
use records::{Entity, RunStatus};

/// A few thousand records per entity: at 250 records a batch the contracts run alone is 36
/// batches, so a fault landed after its fourth batch finds most of the run still to come.
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

/// The newest run of `entity` is open and has received at least `batches` batches: the extractor
/// is in the middle of sending it.
async fn wait_mid_run(stack: &Stack, entity: Entity, batches: i64) -> RunView {
    let what = format!("the {entity} run to be open with {batches} batches received");
    stack
        .wait_for_run(entity, &what, |run| {
            run.status == RunStatus::Open && run.received_batches >= batches
        })
        .await
}
