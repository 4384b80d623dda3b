//! The reconciliation sweep, one test per safety rule, against real MariaDB, Redis and workers.

use std::time::Duration;

use e2e::{influencers, TestApp};
use records::api::ErrorCode;
use records::{Entity, Influencer, RunMode, RunStatus};
use serde_json::json;
use store::lifecycle::{advance_closing_run, Advance};
use store::read_back::all_records;
use store::runs::get_run;
use store::sweep::{sweep_run, SweepError, SweepOutcome, SweepSettings, SWEEP_LOCK};

const DAY_ONE: &str = "2026-11-27T03:00:00.123456Z";
const DAY_TWO: &str = "2026-11-28T03:00:00.654321Z";
const WAIT: Duration = Duration::from_secs(30);

async fn loaded_with_day_one(n: i64) -> TestApp {
    let app = TestApp::spawn().await;
    let run = app
        .full_run(Entity::Influencers, &[influencers(1..=n, DAY_ONE)])
        .await;
    assert_eq!(run.status, RunStatus::Completed, "{run:?}");
    app
}

#[tokio::test]
async fn a_complete_full_run_deletes_exactly_the_rows_it_did_not_see_and_audits_them() {
    let app = loaded_with_day_one(100).await;
    let seen: Vec<i64> = (1..=100).filter(|k| k % 50 != 0).collect();
    let run = app
        .full_run(Entity::Influencers, &[influencers(seen.clone(), DAY_TWO)])
        .await;
    assert_eq!(run.status, RunStatus::Completed, "{run:?}");
    assert_eq!(run.swept_rows, 2);
    assert_eq!(app.keys(Entity::Influencers).await, seen);
    let audited: Vec<i64> = sqlx::query_scalar(
        "SELECT erp_id FROM influencers_swept WHERE swept_by_run_id = ? ORDER BY erp_id",
    )
    .bind(run.run_id)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(audited, vec![50, 100]);
}

#[tokio::test]
async fn a_run_that_stops_half_way_and_declares_wrong_counts_fails_and_deletes_nothing() {
    let app = loaded_with_day_one(100).await;
    let run_id = app
        .create_run(Entity::Influencers, RunMode::Full)
        .await
        .run_id;
    app.put_batch(run_id, 1, &influencers(1..=50, DAY_TWO))
        .await
        .unwrap();
    app.complete(run_id, 1, 100).await.unwrap();
    let run = app
        .wait_for_status(run_id, &[RunStatus::Failed], WAIT)
        .await;
    let reason = run.status_reason.unwrap_or_default();
    assert!(reason.contains("declared 100 records"), "{reason}");
    assert_eq!(app.keys(Entity::Influencers).await.len(), 100);

    // Declaring more batches than arrived leaves the run waiting once its jobs are applied; it
    // never sweeps.
    let waiting = app
        .create_run(Entity::Influencers, RunMode::Full)
        .await
        .run_id;
    app.put_batch(waiting, 1, &influencers(1..=50, DAY_TWO))
        .await
        .unwrap();
    app.complete(waiting, 2, 100).await.unwrap();
    let run = app
        .wait_for_run(waiting, WAIT, |run| run.jobs_applied == run.jobs_enqueued)
        .await;
    assert_eq!(run.status, RunStatus::Closing);
    assert_eq!(
        advance_closing_run(&app.pool, waiting).await.unwrap(),
        Advance::Waiting
    );
    assert_eq!(app.run(waiting).await.status, RunStatus::Closing);
    assert_eq!(app.keys(Entity::Influencers).await.len(), 100);
}

#[tokio::test]
async fn an_aborted_run_deletes_nothing_and_cannot_be_completed_afterwards() {
    let app = loaded_with_day_one(100).await;
    let run_id = app
        .create_run(Entity::Influencers, RunMode::Full)
        .await
        .run_id;
    app.put_batch(run_id, 1, &influencers(1..=50, DAY_TWO))
        .await
        .unwrap();
    assert_eq!(app.abort(run_id).await.unwrap().status, RunStatus::Aborted);
    let refused = app.complete(run_id, 1, 50).await.unwrap_err();
    assert_eq!(refused.code(), ErrorCode::RunNotOpen);
    // Its jobs still apply (upserts are safe); once they have, nothing can sweep the run.
    app.wait_for_run(run_id, WAIT, |run| run.jobs_applied == run.jobs_enqueued)
        .await;
    let outcome = sweep_run(&app.pool, run_id, SweepSettings::default())
        .await
        .unwrap();
    assert!(
        matches!(outcome, SweepOutcome::NotEligible(_)),
        "{outcome:?}"
    );
    assert_eq!(app.keys(Entity::Influencers).await.len(), 100);
    assert_eq!(app.run(run_id).await.status, RunStatus::Aborted);
}

#[tokio::test]
async fn a_full_run_that_saw_zero_records_deletes_nothing() {
    let app = loaded_with_day_one(20).await;
    let run = app.full_run(Entity::Influencers, &[]).await;
    assert_eq!(run.status, RunStatus::Completed, "{run:?}");
    assert_eq!(run.swept_rows, 0);
    assert_eq!(app.keys(Entity::Influencers).await.len(), 20);
    // Every record rejected is "zero records seen" too.
    let mut invalid = influencers(1..=5, DAY_TWO);
    for record in &mut invalid {
        record["document"] = json!("00000000000");
    }
    let run = app.full_run(Entity::Influencers, &[invalid]).await;
    assert_eq!(run.status, RunStatus::Completed, "{run:?}");
    assert_eq!(app.keys(Entity::Influencers).await.len(), 20);
}

