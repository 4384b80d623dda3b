//! The demo data set through the whole pipeline: extractor → API → Redis → workers → MySQL, for
//! every entity.

use std::collections::BTreeMap;

use e2e::{TestApp, INGEST_TOKEN};
use extractor::{ApiClient, Day, DemoDataset, DemoSize, RunReport, SyncOptions};
use futures::future::BoxFuture;
use records::{Entity, EntityVisitor, Record, RunMode};
use serde_json::Value;
use sqlx::MySqlPool;
use store::read_back::all_records;

/// Each record by key as MySQL should hold it after a run of it: its canonical form, or `None`
/// when the API rejects it.
struct Canonical(Box<dyn Iterator<Item = Value> + Send>);

impl EntityVisitor for Canonical {
    type Output = BTreeMap<i64, Option<Value>>;

    fn visit<R: Record>(self) -> Self::Output {
        self.0
            .map(|sent| {
                let key = sent["erp_id"].as_i64().expect("demo records have keys");
                let parsed = serde_json::from_value::<R::Wire>(sent)
                    .ok()
                    .and_then(|wire| R::parse(wire).ok());
                let canonical = parsed.map(|r| serde_json::to_value(r.to_wire()).unwrap());
                (key, canonical)
            })
            .collect()
    }
}

/// What MySQL holds of an entity, by key, in the canonical form.
struct Stored<'a>(&'a MySqlPool);

impl<'a> EntityVisitor for Stored<'a> {
    type Output = BoxFuture<'a, BTreeMap<i64, Value>>;

    fn visit<R: Record>(self) -> Self::Output {
        Box::pin(async move {
            let rows = all_records::<R>(self.0)
                .await
                .expect("the records read back");
            rows.into_iter()
                .map(|wire| {
                    let json = serde_json::to_value(wire).unwrap();
                    (json["erp_id"].as_i64().unwrap(), json)
                })
                .collect()
        })
    }
}

fn canonical(dataset: DemoDataset, entity: Entity) -> BTreeMap<i64, Option<Value>> {
    entity.dispatch(Canonical(dataset.records_json(entity)))
}

/// Full runs of every entity of `dataset`, in the registry's order; each must complete.
async fn sync_day(app: &TestApp, dataset: DemoDataset) -> BTreeMap<Entity, RunReport> {
    let client = ApiClient::new(app.url(""), INGEST_TOKEN);
    let options = SyncOptions {
        progress: false,
        // Far above the seconds a run takes here; a stuck run fails the test instead of CI's budget.
        wait_timeout: Some(std::time::Duration::from_mins(5)),
        ..SyncOptions::default()
    };
    let mut reports = BTreeMap::new();
    for entity in Entity::ALL {
        let report = dataset
            .sync(
                &client,
                entity,
                RunMode::Full,
                &options,
                std::future::pending(),
            )
            .await
            .unwrap_or_else(|e| panic!("the {entity} run: {e}"));
        assert!(report.completed(), "{report}");
        reports.insert(entity, report);
    }
    reports
}

/// MySQL holds `expected` of every entity, exactly.
async fn assert_mysql_holds(app: &TestApp, expected: &BTreeMap<Entity, BTreeMap<i64, Value>>) {
    for (entity, expected) in expected {
        let stored = entity.dispatch(Stored(&app.pool)).await;
        assert_eq!(stored.len(), expected.len(), "{entity}");
        assert!(&stored == expected, "{entity} differ from the demo's");
    }
}

/// Day one's records: every one is valid.
fn day_one_expected(dataset: DemoDataset) -> BTreeMap<Entity, BTreeMap<i64, Value>> {
    Entity::ALL
        .into_iter()
        .map(|entity| {
            let records = canonical(dataset, entity)
                .into_iter()
                .map(|(key, record)| (key, record.expect("day one's records are valid")))
                .collect();
            (entity, records)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demo_full_run_loads_exactly_the_demo_records_and_running_it_again_changes_nothing() {
    let app = TestApp::spawn().await;
    let day_one = DemoDataset::new(DemoSize::default(), Day::One);
    let reports = sync_day(&app, day_one).await;
    assert_eq!(reports[&Entity::Influencers].loaded, 10_000);
    assert_eq!(reports[&Entity::Campaigns].loaded, 1_000);
    assert_eq!(reports[&Entity::Contracts].loaded, 30_000);
    for report in reports.values() {
        assert_eq!(report.new, Some(report.loaded), "{report}");
    }
    let expected = day_one_expected(day_one);
    assert_mysql_holds(&app, &expected).await;

    let again = sync_day(&app, day_one).await;
    for report in again.values() {
        assert_eq!((report.rejected, report.swept), (0, 0), "{report}");
        assert_eq!((report.new, report.changed), (Some(0), Some(0)), "{report}");
        assert_eq!(report.unchanged, Some(report.loaded), "{report}");
    }
    assert_mysql_holds(&app, &expected).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_day_one_and_the_next_day_mysql_holds_the_next_day_and_keeps_what_it_rejected() {
    let app = TestApp::spawn().await;
    let size = DemoSize {
        influencers: 3_000,
        campaigns: 300,
        contracts: 9_000,
    };
    let day_one = DemoDataset::new(size, Day::One);
    sync_day(&app, day_one).await;
    let next_day = DemoDataset::new(size, Day::Next);
    let reports = sync_day(&app, next_day).await;

    let before = day_one_expected(day_one);
    let mut expected = BTreeMap::new();
    for entity in Entity::ALL {
        let next = canonical(next_day, entity);
        let rejected = next.values().filter(|record| record.is_none()).count() as u64;
        let report = &reports[&entity];
        assert_eq!(report.rejected, rejected, "{report}");
        assert!(report.swept > 0, "the next day deletes records: {report}");
        // A record the API rejects leaves MySQL as it was: the key is never swept, and a key
        // that was not there is not added.
        let holds = next
            .into_iter()
            .filter_map(|(key, record)| {
                Some((key, record.or_else(|| before[&entity].get(&key).cloned())?))
            })
            .collect();
        expected.insert(entity, holds);
    }
    assert_eq!(
        (
            reports[&Entity::Influencers].rejected,
            reports[&Entity::Contracts].rejected
        ),
        (3, 5),
        "the demo's next day holds a few invalid records"
    );
    let printed = reports[&Entity::Contracts].to_string();
    assert!(
        printed.contains("currency \"R$\" is not an ISO 4217 currency code"),
        "{printed}"
    );
    assert_mysql_holds(&app, &expected).await;
}
