//! The demo data set through the whole pipeline: extractor → API → Redis → workers → MySQL, for
//! every entity.

use std::collections::BTreeMap;

use e2e::demo::{after_day, assert_mysql_holds, canonical, Holdings};
use e2e::{TestApp, INGEST_TOKEN};
use extractor::{ApiClient, Day, DemoDataset, DemoSize, RunReport, SyncOptions};
use records::{Entity, RunMode};

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

/// Day one's records: every one is valid.
fn day_one_expected(dataset: DemoDataset) -> Holdings {
    after_day(&BTreeMap::new(), dataset)
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
    assert_mysql_holds(&app.pool, &expected).await;

    let again = sync_day(&app, day_one).await;
    for report in again.values() {
        assert_eq!((report.rejected, report.swept), (0, 0), "{report}");
        assert_eq!((report.new, report.changed), (Some(0), Some(0)), "{report}");
        assert_eq!(report.unchanged, Some(report.loaded), "{report}");
    }
    assert_mysql_holds(&app.pool, &expected).await;
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

    for entity in Entity::ALL {
        let next = canonical(next_day, entity);
        let rejected = next.values().filter(|record| record.is_none()).count() as u64;
        let report = &reports[&entity];
        assert_eq!(report.rejected, rejected, "{report}");
        assert!(report.swept > 0, "the next day deletes records: {report}");
    }
    // A record the API rejects leaves MySQL as it was: the key is never swept, and a key that
    // was not there is not added.
    let expected = after_day(&day_one_expected(day_one), next_day);
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
    assert_mysql_holds(&app.pool, &expected).await;
}
