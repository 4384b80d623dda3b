//! The worker's apply handler called as a plain function against a real MariaDB.

use e2e::{influencer, TestApp};
use queue::{ApplyBatch, Records};
use records::api::RejectionStage;
use records::{Entity, Influencer, RunMode};
use serde_json::Value;
use worker::{apply_batch, JobOutcome, RetryConfig};

fn job(run_id: i64, nonce: &str, chunk: i32, records: &[Value]) -> ApplyBatch {
    let parsed: Vec<Influencer> = records
        .iter()
        .map(|r| serde_json::from_value(r.clone()).unwrap())
        .collect();
    ApplyBatch {
        run_id,
        run_nonce: nonce.to_owned(),
        mode: RunMode::Incremental,
        batch_seq: 1,
        chunk,
        indices: (0..parsed.len() as i32).collect(),
        records: Records::Influencers(parsed),
    }
}

fn quick_retries() -> RetryConfig {
    RetryConfig {
        attempts: 3,
        first_delay: std::time::Duration::from_millis(10),
        ..RetryConfig::default()
    }
}

/// An app without workers, so tests apply jobs by hand, and an incremental run of influencers:
/// its id and nonce.
async fn app_with_incremental_run() -> (TestApp, i64, String) {
    let app = TestApp::spawn_without_workers().await;
    let run_id = app
        .create_run(Entity::Influencers, RunMode::Incremental)
        .await
        .run_id;
    let nonce = app.nonce(run_id).await;
    (app, run_id, nonce)
}

/// [`app_with_incremental_run`], where the database refuses any influencer named
/// "Refused By Database" (constraint `test_no_blocked_name`).
async fn app_refusing_a_name() -> (TestApp, i64, String) {
    let (app, run_id, nonce) = app_with_incremental_run().await;
    sqlx::query("ALTER TABLE influencers ADD CONSTRAINT test_no_blocked_name CHECK (name <> 'Refused By Database')")
        .execute(&app.pool)
        .await
        .unwrap();
    (app, run_id, nonce)
}

#[tokio::test]
async fn a_job_delivered_twice_is_applied_and_counted_once() {
    let (app, run_id, nonce) = app_with_incremental_run().await;
    let job = job(
        run_id,
        &nonce,
        0,
        &[
            influencer(1, "Ana", "2026-11-27T10:00:00Z"),
            influencer(2, "Bia", "2026-11-27T10:00:00Z"),
        ],
    );
    assert_eq!(
        apply_batch(&app.pool, &job, quick_retries()).await.unwrap(),
        JobOutcome::Loaded { records: 2 }
    );
    assert_eq!(
        apply_batch(&app.pool, &job, quick_retries()).await.unwrap(),
        JobOutcome::AlreadyApplied
    );
    let run = app.run(run_id).await;
    assert_eq!((run.jobs_applied, run.loaded_records), (1, 2));
}

#[tokio::test]
async fn an_older_record_never_overwrites_a_newer_one_even_by_a_fraction_of_a_microsecond() {
    let (app, run_id, nonce) = app_with_incremental_run().await;
    let newer = job(
        run_id,
        &nonce,
        0,
        &[influencer(1, "Newer", "2026-11-27T10:00:00.0000002Z")],
    );
    let older = job(
        run_id,
        &nonce,
        1,
        &[influencer(1, "Older", "2026-11-27T10:00:00.0000001Z")],
    );
    let same_time = job(
        run_id,
        &nonce,
        2,
        &[influencer(
            1,
            "Same instant",
            "2026-11-27T10:00:00.0000002Z",
        )],
    );
    apply_batch(&app.pool, &newer, quick_retries())
        .await
        .unwrap();
    apply_batch(&app.pool, &older, quick_retries())
        .await
        .unwrap();
    let name: String = sqlx::query_scalar("SELECT name FROM influencers WHERE erp_id = 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(name, "Newer");
    apply_batch(&app.pool, &same_time, quick_retries())
        .await
        .unwrap();
    let (name, nanos): (String, i64) =
        sqlx::query_as("SELECT name, source_updated_ns FROM influencers WHERE erp_id = 1")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        name, "Same instant",
        "a record not older than the stored one wins"
    );
    assert_eq!(nanos % 1000, 200, "nanoseconds are kept");
}

#[tokio::test]
async fn rows_the_database_refuses_are_rejected_with_its_reason_and_the_others_load() {
    let (app, run_id, nonce) = app_refusing_a_name().await;
    let records = [
        influencer(1, "Ana", "2026-11-27T10:00:00Z"),
        influencer(2, "Refused By Database", "2026-11-27T10:00:00Z"),
        influencer(3, "Caio", "2026-11-27T10:00:00Z"),
    ];
    let outcome = apply_batch(
        &app.pool,
        &job(run_id, &nonce, 0, &records),
        quick_retries(),
    )
    .await
    .unwrap();
    assert_eq!(
        outcome,
        JobOutcome::PartlyLoaded {
            loaded: 2,
            rejected: 1
        }
    );
    assert_eq!(app.keys(Entity::Influencers).await, vec![1, 3]);
    let rejected = app.rejected(run_id).await;
    assert_eq!(rejected.len(), 1);
    assert_eq!(
        (
            rejected[0].erp_id,
            rejected[0].stage,
            rejected[0].record_index
        ),
        (Some(2), RejectionStage::Database, 1)
    );
    let problems = rejected[0].problems.to_string();
    assert!(problems.contains("test_no_blocked_name"), "{problems}");
    assert_eq!(rejected[0].payload["name"], "Refused By Database");
    assert_eq!(app.run(run_id).await.db_rejected_records, 1);
}

