//! SIGTERM to a worker in the middle of a run: it takes no new job, finishes or hands back each
//! one it holds, exits 0, and the run still completes with every record loaded once — also when
//! the job it holds cannot be applied because MySQL is down.

mod common;

use std::time::Duration;

use serde_json::Value;

use common::child::Child;
use common::proxy::CuttableRelay;
use common::{apply_jobs_held_done_dead, pairs, worker_env, Api, Scratch, BIN};

const LIMIT: Duration = Duration::from_mins(1);

async fn healthz_url(worker: &Child) -> String {
    let line = worker.wait_for_line("serving /healthz", LIMIT).await;
    let logged: Value = serde_json::from_str(&line).expect("a JSON log line");
    let address = logged["fields"]["address"].as_str().expect("an address");
    format!("http://{address}/healthz")
}

#[tokio::test]
async fn sigterm_mid_run_finishes_or_hands_back_each_job_and_exits_zero() {
    let scratch = Scratch::new("wsigterm");
    let api = Api::start(&scratch).await;
    let (batches, per_batch) = (30, 1000);
    let run_id = api.full_run(batches, per_batch).await;
    let env = worker_env(&scratch, &scratch.mysql_url, "20s");
    let mut worker = Child::spawn(BIN, &[], &pairs(&env));
    let healthz = healthz_url(&worker).await;
    let (code, output) = Child::run(BIN, &["healthcheck", "--url", &healthz], &[], LIMIT).await;
    assert_eq!(code, Some(0), "healthcheck: {output}");

    let run = api
        .wait_for_run(run_id, LIMIT, |run| {
            run["jobs_applied"].as_i64() >= Some(10)
        })
        .await;
    worker.terminate();
    let applied_then = run["jobs_applied"].as_i64().unwrap_or_default();
    assert!(
        applied_then < 300,
        "the run was over before the signal: {run}"
    );
    assert_eq!(
        worker.exit_code(LIMIT).await,
        Some(0),
        "{}",
        worker.output()
    );
    worker
        .wait_for_line("stopped: every job held was finished", LIMIT)
        .await;
    let (held, _, dead) = apply_jobs_held_done_dead(&scratch.namespace).await;
    assert_eq!(
        (held, dead),
        (0, 0),
        "jobs left in the stopped worker's hands"
    );

    // Under the 30 s after which a dead worker's jobs come back: nothing was left to wait for.
    let mut next = Child::spawn(BIN, &[], &pairs(&env));
    let run = api
        .wait_for_run(run_id, Duration::from_secs(25), |run| {
            run["status"] == "completed"
        })
        .await;
    assert_eq!(run["jobs_applied"], 300, "{run}");
    assert_eq!(run["loaded_records"], batches * per_batch, "{run}");
    next.terminate();
    assert_eq!(next.exit_code(LIMIT).await, Some(0), "{}", next.output());
}

#[tokio::test]
async fn a_job_held_while_mysql_is_down_goes_back_to_the_queue_and_the_worker_exits_zero() {
    let scratch = Scratch::new("wheld");
    let api = Api::start(&scratch).await;
    let mariadb = server_address();
    let relay = CuttableRelay::start(mariadb).await;
    let through_relay = format!("mysql://root@{}/{}", relay.address, scratch.database);
    let env = worker_env(&scratch, &through_relay, "2s");
    let mut worker = Child::spawn(BIN, &[], &pairs(&env));
    worker.wait_for_line("worker starting", LIMIT).await;
    relay.cut();
    let run_id = api.full_run(1, 100).await;
    worker
        .wait_for_line("job neither applied nor dead-lettered", LIMIT)
        .await;

    worker.terminate();
    assert_eq!(
        worker.exit_code(LIMIT).await,
        Some(0),
        "{}",
        worker.output()
    );
    worker
        .wait_for_line("jobs still held when DIS_SHUTDOWN_TIMEOUT ran out", LIMIT)
        .await;
    let (held, done, dead) = apply_jobs_held_done_dead(&scratch.namespace).await;
    assert_eq!(
        (held, done, dead),
        (1, 0, 0),
        "the held job must stay in the queue's hands"
    );

    relay.restore();
    let mut next = Child::spawn(BIN, &[], &pairs(&env));
    // The stopped worker's heartbeats lapse after 30 s; then its job is delivered again.
    let run = api
        .wait_for_run(run_id, Duration::from_secs(90), |run| {
            run["status"] == "completed"
        })
        .await;
    assert_eq!(run["loaded_records"], 100, "{run}");
    next.terminate();
    assert_eq!(next.exit_code(LIMIT).await, Some(0), "{}", next.output());
}

/// The test MariaDB's address, for the relay.
fn server_address() -> std::net::SocketAddr {
    use std::net::ToSocketAddrs;
    let url = common::server_url();
    let authority = url.split('@').next_back().unwrap_or(&url);
    let authority = authority
        .trim_start_matches("mysql://")
        .trim_end_matches('/');
    authority
        .to_socket_addrs()
        .expect("the test server's address")
        .next()
        .expect("an address")
}
