//! The reconciliation sweep, one test per safety rule, against real MariaDB, Redis and workers.

use std::time::Duration;

use e2e::{influencers, TestApp, OPS_TOKEN};
use reqwest::Method;
use serde_json::json;
use store::read_back::all_influencers;
use store::runs::get_run;
use store::sweep::{sweep_run, SweepError, SweepOutcome, SweepSettings};

const DAY_ONE: &str = "2026-11-27T03:00:00.123456Z";
const DAY_TWO: &str = "2026-11-28T03:00:00.654321Z";

async fn loaded_with_day_one(n: i64) -> TestApp {
    let app = TestApp::spawn().await;
    let run = app
        .full_run("influencers", &[influencers(1..=n, DAY_ONE)])
        .await;
    assert_eq!(run["status"], "completed", "{run}");
    app
}

#[tokio::test]
async fn a_complete_full_run_deletes_exactly_the_rows_it_did_not_see_and_audits_them() {
    let app = loaded_with_day_one(100).await;
    let seen: Vec<i64> = (1..=100).filter(|k| k % 50 != 0).collect();
    let run = app
        .full_run("influencers", &[influencers(seen.clone(), DAY_TWO)])
        .await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["swept_rows"], 2);
    assert_eq!(app.influencer_keys().await, seen);
    let audited: Vec<i64> = sqlx::query_scalar(
        "SELECT erp_id FROM influencers_swept WHERE swept_by_run_id = ? ORDER BY erp_id",
    )
    .bind(run["run_id"].as_i64().unwrap())
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(audited, vec![50, 100]);
}

#[tokio::test]
async fn a_run_that_stops_half_way_and_declares_wrong_counts_fails_and_deletes_nothing() {
    let app = loaded_with_day_one(100).await;
    let run_id = app.create_run("influencers", "full").await;
    app.put_batch(run_id, 1, &influencers(1..=50, DAY_TWO))
        .await;
    let (status, _) = app.complete(run_id, 1, 100).await;
    assert_eq!(status, 202);
    let run = app
        .wait_for_status(run_id, &["failed"], Duration::from_secs(30))
        .await;
    assert!(
        run["status_reason"]
            .as_str()
            .unwrap()
            .contains("declared 100 records"),
        "{run}"
    );
    assert_eq!(app.influencer_keys().await.len(), 100);

    // Declaring more batches than arrived leaves the run waiting; it never sweeps.
    let waiting = app.create_run("influencers", "full").await;
    app.put_batch(waiting, 1, &influencers(1..=50, DAY_TWO))
        .await;
    app.complete(waiting, 2, 100).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(app.run(waiting).await["status"], "closing");
    assert_eq!(app.influencer_keys().await.len(), 100);
}

