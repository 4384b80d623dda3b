//! Campaigns end to end, the entity added on the generic shape: the API takes them, the workers
//! upsert them, a full run sweeps them into their audit table, and undo brings them back.

use std::time::Duration;

use e2e::{campaign, TestApp};
use records::{Campaign, Entity, RunMode, RunStatus};
use serde_json::json;
use store::read_back::all_records;

const DAY_ONE: &str = "2026-11-27T03:00:00.1234567Z";
const DAY_TWO: &str = "2026-11-28T03:00:00.7654321Z";

fn campaigns(keys: impl IntoIterator<Item = i64>, updated_at: &str) -> Vec<serde_json::Value> {
    keys.into_iter()
        .map(|k| campaign(k, &format!("{k}0000.50"), updated_at))
        .collect()
}

#[tokio::test]
async fn campaigns_are_validated_loaded_exactly_and_rejected_with_every_reason() {
    let app = TestApp::spawn().await;
    let mut records = campaigns(1..=3, DAY_ONE);
    records.push(json!({
        "erp_id": 4, "name": "Sem marca", "starts_on": "2027-03-01", "ends_on": "2027-02-01",
        "budget": "1000.5", "status": "paused", "source_updated_at": DAY_ONE
    }));
    records.push(json!({"erp_id": 5, "budget": 1000.5}));
    let run = app.full_run(Entity::Campaigns, &[records.clone()]).await;
    assert_eq!(run.status, RunStatus::Completed, "{run:?}");
    assert_eq!((run.loaded_records, run.rejected_records), (3, 2));
    assert_eq!(run.new_records, Some(3));

    let rejected = app.rejected(run.run_id).await;
    assert_eq!(rejected[0].entity, Entity::Campaigns);
    let every = rejected[0].problems.to_string();
    for problem in [
        "brand: is required",
        "ends_on: 2027-02-01 is before starts_on 2027-03-01",
        "status: \"paused\" is not a status",
    ] {
        assert!(every.contains(problem), "{problem} missing from {every}");
    }
    let shape = rejected[1].problems.to_string();
    assert!(shape.contains("budget: must be a string"), "{shape}");

    let stored = all_records::<Campaign>(&app.pool).await.unwrap();
    let expected: Vec<_> = records[..3]
        .iter()
        .map(|r| {
            serde_json::from_value::<Campaign>(r.clone())
                .unwrap()
                .to_wire()
        })
        .collect();
    assert_eq!(
        stored, expected,
        "the budget exact, the timestamp to the 100 ns"
    );
}

#[tokio::test]
async fn a_full_run_of_campaigns_sweeps_what_it_did_not_see_into_their_audit_table_and_undo_restores_it(
) {
    let app = TestApp::spawn().await;
    let day_one = app
        .full_run(Entity::Campaigns, &[campaigns(1..=50, DAY_ONE)])
        .await;
    assert_eq!(day_one.status, RunStatus::Completed, "{day_one:?}");
    let before = all_records::<Campaign>(&app.pool).await.unwrap();

    let run = app
        .full_run(Entity::Campaigns, &[campaigns(1..=49, DAY_TWO)])
        .await;
    assert_eq!(
        (run.status, run.swept_rows),
        (RunStatus::Completed, 1),
        "{run:?}"
    );
    assert_eq!(
        (run.new_records, run.changed_records, run.unchanged_records),
        (Some(0), Some(49), Some(0))
    );
    assert_eq!(
        app.keys(Entity::Campaigns).await,
        (1..=49).collect::<Vec<_>>()
    );
    let audited: Vec<i64> =
        sqlx::query_scalar("SELECT erp_id FROM campaigns_swept WHERE swept_by_run_id = ?")
            .bind(run.run_id)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(audited, vec![50]);

    app.undo_sweep(run.run_id).await.unwrap();
    let restored = all_records::<Campaign>(&app.pool).await.unwrap();
    assert_eq!(restored.last(), before.last(), "campaign 50 as it was");
    assert_eq!(app.keys(Entity::Influencers).await, Vec::<i64>::new());
}

#[tokio::test]
async fn a_campaigns_run_and_an_influencers_run_are_open_at_once_and_sweep_only_their_own_table() {
    let app = TestApp::spawn().await;
    let campaigns_run = app.create_run(Entity::Campaigns, RunMode::Full).await;
    let influencers_run = app.create_run(Entity::Influencers, RunMode::Full).await;
    assert_ne!(campaigns_run.run_id, influencers_run.run_id);
    app.abort(influencers_run.run_id).await.unwrap();
    app.put_batch(campaigns_run.run_id, 1, &campaigns(1..=5, DAY_ONE))
        .await
        .unwrap();
    app.complete(campaigns_run.run_id, 1, 5).await.unwrap();
    let run = app
        .wait_for_status(
            campaigns_run.run_id,
            &[RunStatus::Completed],
            Duration::from_mins(1),
        )
        .await;
    assert_eq!(run.entity, Entity::Campaigns);
    assert_eq!(app.keys(Entity::Campaigns).await, vec![1, 2, 3, 4, 5]);
}
