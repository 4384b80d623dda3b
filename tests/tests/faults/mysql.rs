//! MySQL failing mid-run: unreachable for 30 s (a relay in front of it, cut), and every connection
//! of the test's database killed by the server (`KILL`). The machine's MariaDB is shared with
//! other tests and engineers: it is never restarted, and only this test's own sessions are killed.

use std::time::Duration;

use e2e::proxy::CuttableRelay;
use e2e::scratch::server_url;
use e2e::stack::{mariadb_address, Stack, WAIT};
use extractor::Day;
use records::Entity;
use sqlx::Connection;

use super::{assert_day_one_synced, freeze_with_work_everywhere, thaw, SIZE};

const RUN_LIMIT: Duration = Duration::from_mins(5);
const OUTAGE: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_unreachable_for_30_seconds_mid_run_holds_the_work_and_the_run_completes() {
    let relay = CuttableRelay::start(mariadb_address()).await;
    let mut stack = Stack::new("fmysqlcut", SIZE).await;
    stack.mysql_url = format!("mysql://root@{}/{}", relay.address, stack.scratch.database);
    stack.start_api().await;
    stack.start_worker(4).await;
    stack.start_worker(4).await;
    let mut extractor = stack.spawn_extractor(Day::One);

    freeze_with_work_everywhere(&stack, &extractor, Entity::Contracts, 6).await;
    relay.cut();
    let restore_at = tokio::time::Instant::now() + OUTAGE;
    thaw(&stack, &extractor);
    // The API and the workers keep trying to reach it.
    relay.wait_for_refused(3, OUTAGE).await;
    tokio::time::sleep_until(restore_at).await;
    let run = stack.runs(Entity::Contracts).await.pop().expect("the run");
    assert!(!run.status.is_final(), "the run was still going: {run:?}");
    let logs = stack.logs();
    assert!(
        logs.contains("holding it and trying again"),
        "the workers held their jobs:\n{logs}"
    );
    // Each worker's run watch fails 10 times a second meanwhile; it says so once, then every 30 s.
    let warnings = logs.matches("moving runs on failed").count();
    assert!(
        (1..=2 * 3).contains(&warnings),
        "{warnings} warnings of the run watches for a {OUTAGE:?} outage:\n{logs}"
    );
    relay.restore();

    let code = extractor.finish(RUN_LIMIT).await;
    let report = extractor.output();
    assert_eq!(code, Some(0), "{report}\n{}", stack.logs());
    assert_day_one_synced(&stack, &report).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_connection_of_the_database_killed_mid_run_is_survived_and_the_run_completes() {
    let mut stack = Stack::new("fmysqlkill", SIZE).await;
    stack.start_api().await;
    stack.start_worker(4).await;
    stack.start_worker(4).await;
    let mut extractor = stack.spawn_extractor(Day::One);

    for entity in [Entity::Influencers, Entity::Contracts] {
        freeze_with_work_everywhere(&stack, &extractor, entity, 3).await;
        let killed = kill_connections_of(&stack.scratch.database).await;
        assert!(killed > 0, "no connection of the test's database to kill");
        thaw(&stack, &extractor);
    }

    let code = extractor.finish(RUN_LIMIT).await;
    let report = extractor.output();
    assert_eq!(code, Some(0), "{report}\n{}", stack.logs());
    assert_day_one_synced(&stack, &report).await;
}

/// `KILL`s every session whose current database is `database` (the API's, the workers' and the
/// test's own), from a session on no database; returns how many it killed.
async fn kill_connections_of(database: &str) -> usize {
    let mut admin = sqlx::MySqlConnection::connect(&server_url())
        .await
        .expect("the test server answers");
    let sessions: Vec<i64> = sqlx::query_scalar(
        "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()",
    )
    .bind(database)
    .fetch_all(&mut admin)
    .await
    .expect("the process list reads");
    let mut killed = 0;
    for id in sessions {
        // A session may end on its own meanwhile: "Unknown thread id" is not a failure.
        if sqlx::query(&format!("KILL {id}"))
            .execute(&mut admin)
            .await
            .is_ok()
        {
            killed += 1;
        }
    }
    tokio::time::timeout(WAIT, admin.close())
        .await
        .expect("the admin session closes")
        .expect("the admin session closes cleanly");
    killed
}
