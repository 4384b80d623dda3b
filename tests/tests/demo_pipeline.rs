//! The demo data set through the whole pipeline: extractor → API → Redis → workers → MySQL.

use e2e::{TestApp, INGEST_TOKEN};
use extractor::{sync_entity, ApiClient, Day, DemoDataset, DemoSize, RunReport, SyncOptions};
use records::{Contract, ContractWire, Entity, Influencer, InfluencerWire, RunMode};
use store::read_back::{all_contracts, all_influencers};

fn canonical_influencers(dataset: DemoDataset) -> Vec<InfluencerWire> {
    dataset
        .influencers()
        .map(|w| {
            Influencer::parse(w)
                .expect("demo records are valid")
                .to_wire()
        })
        .collect()
}

fn canonical_contracts(dataset: DemoDataset) -> Vec<ContractWire> {
    dataset
        .contracts()
        .map(|w| {
            Contract::parse(w)
                .expect("demo records are valid")
                .to_wire()
        })
        .collect()
}

async fn sync_day(app: &TestApp, dataset: DemoDataset) -> (RunReport, RunReport) {
    let client = ApiClient::new(app.url(""), INGEST_TOKEN);
    let options = SyncOptions {
        progress: false,
        // Far above the seconds a run takes here; a stuck run fails the test instead of CI's budget.
        wait_timeout: Some(std::time::Duration::from_mins(5)),
        ..SyncOptions::default()
    };
    let influencers = sync_entity(
        &client,
        Entity::Influencers,
        RunMode::Full,
        dataset.influencers(),
        &options,
    )
    .await
    .expect("the influencers run");
    let contracts = sync_entity(
        &client,
        Entity::Contracts,
        RunMode::Full,
        dataset.contracts(),
        &options,
    )
    .await
    .expect("the contracts run");
    assert!(
        influencers.completed() && contracts.completed(),
        "{influencers}\n{contracts}"
    );
    (influencers, contracts)
}

async fn assert_mysql_holds(app: &TestApp, dataset: DemoDataset) {
    let influencers = all_influencers(&app.pool).await.unwrap();
    let expected = canonical_influencers(dataset);
    assert_eq!(influencers.len(), expected.len());
    assert!(
        influencers == expected,
        "influencers differ from the demo's {:?} data set",
        dataset.day()
    );
    let contracts = all_contracts(&app.pool).await.unwrap();
    let expected = canonical_contracts(dataset);
    assert_eq!(contracts.len(), expected.len());
    assert!(
        contracts == expected,
        "contracts differ from the demo's {:?} data set",
        dataset.day()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demo_full_run_loads_exactly_the_demo_records_and_running_it_again_changes_nothing() {
    let app = TestApp::spawn().await;
    let day_one = DemoDataset::new(DemoSize::default(), Day::One);
    let (influencers, contracts) = sync_day(&app, day_one).await;
    assert_eq!(influencers.loaded, 10_000);
    assert_eq!(contracts.loaded, 30_000);
    assert_mysql_holds(&app, day_one).await;

    let before = (
        all_influencers(&app.pool).await.unwrap(),
        all_contracts(&app.pool).await.unwrap(),
    );
    let (again, _) = sync_day(&app, day_one).await;
    assert_eq!(again.rejected, 0);
    let swept: i64 = sqlx::query_scalar("SELECT CAST(SUM(swept_rows) AS SIGNED) FROM sync_runs")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(swept, 0, "the same data set again deletes nothing");
    assert!(
        before
            == (
                all_influencers(&app.pool).await.unwrap(),
                all_contracts(&app.pool).await.unwrap()
            )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_day_one_and_the_next_day_mysql_holds_exactly_the_next_day_data_set() {
    let app = TestApp::spawn().await;
    let size = DemoSize {
        influencers: 3_000,
        contracts: 9_000,
    };
    sync_day(&app, DemoDataset::new(size, Day::One)).await;
    let next_day = DemoDataset::new(size, Day::Next);
    let (influencers, contracts) = sync_day(&app, next_day).await;
    let swept_influencers: i64 =
        sqlx::query_scalar("SELECT swept_rows FROM sync_runs WHERE id = ?")
            .bind(influencers.run_id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let swept_contracts: i64 = sqlx::query_scalar("SELECT swept_rows FROM sync_runs WHERE id = ?")
        .bind(contracts.run_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(
        swept_influencers > 0 && swept_contracts > 0,
        "the next day deletes records"
    );
    assert_mysql_holds(&app, next_day).await;
}
