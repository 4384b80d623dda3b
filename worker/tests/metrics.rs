//! `/metrics` after two full runs: the counters of the API and of the worker equal the counts
//! MySQL holds, each series comes from one process only, and `promtool check metrics` finds both
//! scrapes clean.
//!
//! Two processes, as in production: the worker is the real binary, a child process with its own
//! recorder; the API runs in this test's process, alone in this test binary, so this process's
//! recorder holds the API's series and nothing else.

mod common;

use std::time::Duration;

use serde_json::{json, Value};
use sqlx::MySqlPool;

use common::child::Child;
use common::scrape::{promtool_check, Scrape};
use common::{influencer, pairs, worker_env, Api, Scratch, BIN};

const LIMIT: Duration = Duration::from_mins(1);
const ENTITY: [(&str, &str); 1] = [("entity", "influencers")];

/// A record the database refuses (see the CHECK constraint below): its job is applied row by row.
fn refused_by_database(k: i64) -> Value {
    let mut record = influencer(k);
    record["name"] = json!("Refused By Database");
    record
}

/// A record the API refuses on validation.
fn invalid(k: i64) -> Value {
    let mut record = influencer(k);
    record["email"] = json!("not an email");
    record
}

/// A full run of `batches`, each sent `1 + repeats[i]` times, declared and waited for.
async fn full_run(api: &Api, batches: &[Vec<Value>], repeats: &[usize]) -> i64 {
    let body = json!({ "entity": "influencers", "mode": "full" });
    let run = api
        .call(reqwest::Method::POST, "/v1/runs", Some(&body))
        .await;
    let run_id = run["run_id"].as_i64().expect("a run id");
    for (i, records) in batches.iter().enumerate() {
        let path = format!("/v1/runs/{run_id}/batches/{}", i + 1);
        let batch = json!({ "records": records });
        for _ in 0..=repeats.get(i).copied().unwrap_or(0) {
            api.call(reqwest::Method::PUT, &path, Some(&batch)).await;
        }
    }
    let records: usize = batches.iter().map(Vec::len).sum();
    let declared = json!({ "batches": batches.len(), "records": records });
    let path = format!("/v1/runs/{run_id}/complete");
    api.call(reqwest::Method::POST, &path, Some(&declared))
        .await;
    let run = api
        .wait_for_run(run_id, LIMIT, |run| run["status"] == "completed")
        .await;
    assert_eq!(run["status"], "completed", "{run}");
    run_id
}