#[tokio::test]
async fn a_sweep_over_the_threshold_is_held_deletes_nothing_until_approved_then_deletes_exactly_those_rows(
) {
    let app = loaded_with_day_one(100).await;
    let run = app
        .full_run(Entity::Influencers, &[influencers(41..=100, DAY_TWO)])
        .await;
    assert_eq!(run.status, RunStatus::Held, "{run:?}");
    let run_id = run.run_id;
    assert_eq!(app.keys(Entity::Influencers).await.len(), 100);

    let plan = app.sweep_plan(run_id, "?limit=25").await.unwrap();
    assert_eq!((plan.would_delete, plan.keys.len()), (40, 25));
    let after = plan.next_after.expect("a second page");
    let rest = app
        .sweep_plan(run_id, &format!("?limit=25&after={after}"))
        .await
        .unwrap();
    assert_eq!((rest.keys.len(), rest.next_after), (15, None));

    let (status, _) = app
        .call(
            reqwest::Method::POST,
            &format!("/v1/runs/{run_id}/sweep/approve"),
            Some(e2e::INGEST_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, 403, "approving needs the ops scope");
    let approved = app.approve_sweep(run_id).await.unwrap();
    assert_eq!(
        (approved.status, approved.approved_by.as_str()),
        (RunStatus::Sweeping, "operator")
    );
    let run = app
        .wait_for_status(run_id, &[RunStatus::Completed], WAIT)
        .await;
    assert_eq!(run.swept_rows, 40);
    assert_eq!(
        app.keys(Entity::Influencers).await,
        (41..=100).collect::<Vec<_>>()
    );
    let again = app.approve_sweep(run_id).await.unwrap_err();
    assert_eq!(again.code(), ErrorCode::RunNotHeld);
}

#[tokio::test]
async fn keys_rejected_by_validation_in_the_run_are_never_deleted() {
    let app = loaded_with_day_one(100).await;
    let mut records = influencers(1..=99, DAY_TWO);
    records[4]["document"] = json!("11111111111"); // erp_id 5, invalid in this run
    let run = app.full_run(Entity::Influencers, &[records]).await;
    assert_eq!(run.status, RunStatus::Completed, "{run:?}");
    assert_eq!(run.rejected_records, 1);
    assert_eq!(run.swept_rows, 1, "only 100 goes");
    let keys = app.keys(Entity::Influencers).await;
    assert!(keys.contains(&5));
    assert!(!keys.contains(&100));
}

#[tokio::test]
async fn undo_brings_back_every_deleted_row_field_for_field() {
    let app = loaded_with_day_one(100).await;
    let before = all_records::<Influencer>(&app.pool).await.unwrap();
    let run = app
        .full_run(
            Entity::Influencers,
            &[influencers((1..=100).filter(|k| k % 25 != 0), DAY_ONE)],
        )
        .await;
    assert_eq!(run.swept_rows, 4, "{run:?}");
    let undone = app.undo_sweep(run.run_id).await.unwrap();
    assert_eq!(undone.restored, 4);
    assert_eq!(all_records::<Influencer>(&app.pool).await.unwrap(), before);
    let again = app.undo_sweep(run.run_id).await.unwrap();
    assert_eq!(again.restored, 0, "an undo happens once");
}

#[tokio::test]
async fn two_sweeps_of_the_same_entity_never_overlap() {
    // Day one loaded, then a full run that saw 1..=98 and swept 99 and 100; it is put back in
    // `sweeping` by hand (its sweep job is done, so no worker sweeps it again).
    let app = loaded_with_day_one(100).await;
    let pool = app.pool.clone();
    let run = app
        .full_run(Entity::Influencers, &[influencers(1..=98, DAY_TWO)])
        .await;
    assert_eq!(
        (run.status, run.swept_rows),
        (RunStatus::Completed, 2),
        "{run:?}"
    );
    let run_id = run.run_id;
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
    sqlx::query(&format!("SELECT GET_LOCK({SWEEP_LOCK}, 0)"))
        .bind("influencers")
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
    assert_eq!(app.keys(Entity::Influencers).await.len(), 101);
    sqlx::query(&format!("SELECT RELEASE_LOCK({SWEEP_LOCK})"))
        .bind("influencers")
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
        outcomes.contains(&SweepOutcome::Swept {
            entity: Entity::Influencers,
            deleted: 3
        }),
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
    let run = app
        .full_run(Entity::Contracts, std::slice::from_ref(&contracts))
        .await;
    assert_eq!(run.status, RunStatus::Completed);
    let run = app
        .full_run(Entity::Influencers, &[influencers(1..=99, DAY_TWO)])
        .await;
    assert_eq!(run.swept_rows, 1);
    assert_eq!(
        app.keys(Entity::Contracts).await,
        vec![1, 2],
        "the influencer's sweep leaves its contracts alone"
    );
    let run = app
        .full_run(Entity::Contracts, &[contracts[1..].to_vec()])
        .await;
    assert_eq!(
        run.status,
        RunStatus::Held,
        "one of two contracts is 50 %: held for approval"
    );
}