#[tokio::test]
async fn an_aborted_run_deletes_nothing_and_cannot_be_completed_afterwards() {
    let app = loaded_with_day_one(100).await;
    let run_id = app.create_run("influencers", "full").await;
    app.put_batch(run_id, 1, &influencers(1..=50, DAY_TWO))
        .await;
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/v1/runs/{run_id}/abort"),
            Some(e2e::INGEST_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = app.complete(run_id, 1, 50).await;
    assert_eq!(status, 409, "{body}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(app.influencer_keys().await.len(), 100);
    assert_eq!(app.run(run_id).await["status"], "aborted");
}

#[tokio::test]
async fn a_full_run_that_saw_zero_records_deletes_nothing() {
    let app = loaded_with_day_one(20).await;
    let run = app.full_run("influencers", &[]).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["swept_rows"], 0);
    assert_eq!(app.influencer_keys().await.len(), 20);
    // Every record rejected is "zero records seen" too.
    let mut invalid = influencers(1..=5, DAY_TWO);
    for record in &mut invalid {
        record["document"] = json!("00000000000");
    }
    let run = app.full_run("influencers", &[invalid]).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(app.influencer_keys().await.len(), 20);
}

#[tokio::test]
async fn a_sweep_over_the_threshold_is_held_deletes_nothing_until_approved_then_deletes_exactly_those_rows(
) {
    let app = loaded_with_day_one(100).await;
    let run = app
        .full_run("influencers", &[influencers(41..=100, DAY_TWO)])
        .await;
    assert_eq!(run["status"], "held", "{run}");
    let run_id = run["run_id"].as_i64().unwrap();
    assert_eq!(app.influencer_keys().await.len(), 100);

    let (status, plan) = app
        .call(
            Method::GET,
            &format!("/v1/runs/{run_id}/sweep-plan?limit=25"),
            Some(OPS_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, 200, "{plan}");
    assert_eq!(plan["would_delete"], 40);
    assert_eq!(plan["keys"].as_array().unwrap().len(), 25);
    let (_, rest) = app
        .call(
            Method::GET,
            &format!(
                "/v1/runs/{run_id}/sweep-plan?limit=25&after={}",
                plan["next_after"]
            ),
            Some(OPS_TOKEN),
            None,
        )
        .await;
    assert_eq!(rest["keys"].as_array().unwrap().len(), 15);
    assert!(rest["next_after"].is_null());

    let (status, _) = app
        .call(
            Method::POST,
            &format!("/v1/runs/{run_id}/sweep/approve"),
            Some(e2e::INGEST_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, 403, "approving needs the ops scope");
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/v1/runs/{run_id}/sweep/approve"),
            Some(OPS_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let run = app
        .wait_for_status(run_id, &["completed"], Duration::from_secs(30))
        .await;
    assert_eq!(run["swept_rows"], 40);
    assert_eq!(app.influencer_keys().await, (41..=100).collect::<Vec<_>>());
}

#[tokio::test]
async fn keys_rejected_by_validation_in_the_run_are_never_deleted() {
    let app = loaded_with_day_one(100).await;
    let mut records = influencers(1..=99, DAY_TWO);
    records[4]["document"] = json!("11111111111"); // erp_id 5, invalid in this run
    let run = app.full_run("influencers", &[records]).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["rejected_records"], 1);
    assert_eq!(run["swept_rows"], 1, "only 100 goes");
    let keys = app.influencer_keys().await;
    assert!(keys.contains(&5));
    assert!(!keys.contains(&100));
}

#[tokio::test]
async fn undo_brings_back_every_deleted_row_field_for_field() {
    let app = loaded_with_day_one(100).await;
    let before = all_influencers(&app.pool).await.unwrap();
    let run = app
        .full_run(
            "influencers",
            &[influencers((1..=100).filter(|k| k % 25 != 0), DAY_ONE)],
        )
        .await;
    assert_eq!(run["swept_rows"], 4, "{run}");
    let run_id = run["run_id"].as_i64().unwrap();
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/v1/runs/{run_id}/sweep/undo"),
            Some(OPS_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["restored"], 4);
    assert_eq!(all_influencers(&app.pool).await.unwrap(), before);
    let (_, again) = app
        .call(
            Method::POST,
            &format!("/v1/runs/{run_id}/sweep/undo"),
            Some(OPS_TOKEN),
            None,
        )
        .await;
    assert_eq!(again["restored"], 0, "an undo happens once");
}

#[tokio::test]
async fn two_sweeps_of_the_same_entity_never_overlap() {
    let app = TestApp::spawn_without_workers().await;
    // Load day one and prepare a run in `sweeping` by hand, without workers racing us.
    let pool = app.pool.clone();
    let day_one = app.create_run("influencers", "incremental").await;
    app.put_batch(day_one, 1, &influencers(1..=100, DAY_ONE))
        .await;
    let mut app = app;
    app.start_workers();
    app.complete(day_one, 1, 100).await;
    app.wait_for_status(day_one, &["completed"], Duration::from_secs(30))
        .await;
    let run_id = app.create_run("influencers", "full").await;
    app.put_batch(run_id, 1, &influencers(1..=98, DAY_TWO))
        .await;
    app.complete(run_id, 1, 98).await;
    app.wait_for_status(run_id, &["completed"], Duration::from_secs(30))
        .await;
    sqlx::query("UPDATE sync_runs SET status = 'sweeping' WHERE id = ?")
        .bind(run_id)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO influencers (erp_id, name, handle, platform, followers, document, city, state, status, source_updated_at, source_updated_ns) \
                 SELECT erp_id + 1000, name, handle, platform, followers, document, city, state, status, source_updated_at, source_updated_ns FROM influencers WHERE erp_id <= 3")
        .execute(&pool)
        .await
        .unwrap();

    // While another holder has the entity's sweep lock, a sweep waits and then gives up.
    let mut holder = pool.acquire().await.unwrap();
    sqlx::query("SELECT GET_LOCK('dis-sync-sweep-influencers', 0)")
        .execute(&mut *holder)
        .await
        .unwrap();
    let quick = SweepSettings {
        lock_wait_seconds: 1,
        ..SweepSettings::default()
    };
    assert!(matches!(
        sweep_run(&pool, run_id, quick).await,
        Err(SweepError::Busy(_))
    ));
    assert_eq!(app.influencer_keys().await.len(), 101);
    sqlx::query("SELECT RELEASE_LOCK('dis-sync-sweep-influencers')")
        .execute(&mut *holder)
        .await
        .unwrap();

    // Two deliveries of the same sweep at once: one sweeps, the other finds nothing left to do.
    let (a, b) = tokio::join!(
        sweep_run(&pool, run_id, SweepSettings::default()),
        sweep_run(&pool, run_id, SweepSettings::default())
    );
    let outcomes = [a.unwrap(), b.unwrap()];
    assert!(
        outcomes.contains(&SweepOutcome::Swept { deleted: 3 }),
        "{outcomes:?}"
    );
    assert!(
        outcomes
            .iter()
            .any(|o| matches!(o, SweepOutcome::NotEligible(_))),
        "{outcomes:?}"
    );
    let audited: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM influencers_swept WHERE erp_id > 1000")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(audited, 3, "each row deleted and audited once");
    // 2 rows (99, 100) by the run's own sweep, then the 3 planted ones.
    assert_eq!(get_run(&pool, run_id).await.unwrap().unwrap().swept_rows, 5);
}

#[tokio::test]
async fn contracts_of_an_influencer_swept_away_are_kept_until_a_contracts_run_no_longer_sees_them()
{
    let app = loaded_with_day_one(100).await;
    let contracts = vec![e2e::contract(1, 100, "10.00"), e2e::contract(2, 1, "20.00")];
    assert_eq!(
        app.full_run("contracts", std::slice::from_ref(&contracts))
            .await["status"],
        "completed"
    );
    let run = app
        .full_run("influencers", &[influencers(1..=99, DAY_TWO)])
        .await;
    assert_eq!(run["swept_rows"], 1);
    let kept: Vec<i64> = sqlx::query_scalar("SELECT erp_id FROM contracts ORDER BY erp_id")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        kept,
        vec![1, 2],
        "the influencer's sweep leaves its contracts alone"
    );
    let run = app.full_run("contracts", &[contracts[1..].to_vec()]).await;
    assert_eq!(
        run["status"], "held",
        "one of two contracts is 50 %: held for approval"
    );
}
