//! A randomized test: many sequences of ERP changes, runs, aborts and re-deliveries against a
//! model of the ERP. After every completed full run, MySQL must equal the ERP; after anything
//! else, nothing the ERP still has may have been deleted.

use std::collections::BTreeMap;
use std::time::Duration;

use e2e::{influencer, TestApp};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use records::{Entity, RunMode, RunStatus};
use serde_json::Value;

#[derive(Debug, Clone)]
enum Ending {
    Complete,
    /// Every batch is sent twice, as a client retrying after lost answers would.
    CompleteResendingEveryBatch,
    AbortHalfWay,
    /// All batches sent, then a declaration that does not match them.
    DeclareWrongCount,
}

#[derive(Debug, Clone)]
enum Step {
    ChangeInErp(i64),
    DeleteFromErp(i64),
    AddToErp(i64),
    FullRun { batches: usize, ending: Ending },
    IncrementalRun,
}

fn step() -> impl Strategy<Value = Step> {
    let ending = prop_oneof![
        4 => Just(Ending::Complete),
        1 => Just(Ending::CompleteResendingEveryBatch),
        1 => Just(Ending::AbortHalfWay),
        1 => Just(Ending::DeclareWrongCount),
    ];
    prop_oneof![
        3 => (1..60i64).prop_map(Step::ChangeInErp),
        3 => (1..60i64).prop_map(Step::DeleteFromErp),
        2 => (1..80i64).prop_map(Step::AddToErp),
        3 => (1..4usize, ending).prop_map(|(batches, ending)| Step::FullRun { batches, ending }),
        1 => Just(Step::IncrementalRun),
    ]
}

/// The ERP: key → (name, version); a higher version is a later `source_updated_at`.
#[derive(Default)]
struct Erp {
    rows: BTreeMap<i64, (String, u32)>,
    clock: u32,
    changed_since_incremental: Vec<i64>,
}

impl Erp {
    fn touch(&mut self, key: i64, name: String) {
        self.clock += 1;
        self.rows.insert(key, (name, self.clock));
        self.changed_since_incremental.push(key);
    }

    fn record(&self, key: i64) -> Value {
        let (name, version) = &self.rows[&key];
        let at =
            chrono::DateTime::from_timestamp(1_700_000_000 + i64::from(*version), 1234).unwrap();
        influencer(key, name, &records::fields::format_timestamp(&at))
    }

    fn records(&self) -> Vec<Value> {
        self.rows.keys().map(|k| self.record(*k)).collect()
    }
}