/// A count MySQL holds.
async fn count(pool: &MySqlPool, sql: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT CAST(({sql}) AS SIGNED)"))
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// A counter of a scrape, as a whole number.
fn counted(scrape: &Scrape, name: &str, labels: &[(&str, &str)]) -> Option<i64> {
    scrape.value(name, labels).map(|value| value.round() as i64)
}

async fn metrics_url(worker: &Child) -> String {
    let line = worker.wait_for_line("serving /healthz", LIMIT).await;
    let logged: Value = serde_json::from_str(&line).expect("a JSON log line");
    let address = logged["fields"]["address"].as_str().expect("an address");
    format!("http://{address}/metrics")
}

/// Day one: 250 records, one refused by MySQL, two by validation; batch 1 sent three times.
/// Next day: 240 of them, so the sweep deletes 10 (4 %, under the 5 % that needs approval).
async fn two_runs(api: &Api) {
    let mut first: Vec<Value> = (1..=150).map(influencer).collect();
    first[6] = refused_by_database(7);
    first.extend([invalid(1001), invalid(1002)]);
    let second: Vec<Value> = (151..=250).map(influencer).collect();
    full_run(api, &[first, second], &[2, 0]).await;
    full_run(api, &[(1..=240).map(influencer).collect()], &[]).await;
}

/// (series, labels, the MySQL count it must equal, that count as these runs make it).
type Expected = (
    &'static str,
    Vec<(&'static str, &'static str)>,
    &'static str,
    i64,
);

/// What the API counts: 252 + 240 received, 2 of them invalid.
fn api_counters() -> Vec<Expected> {
    vec![
        (
            "dis_records_received_total",
            ENTITY.to_vec(),
            "SELECT SUM(received_records) FROM sync_runs",
            492,
        ),
        (
            "dis_records_accepted_total",
            ENTITY.to_vec(),
            "SELECT SUM(accepted_records) FROM sync_runs",
            490,
        ),
        (
            "dis_records_rejected_total",
            vec![ENTITY[0], ("stage", "validation")],
            "SELECT COUNT(*) FROM rejected_records WHERE stage = 'validation'",
            2,
        ),
    ]
}

/// What the worker counts: 249 + 240 applied (key 7 refused once), 10 swept, 3 + 3 jobs.
fn worker_counters() -> Vec<Expected> {
    vec![
        (
            "dis_records_applied_total",
            ENTITY.to_vec(),
            "SELECT SUM(loaded) FROM run_jobs",
            489,
        ),
        (
            "dis_records_rejected_total",
            vec![ENTITY[0], ("stage", "database")],
            "SELECT COUNT(*) FROM rejected_records WHERE stage = 'database'",
            1,
        ),
        (
            "dis_records_swept_total",
            ENTITY.to_vec(),
            "SELECT SUM(swept_rows) FROM sync_runs",
            10,
        ),
        (
            "dis_jobs_applied_total",
            vec![],
            "SELECT COUNT(*) FROM run_jobs",
            6,
        ),
        (
            "dis_jobs_isolated_total",
            vec![],
            "SELECT COUNT(*) FROM run_jobs WHERE rejected > 0",
            1,
        ),
    ]
}

async fn assert_counters_equal_mysql(scrape: &Scrape, counters: &[Expected], pool: &MySqlPool) {
    for (name, labels, sql, expected) in counters {
        let in_mysql = count(pool, sql).await;
        assert_eq!(in_mysql, *expected, "MySQL's count behind {name}: {sql}");
        let shown = counted(scrape, name, labels);
        assert_eq!(shown, Some(in_mysql), "{name}{labels:?}:\n{}", scrape.text);
    }
}

/// A scrape of both processes counts everything once: no series is exported by both.
fn assert_each_series_from_one_process(api: &Scrape, worker: &Scrape) {
    for (name, _, _, _) in worker_counters() {
        if name != "dis_records_rejected_total" {
            assert!(!api.has(name), "the API exports {name}");
        }
    }
    let api_only = [
        "dis_records_received_total",
        "dis_http_requests_total",
        "dis_queue_jobs",
        "dis_runs",
    ];
    for name in api_only {
        assert!(!worker.has(name), "the worker exports {name}");
    }
    let jobs = counted(worker, "dis_apply_duration_seconds_count", &[]).unwrap_or_default();
    assert!(jobs >= 6, "every job's duration is observed: {jobs}");
    let sweeps = counted(worker, "dis_sweep_duration_seconds_count", &[]).unwrap_or_default();
    assert!(sweeps >= 2, "a sweep per run: {sweeps}");
}

/// The API's gauges, read when scraped, and its requests by matched route.
fn assert_api_gauges_and_requests(scrape: &Scrape) {
    let gauge = |name, labels: &[(&str, &str)]| counted(scrape, name, labels);
    assert_eq!(
        gauge("dis_runs", &[ENTITY[0], ("status", "completed")]),
        Some(2)
    );
    assert_eq!(
        gauge("dis_runs", &[("entity", "campaigns"), ("status", "held")]),
        Some(0)
    );
    assert_eq!(gauge("dis_api_ready", &[]), Some(1));
    assert_eq!(gauge("dis_dead_letters_pending", &[]), Some(0));
    let age = scrape.value("dis_last_completed_full_run_age_seconds", &ENTITY);
    assert!(age.is_some_and(|a| (0.0..60.0).contains(&a)), "{age:?}");
    let apply = |state| [("queue", "apply"), ("state", state)];
    assert_eq!(gauge("dis_queue_jobs", &apply("pending")), Some(0));
    let live = gauge("dis_queue_workers", &apply("live"));
    assert!(
        live >= Some(1),
        "the worker process is live on the apply queue: {live:?}"
    );
    let puts = [
        ("route", "/v1/runs/{run_id}/batches/{seq}"),
        ("method", "PUT"),
        ("status", "202"),
    ];
    assert_eq!(
        gauge("dis_http_requests_total", &puts),
        Some(5),
        "4 + 1 batches sent"
    );
}

/// promtool finds nothing to say, and every series has HELP and the dis_ prefix.
fn assert_clean(process: &str, scrape: &Scrape) {
    let (clean, said) = promtool_check(&scrape.text);
    assert!(
        clean && said.trim().is_empty(),
        "promtool on the {process}'s scrape: {said}\n{}",
        scrape.text
    );
    for line in scrape.text.lines().filter(|l| l.starts_with("# TYPE")) {
        let name = line.split_whitespace().nth(2).unwrap_or_default();
        assert!(
            scrape.text.contains(&format!("# HELP {name} ")),
            "no HELP for {name}"
        );
        assert!(name.starts_with("dis_"), "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_two_runs_the_counters_of_both_processes_equal_mysqls_counts_and_promtool_finds_them_clean(
) {
    let scratch = Scratch::new("metrics");
    let api = Api::start(&scratch).await;
    let pool = MySqlPool::connect(&scratch.mysql_url).await.expect("MySQL");
    sqlx::query(
        "ALTER TABLE influencers ADD CONSTRAINT test_refused CHECK (name <> 'Refused By Database')",
    )
    .execute(&pool)
    .await
    .expect("the constraint");
    let env = worker_env(&scratch, &scratch.mysql_url, "5s");
    let worker = Child::spawn(BIN, &[], &pairs(&env));
    let worker_metrics = metrics_url(&worker).await;

    two_runs(&api).await;
    let api_scrape = Scrape::get(&format!("http://{}/metrics", api.address)).await;
    let worker_scrape = Scrape::get(&worker_metrics).await;

    assert_counters_equal_mysql(&api_scrape, &api_counters(), &pool).await;
    assert_counters_equal_mysql(&worker_scrape, &worker_counters(), &pool).await;
    assert_each_series_from_one_process(&api_scrape, &worker_scrape);
    assert_api_gauges_and_requests(&api_scrape);
    assert_clean("API", &api_scrape);
    assert_clean("worker", &worker_scrape);
}
