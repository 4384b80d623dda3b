//! Runs that cannot hold the system hostage, schemas that many processes can migrate at once, and
//! queue keys that survive a restore of MySQL.

use std::time::Duration;

use e2e::{influencers, test_settings, TestApp};
use records::api::ErrorCode;
use records::{Entity, RunMode, RunStatus};
use store::lifecycle::{advance_closing_run, fail_abandoned_runs, Advance};

const IDLE_LIMIT: Duration = Duration::from_hours(2);

/// Moves the run's last change (and its jobs') back by `ago`, as if it had been idle since.
async fn age_run(app: &TestApp, run_id: i64, ago: Duration) {
    let seconds = ago.as_secs();
    sqlx::query("UPDATE sync_runs SET updated_at = updated_at - INTERVAL ? SECOND WHERE id = ?")
        .bind(seconds)
        .bind(run_id)
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE run_jobs SET applied_at = applied_at - INTERVAL ? SECOND WHERE run_id = ?")
        .bind(seconds)
        .bind(run_id)
        .execute(&app.pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn processes_migrating_one_fresh_database_at_the_same_instant_all_come_up() {
    for round in 0..10 {
        let url = test_settings().mysql_url;
        let starts = (0..3).map(|_| store::connect_and_migrate(&url, 2));
        let results = futures::future::join_all(starts).await;
        let _ = store::drop_database(&url).await;
        for result in results {
            assert!(result.is_ok(), "round {round}: {:?}", result.err());
        }
    }
}

#[tokio::test]
async fn a_process_told_not_to_migrate_refuses_a_database_that_is_behind_and_names_the_command() {
    let url = test_settings().mysql_url;
    let pool = store::connect_and_migrate(&url, 2).await.unwrap();
    store::migrate::require_current(&pool).await.unwrap();
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM (SELECT version FROM _sqlx_migrations) v)")
        .execute(&pool)
        .await
        .unwrap();
    let refused = store::migrate::require_current(&pool).await;
    let _ = store::drop_database(&url).await;
    let message = refused.unwrap_err().to_string();
    assert!(
        message.contains("ingest-api migrate") && message.contains("DIS_MIGRATE"),
        "{message}"
    );
}

#[tokio::test]
async fn an_open_full_run_left_by_a_crashed_extractor_is_failed_and_the_next_one_proceeds() {
    let app = TestApp::spawn().await;
    let crashed = app
        .create_run(Entity::Influencers, RunMode::Full)
        .await
        .run_id;
    app.put_batch(crashed, 1, &influencers(1..=50, "2026-11-27T10:00:00Z"))
        .await
        .unwrap();
    let refused = app
        .try_create_run(Entity::Influencers, RunMode::Full)
        .await
        .expect_err("a recent run still holds its entity");
    assert_eq!(refused.code(), ErrorCode::FullRunOpen);
    let message = refused.message();
    assert!(
        message.contains(&format!("run {crashed} is open")) && message.contains("abort"),
        "{message}"
    );

    // Its job applied first: a job applied after the aging would be progress of now.
    app.wait_for_run(crashed, Duration::from_secs(30), |run| {
        run.jobs_applied == 1
    })
    .await;
    age_run(&app, crashed, IDLE_LIMIT + Duration::from_mins(1)).await;
    let next = app
        .full_run(
            Entity::Influencers,
            &[influencers(1..=49, "2026-11-27T11:00:00Z")],
        )
        .await;
    assert_eq!(next.status, RunStatus::Completed, "{next:?}");
    let crashed_run = app.run(crashed).await;
    assert_eq!(crashed_run.status, RunStatus::Failed, "{crashed_run:?}");
    let reason = crashed_run.status_reason.unwrap_or_default();
    assert!(
        reason.starts_with("abandoned: no progress for 2h") && reason.contains("nothing was swept"),
        "{reason}"
    );
    assert_eq!(crashed_run.swept_rows, 0);
    // The next run swept what it did not see; the crashed run never deleted anything.
    assert_eq!(
        app.keys(Entity::Influencers).await,
        (1..=49).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_closing_run_whose_jobs_never_come_is_failed_by_the_workers_and_never_swept() {
    let app = TestApp::spawn_without_workers().await;
    let stuck = app
        .create_run(Entity::Influencers, RunMode::Full)
        .await
        .run_id;
    app.put_batch(stuck, 1, &influencers(1..=10, "2026-11-27T10:00:00Z"))
        .await
        .unwrap();
    app.complete(stuck, 1, 10).await.unwrap();
    assert!(fail_abandoned_runs(&app.pool, IDLE_LIMIT, None)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(app.run(stuck).await.status, RunStatus::Closing);

    age_run(&app, stuck, IDLE_LIMIT + Duration::from_secs(1)).await;
    let failed = fail_abandoned_runs(&app.pool, IDLE_LIMIT, None)
        .await
        .unwrap();
    assert_eq!(
        failed.iter().map(|r| r.run_id).collect::<Vec<_>>(),
        vec![stuck]
    );
    let run = app.run(stuck).await;
    assert_eq!(run.status, RunStatus::Failed, "{run:?}");
    assert!(run.finished_at.is_some(), "{run:?}");
}

#[tokio::test]
async fn a_closing_run_whose_jobs_are_still_being_applied_is_not_abandoned() {
    let app = TestApp::spawn_without_workers().await;
    let run_id = app
        .create_run(Entity::Influencers, RunMode::Incremental)
        .await
        .run_id;
    app.put_batch(run_id, 1, &influencers(1..=10, "2026-11-27T10:00:00Z"))
        .await
        .unwrap();
    age_run(&app, run_id, IDLE_LIMIT * 2).await;
    // A job applied just now is progress, however old the run's own row is.
    sqlx::query(
        "INSERT INTO run_jobs (run_id, batch_seq, chunk, records, loaded, rejected) VALUES (?, 9, 0, 1, 1, 0)",
    )
    .bind(run_id)
    .execute(&app.pool)
    .await
    .unwrap();
    assert!(fail_abandoned_runs(&app.pool, IDLE_LIMIT, None)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(app.run(run_id).await.status, RunStatus::Open);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_that_takes_the_id_of_a_run_lost_in_a_mysql_restore_gets_its_jobs_applied() {
    let mut app = TestApp::spawn_without_workers().await;
    let lost = app
        .create_run(Entity::Influencers, RunMode::Incremental)
        .await
        .run_id;
    app.put_batch(lost, 1, &influencers(1..=5, "2026-11-27T10:00:00Z"))
        .await
        .unwrap();
    // MySQL is restored to a point before run `lost`; its jobs are still in Redis.
    for table in ["run_batches", "sync_runs"] {
        sqlx::query(&format!(
            "DELETE FROM {table} WHERE {} = ?",
            if table == "sync_runs" { "id" } else { "run_id" }
        ))
        .bind(lost)
        .execute(&app.pool)
        .await
        .unwrap();
    }
    sqlx::query("ALTER TABLE sync_runs AUTO_INCREMENT = 1")
        .execute(&app.pool)
        .await
        .unwrap();
    let reborn = app
        .create_run(Entity::Influencers, RunMode::Incremental)
        .await
        .run_id;
    assert_eq!(reborn, lost, "the new run takes the lost run's id");
    app.put_batch(reborn, 1, &influencers(11..=13, "2026-11-27T10:00:00Z"))
        .await
        .unwrap();
    app.complete(reborn, 1, 3).await.unwrap();

    app.apply_pending_jobs().await;
    // The run watch of the worker that applied the jobs may have moved the run on first.
    let advanced = advance_closing_run(&app.pool, reborn).await.unwrap();
    assert!(
        matches!(advanced, Advance::Completed | Advance::NotClosing),
        "{advanced:?}"
    );
    let run = app.run(reborn).await;
    assert_eq!(run.status, RunStatus::Completed, "{run:?}");
    assert_eq!(run.loaded_records, 3, "{run:?}");
    assert_eq!(app.keys(Entity::Influencers).await, vec![11, 12, 13]);
    // The lost run's job was not applied to the new run: it waits in the dead letters.
    let error: String = sqlx::query_scalar("SELECT last_error FROM dead_letters WHERE run_id = ?")
        .bind(lost)
        .fetch_one(&app.pool)
        .await
        .expect("the lost run's job was dead-lettered");
    assert!(error.contains("restored"), "{error}");
}