async fn mysql_rows(app: &TestApp) -> BTreeMap<i64, String> {
    sqlx::query_as::<_, (i64, String)>("SELECT erp_id, name FROM influencers")
        .fetch_all(&app.pool)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

fn check(condition: bool, message: impl FnOnce() -> String) -> Result<(), TestCaseError> {
    if condition {
        Ok(())
    } else {
        Err(TestCaseError::fail(message()))
    }
}

async fn full_run(
    app: &TestApp,
    erp: &Erp,
    batches: usize,
    ending: &Ending,
) -> Result<(), TestCaseError> {
    let before = mysql_rows(app).await;
    let records = erp.records();
    let chunks: Vec<Vec<Value>> = records
        .chunks(records.len().div_ceil(batches).max(1))
        .map(<[Value]>::to_vec)
        .collect();
    let run_id = app
        .create_run(Entity::Influencers, RunMode::Full)
        .await
        .run_id;
    let sent = if matches!(ending, Ending::AbortHalfWay) {
        chunks.len() / 2
    } else {
        chunks.len()
    };
    for (i, chunk) in chunks.iter().take(sent).enumerate() {
        let receipt = app.put_batch(run_id, i as i64 + 1, chunk).await;
        check(receipt.is_ok(), || format!("batch refused: {receipt:?}"))?;
        if matches!(ending, Ending::CompleteResendingEveryBatch) {
            let replay = app.put_batch(run_id, i as i64 + 1, chunk).await;
            check(replay == receipt, || {
                format!("a resent batch answered differently: {replay:?}")
            })?;
        }
    }
    let wait = Duration::from_mins(1);
    match ending {
        Ending::AbortHalfWay => {
            let aborted = app.abort(run_id).await;
            check(aborted.is_ok(), || {
                format!("the abort was refused: {aborted:?}")
            })?;
        }
        Ending::DeclareWrongCount => {
            let declared = app
                .complete(run_id, chunks.len() as i64, records.len() as i64 + 1)
                .await;
            check(declared.is_ok(), || {
                format!("the end was refused: {declared:?}")
            })?;
            app.wait_for_status(run_id, &[RunStatus::Failed], wait)
                .await;
        }
        Ending::Complete | Ending::CompleteResendingEveryBatch => {
            let declared = app
                .complete(run_id, chunks.len() as i64, records.len() as i64)
                .await;
            check(declared.is_ok(), || {
                format!("the end was refused: {declared:?}")
            })?;
            let outcomes = [RunStatus::Completed, RunStatus::Held];
            let run = app.wait_for_status(run_id, &outcomes, wait).await;
            if run.status == RunStatus::Held {
                let approved = app.approve_sweep(run_id).await;
                check(approved.is_ok(), || {
                    format!("the approval was refused: {approved:?}")
                })?;
                app.wait_for_status(run_id, &[RunStatus::Completed], wait)
                    .await;
            }
            let after = mysql_rows(app).await;
            if erp.rows.is_empty() {
                return check(after == before, || {
                    "a run that saw nothing deleted rows".into()
                });
            }
            let expected: BTreeMap<i64, String> = erp
                .rows
                .iter()
                .map(|(k, (name, _))| (*k, name.clone()))
                .collect();
            return check(after == expected, || {
                format!("after a completed full run MySQL {after:?} != ERP {expected:?}")
            });
        }
    }
    // Nothing of what MySQL held may be gone after a run that did not complete.
    let after = mysql_rows(app).await;
    check(before.keys().all(|k| after.contains_key(k)), || {
        format!("a run that did not complete deleted rows: {before:?} -> {after:?}")
    })
}

async fn incremental_run(app: &TestApp, erp: &mut Erp) -> Result<(), TestCaseError> {
    let before = mysql_rows(app).await;
    let keys: Vec<i64> = std::mem::take(&mut erp.changed_since_incremental)
        .into_iter()
        .filter(|k| erp.rows.contains_key(k))
        .collect();
    let records: Vec<Value> = keys.iter().map(|k| erp.record(*k)).collect();
    let run_id = app
        .create_run(Entity::Influencers, RunMode::Incremental)
        .await
        .run_id;
    let receipt = app.put_batch(run_id, 1, &records).await;
    check(receipt.is_ok(), || format!("batch refused: {receipt:?}"))?;
    let declared = app.complete(run_id, 1, records.len() as i64).await;
    check(declared.is_ok(), || {
        format!("the end was refused: {declared:?}")
    })?;
    app.wait_for_status(run_id, &[RunStatus::Completed], Duration::from_mins(1))
        .await;
    let after = mysql_rows(app).await;
    check(before.keys().all(|k| after.contains_key(k)), || {
        "an incremental run deleted rows".into()
    })
}

async fn play(app: &TestApp, steps: Vec<Step>) -> Result<(), TestCaseError> {
    let mut erp = Erp::default();
    for key in 1..=40 {
        erp.touch(key, format!("Pessoa {key}"));
    }
    for step in steps {
        match step {
            Step::ChangeInErp(key) if erp.rows.contains_key(&key) => {
                erp.touch(key, format!("Pessoa {key} v{}", erp.clock));
            }
            Step::DeleteFromErp(key) => {
                erp.rows.remove(&key);
            }
            Step::AddToErp(key) if !erp.rows.contains_key(&key) => {
                erp.touch(key, format!("Nova {key}"));
            }
            Step::FullRun { batches, ending } => full_run(app, &erp, batches, &ending).await?,
            Step::IncrementalRun => incremental_run(app, &mut erp).await?,
            Step::ChangeInErp(_) | Step::AddToErp(_) => {}
        }
    }
    full_run(app, &erp, 2, &Ending::Complete).await
}

#[test]
fn after_every_completed_full_run_mysql_equals_the_erp_whatever_happened_before() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let cases = std::env::var("DIS_MODEL_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(12);
    let mut runner = TestRunner::new(Config {
        cases,
        max_shrink_iters: 16,
        ..Config::default()
    });
    // Each case gets its own database and queue: nothing of one case can reach another.
    let result = runner.run(&prop::collection::vec(step(), 4..12), |steps| {
        runtime.block_on(async {
            let app = TestApp::spawn().await;
            play(&app, steps).await
        })
    });
    result.unwrap();
}
