//! Starting together: the API and two workers started at the same instant on a database that does
//! not exist yet, as a fresh deployment (or a whole node restarting) starts them. All three create
//! the database and migrate it under one lock; each must come up, with the schema applied once.

use e2e::stack::Stack;
use extractor::{Day, DemoSize};

use super::assert_day_one_synced;

/// Small: each of the ten starts is followed by a whole run through the three processes.
const SMALL: DemoSize = DemoSize {
    influencers: 300,
    campaigns: 30,
    contracts: 900,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_and_two_workers_started_at_the_same_instant_on_a_fresh_database_all_come_up_ten_times(
) {
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations"))
        .expect("the migrations folder")
        .count();
    for attempt in 1..=10 {
        let mut stack = Stack::new("fstart", SMALL).await;
        assert!(!stack.scratch.database_exists().await);
        stack.spawn_api();
        let workers = [stack.spawn_worker(2), stack.spawn_worker(2)];
        stack.wait_for_api().await;
        for pid in workers {
            (stack.worker(pid))
                .wait_for_line("worker starting", e2e::stack::WAIT)
                .await;
        }

        let applied: Vec<(i64, bool)> =
            sqlx::query_as("SELECT version, success FROM _sqlx_migrations ORDER BY version")
                .fetch_all(stack.pool().await)
                .await
                .expect("the schema's migrations read");
        assert_eq!(applied.len(), migrations, "attempt {attempt}: {applied:?}");
        assert!(
            applied.iter().all(|(_, success)| *success),
            "attempt {attempt}: {applied:?}"
        );

        let (code, report) = stack.sync(Day::One).await;
        assert_eq!(
            code,
            Some(0),
            "attempt {attempt}:\n{report}\n{}",
            stack.logs()
        );
        assert_day_one_synced(&stack, &report).await;
        stack.stop().await;
    }
}