#[tokio::test]
async fn a_job_that_fails_for_good_lands_in_the_dead_letter_table_with_its_payload_and_error_and_can_be_replayed(
) {
    let (app, run_id, nonce) = app_with_incremental_run().await;
    sqlx::query("ALTER TABLE influencers RENAME COLUMN handle TO handle_gone")
        .execute(&app.pool)
        .await
        .unwrap();
    let job = job(
        run_id,
        &nonce,
        0,
        &[influencer(1, "Ana", "2026-11-27T10:00:00Z")],
    );
    let JobOutcome::DeadLettered { dead_letter_id, .. } =
        apply_batch(&app.pool, &job, quick_retries()).await.unwrap()
    else {
        panic!("the job should be dead-lettered");
    };
    let (payload, error): (String, String) =
        sqlx::query_as("SELECT payload, last_error FROM dead_letters WHERE id = ?")
            .bind(dead_letter_id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(serde_json::from_str::<ApplyBatch>(&payload).unwrap(), job);
    assert!(error.contains("handle"), "{error}");

    sqlx::query("ALTER TABLE influencers RENAME COLUMN handle_gone TO handle")
        .execute(&app.pool)
        .await
        .unwrap();
    let (status, _) = app
        .call(
            reqwest::Method::POST,
            &format!("/v1/dead-letters/{dead_letter_id}/replay"),
            Some(e2e::OPS_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let mut app = app;
    app.apply_pending_jobs().await;
    assert_eq!(
        app.keys(Entity::Influencers).await,
        vec![1],
        "the replayed job applied"
    );
}

#[tokio::test]
async fn a_late_job_of_an_aborted_full_run_does_not_take_its_rows_away_from_the_next_full_run() {
    let app = TestApp::spawn_without_workers().await;
    let records = [
        influencer(1, "Ana", "2026-11-27T10:00:00Z"),
        influencer(2, "Bia", "2026-11-27T10:00:00Z"),
    ];
    let aborted = app
        .create_run(Entity::Influencers, RunMode::Full)
        .await
        .run_id;
    app.abort(aborted).await.unwrap();
    let next = app
        .create_run(Entity::Influencers, RunMode::Full)
        .await
        .run_id;
    let mut next_job = job(next, &app.nonce(next).await, 0, &records);
    next_job.mode = RunMode::Full;
    apply_batch(&app.pool, &next_job, quick_retries())
        .await
        .unwrap();
    // The aborted run's job was still in the queue and is applied after the next run's.
    let mut late_job = job(aborted, &app.nonce(aborted).await, 0, &records);
    late_job.mode = RunMode::Full;
    apply_batch(&app.pool, &late_job, quick_retries())
        .await
        .unwrap();
    let stamps: Vec<Option<i64>> =
        sqlx::query_scalar("SELECT last_full_run_id FROM influencers ORDER BY erp_id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        stamps,
        vec![Some(next), Some(next)],
        "the rows stay seen by the later run"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_waits_out_a_mysql_outage_and_is_applied_once_mysql_is_back() {
    use std::str::FromStr;
    use std::time::Duration;

    use e2e::proxy::CuttableRelay;
    use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions};

    let (app, run_id, nonce) = app_with_incremental_run().await;
    let direct = MySqlConnectOptions::from_str(&app.settings.mysql_url).unwrap();
    let upstream = format!("{}:{}", direct.get_host(), direct.get_port())
        .parse()
        .unwrap();
    let relay = CuttableRelay::start(upstream).await;
    let via_relay = MySqlPoolOptions::new()
        .acquire_timeout(Duration::from_millis(500))
        .connect_with(direct.host("127.0.0.1").port(relay.address.port()))
        .await
        .unwrap();

    relay.cut();
    let job = job(
        run_id,
        &nonce,
        0,
        &[influencer(1, "Ana", "2026-11-27T10:00:00Z")],
    );
    let applying = tokio::spawn({
        let job = job.clone();
        async move { worker::apply_until_recorded(&via_relay, &job, quick_retries()).await }
    });
    // More tries than the job has attempts: it is held, neither dropped nor dead-lettered.
    relay
        .wait_for_refused(
            2 * quick_retries().attempts as usize,
            Duration::from_secs(30),
        )
        .await;
    assert!(!applying.is_finished(), "the job is still held");
    relay.restore();
    let outcome = tokio::time::timeout(Duration::from_mins(1), applying)
        .await
        .expect("the job is applied soon after MySQL returns")
        .unwrap();
    assert_eq!(outcome, JobOutcome::Loaded { records: 1 });
    assert_eq!(app.keys(Entity::Influencers).await, vec![1]);
    let dead_letters: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM dead_letters")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(dead_letters, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payload_that_does_not_decode_into_a_job_is_dead_lettered_with_the_reason_and_the_worker_goes_on(
) {
    use apalis::prelude::{TaskBuilder, TaskSink};
    use queue::ApplyPayload;

    let app = TestApp::spawn().await;
    let conn = queue::connect_redis(&app.settings.redis_url).await.unwrap();
    let mut queue = queue::apply_payload_storage(conn, &app.settings.queue_namespace);
    // Made by hand, not by the API: the record's timestamp is no timestamp.
    let payload = r#"{"run_id":7,"run_nonce":"n0nce","mode":"full","batch_seq":3,"chunk":1,"indices":[0],"records":{"entity":"influencers","records":[{"erp_id":1,"name":"Ana","handle":"ana","email":null,"phone":null,"platform":"instagram","followers":10,"document":"52998224725","city":"Recife","state":"PE","status":"active","source_updated_at":"yesterday"}]}}"#;
    let task = TaskBuilder::new(ApplyPayload::from_json(payload.to_owned()).unwrap()).build();
    queue.push_task(task).await.unwrap();

    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    let (key, run_id, error, stored): (String, Option<i64>, String, String) = loop {
        let letter =
            sqlx::query_as("SELECT job_key, run_id, last_error, payload FROM dead_letters")
                .fetch_optional(&app.pool)
                .await
                .unwrap();
        if let Some(letter) = letter {
            break letter;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the payload was not dead-lettered within 30 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(key, records::job::apply_job_key(7, "n0nce", 3, 1));
    assert_eq!(run_id, Some(7));
    assert!(error.contains("does not decode"), "{error}");
    assert!(
        error.contains("source_updated_at"),
        "the reason names the field: {error}"
    );
    assert_eq!(stored, payload, "the payload is kept as it was pushed");

    let run = app
        .full_run(
            Entity::Influencers,
            &[vec![influencer(1, "Ana", "2026-11-27T10:00:00Z")]],
        )
        .await;
    assert_eq!(
        (run.status, run.loaded_records),
        (records::RunStatus::Completed, 1),
        "the worker still applies the jobs after it: {run:?}"
    );
}

#[tokio::test]
async fn jobs_applied_together_are_each_counted_once_and_a_group_with_a_job_applied_before_falls_back_to_one_per_transaction(
) {
    use worker::group::apply_group;

    let (app, run_id, nonce) = app_with_incremental_run().await;
    let jobs: Vec<ApplyBatch> = (0..3)
        .map(|chunk| {
            let key = i64::from(chunk) * 10 + 1;
            job(
                run_id,
                &nonce,
                chunk,
                &[
                    influencer(key, "Ana", "2026-11-27T10:00:00Z"),
                    influencer(key + 1, "Bia", "2026-11-27T10:00:00Z"),
                ],
            )
        })
        .collect();
    let together = apply_group(&app.pool, &jobs[..2], quick_retries()).await;
    assert_eq!(together, vec![JobOutcome::Loaded { records: 2 }; 2]);
    // A redelivery of the second job with a new one: the group cannot be applied whole.
    let again = apply_group(&app.pool, &jobs[1..], quick_retries()).await;
    assert_eq!(
        again,
        vec![
            JobOutcome::AlreadyApplied,
            JobOutcome::Loaded { records: 2 }
        ]
    );
    let run = app.run(run_id).await;
    assert_eq!((run.jobs_applied, run.loaded_records), (3, 6));
    assert_eq!(
        app.keys(Entity::Influencers).await,
        vec![1, 2, 11, 12, 21, 22]
    );
}

#[tokio::test]
async fn a_refused_row_in_a_group_is_isolated_and_the_other_jobs_of_the_group_load() {
    use worker::group::apply_group;

    let (app, run_id, nonce) = app_refusing_a_name().await;
    let good = job(
        run_id,
        &nonce,
        0,
        &[influencer(1, "Ana", "2026-11-27T10:00:00Z")],
    );
    let bad = job(
        run_id,
        &nonce,
        1,
        &[
            influencer(2, "Refused By Database", "2026-11-27T10:00:00Z"),
            influencer(3, "Caio", "2026-11-27T10:00:00Z"),
        ],
    );
    let outcomes = apply_group(&app.pool, &[good, bad], quick_retries()).await;
    assert_eq!(
        outcomes,
        vec![
            JobOutcome::Loaded { records: 1 },
            JobOutcome::PartlyLoaded {
                loaded: 1,
                rejected: 1
            }
        ]
    );
    assert_eq!(app.keys(Entity::Influencers).await, vec![1, 3]);
    let run = app.run(run_id).await;
    assert_eq!(
        (
            run.jobs_applied,
            run.loaded_records,
            run.db_rejected_records
        ),
        (2, 2, 1)
    );
}
