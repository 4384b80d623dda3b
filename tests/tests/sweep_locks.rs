//! The sweep beside incremental runs writing the same table (what the load test does): it locks
//! only the rows it deletes, so a write in flight elsewhere in the table neither blocks it nor
//! deadlocks with it, and a row changed while it reads is checked again under its lock and kept.

use std::time::Duration;

use e2e::{influencers, TestApp};
use records::{Entity, RunStatus};
use sqlx::{Acquire, MySqlPool};
use store::sweep::{sweep_run, SweepOutcome, SweepSettings};

const DAY_ONE: &str = "2026-11-27T03:00:00.123456Z";
const DAY_TWO: &str = "2026-11-28T03:00:00.654321Z";
const WAIT: Duration = Duration::from_secs(20);

/// Day one (1..=100), then a full run that saw 1..=98 and swept 99 and 100, put back in
/// `sweeping` by hand (its sweep job is done: no worker sweeps it again), with three rows it did
/// not see added (1001..=1003, older than the run): what a sweep of it deletes. Returns its id.
async fn run_left_sweeping(app: &TestApp) -> i64 {
    let day_one = app
        .full_run(Entity::Influencers, &[influencers(1..=100, DAY_ONE)])
        .await;
    assert_eq!(day_one.status, RunStatus::Completed, "{day_one:?}");
    let run = app
        .full_run(Entity::Influencers, &[influencers(1..=98, DAY_TWO)])
        .await;
    assert_eq!((run.status, run.swept_rows), (RunStatus::Completed, 2));
    sqlx::query("UPDATE sync_runs SET status = 'sweeping' WHERE id = ?")
        .bind(run.run_id)
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO influencers (erp_id, name, handle, platform, followers, document, city, state, status, source_updated_at, source_updated_ns) \
                 SELECT erp_id + 1000, name, handle, platform, followers, document, city, state, status, source_updated_at, source_updated_ns FROM influencers WHERE erp_id <= 3")
        .execute(&app.pool)
        .await
        .unwrap();
    run.run_id
}

async fn sweep(pool: &MySqlPool, run_id: i64) -> SweepOutcome {
    tokio::time::timeout(WAIT, sweep_run(pool, run_id, SweepSettings::default()))
        .await
        .expect("the sweep ends without waiting for rows it does not delete")
        .expect("the sweep succeeds")
}

#[tokio::test]
async fn a_sweep_deletes_its_rows_while_an_incremental_write_holds_a_row_the_run_saw() {
    let app = TestApp::spawn().await;
    let run_id = run_left_sweeping(&app).await;
    // An upsert in flight: row 50 (seen by the run) locked by an open transaction, as a worker
    // applying an incremental job holds it until it commits.
    let mut writer = app.pool.acquire().await.unwrap();
    let mut write = writer.begin().await.unwrap();
    sqlx::query("UPDATE influencers SET followers = followers + 1 WHERE erp_id = 50")
        .execute(&mut *write)
        .await
        .unwrap();

    let outcome = sweep(&app.pool, run_id).await;

    assert_eq!(
        outcome,
        SweepOutcome::Swept {
            entity: Entity::Influencers,
            deleted: 3
        }
    );
    write.commit().await.unwrap();
    assert_eq!(
        app.keys(Entity::Influencers).await,
        (1..=98).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_row_an_incremental_run_changes_while_the_sweep_reads_is_kept() {
    let app = TestApp::spawn().await;
    let run_id = run_left_sweeping(&app).await;
    // Row 1001 changed in the ERP after the run began, brought by an incremental run whose
    // transaction has not committed yet when the sweep reads the table.
    let mut writer = app.pool.acquire().await.unwrap();
    let mut write = writer.begin().await.unwrap();
    sqlx::query(
        "UPDATE influencers SET source_updated_at = NOW(6), \
         source_updated_ns = FLOOR(UNIX_TIMESTAMP(NOW(6)) * 1000000) * 1000 WHERE erp_id = 1001",
    )
    .execute(&mut *write)
    .await
    .unwrap();
    let pool = app.pool.clone();
    let sweeping = tokio::spawn(async move { sweep(&pool, run_id).await });
    wait_for_the_locking_read(&app.pool).await;
    write.commit().await.unwrap();

    let outcome = sweeping.await.unwrap();

    assert_eq!(
        outcome,
        SweepOutcome::Swept {
            entity: Entity::Influencers,
            deleted: 2
        }
    );
    let mut kept = (1..=98).collect::<Vec<_>>();
    kept.push(1001);
    assert_eq!(app.keys(Entity::Influencers).await, kept);
}

/// Waits until the sweep runs its locking read of a chunk: past its plain read of the candidates,
/// which saw the changed row as it was before the open transaction, and at the row's lock (or
/// about to be: once the transaction commits, the locking read sees the row as changed either way).
/// (MariaDB's INNODB_TRX does not always list a waiting transaction: the process list does.)
async fn wait_for_the_locking_read(pool: &MySqlPool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let running: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST \
             WHERE DB = DATABASE() AND INFO LIKE 'SELECT t.erp\\_id FROM influencers t WHERE t.erp\\_id IN (%FOR UPDATE'",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        if running > 0 {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the sweep never came to lock the rows of its chunk"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
