//! Peak memory of the extractor streaming a large ERP table: the mock TDS server (behind the
//! test proxy that answers keyset pages) and a wiremock API run in a child process, so the peak
//! RSS (VmHWM) this process reports is the extractor's alone: tiberius, paging, batching, JSON
//! and HTTP posting of a full run.
//!
//! `cargo run --release -p extractor --example mssql_rss -- 1000000`

#[path = "../tests/common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::erp::{influencer_columns, influencer_row, start_proxy, MockErp, PagedStatement};
use extractor::mssql::{ErpSource, INFLUENCERS_FULL};
use extractor::{ApiClient, SyncOptions};
use records::{Entity, RunMode};
use wiremock::MockServer;

/// Rows per page: the mock writes each answer as one TDS packet of at most 64 kB.
const PAGE_SIZE: u32 = 150;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("serve") {
        let rows = args[2].parse().expect("a row count");
        serve(rows).await;
        return;
    }
    let rows: i64 = args
        .get(1)
        .map_or(1_000_000, |n| n.parse().expect("a row count"));
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["serve", &rows.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the serving child starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let erp_addr: std::net::SocketAddr = lines.next().unwrap().unwrap().parse().unwrap();
    let api_url = lines.next().unwrap().unwrap();

    let before = peak_rss_kib();
    let started = Instant::now();
    let report = sync(erp_addr, &api_url).await;
    let elapsed = started.elapsed();
    let _ = child.kill();
    let _ = child.wait();

    assert_eq!(report.records, u64::try_from(rows).unwrap());
    println!(
        "streamed {} rows in {} batches in {:.1} s ({:.0} rows/s), pages of {PAGE_SIZE}",
        report.records,
        report.batches,
        elapsed.as_secs_f64(),
        report.records as f64 / elapsed.as_secs_f64()
    );
    println!(
        "peak RSS (VmHWM): {} KiB before the run, {} KiB after",
        before,
        peak_rss_kib()
    );
}

async fn sync(erp_addr: std::net::SocketAddr, api_url: &str) -> extractor::RunReport {
    let config = extractor::mssql::ErpConfig {
        host: erp_addr.ip().to_string(),
        port: erp_addr.port(),
        encrypt: false,
        page_size: PAGE_SIZE,
        watermarks_path: std::env::temp_dir().join("dis-mssql-rss-watermarks.json"),
        ..extractor::mssql::ErpConfig::default()
    };
    let erp = ErpSource::new(config).unwrap();
    let options = SyncOptions {
        progress: false,
        poll_interval: Duration::from_millis(50),
        ..SyncOptions::default()
    };
    let client = ApiClient::new(api_url, "token");
    erp.sync(
        &client,
        Entity::Influencers,
        RunMode::Full,
        &options,
        std::future::pending(),
    )
    .await
    .expect("the run completes")
}

/// The ERP with `rows` influencers, generated page by page, and an API that accepts them all.
async fn serve(rows: i64) {
    let mock = MockErp::start().await;
    mock.set_clock("2026-11-27T01:00:00").await;
    let page: common::erp::PageFn = Arc::new(move |after: i64, limit: i64| {
        let first = after.saturating_add(1).max(1);
        (first..=(first + limit - 1).min(rows))
            .map(influencer_row)
            .collect()
    });
    let rules = common::erp::ProxyRules {
        paged: vec![PagedStatement {
            statement: INFLUENCERS_FULL.to_uppercase(),
            columns: influencer_columns(),
            page,
        }],
        ..common::erp::ProxyRules::default()
    };
    let erp = start_proxy(&mock, rules).await;
    let api = MockServer::builder()
        .disable_request_recording()
        .start()
        .await;
    common::mount_create(&api, 5).await;
    common::mount_batches_accepted(&api).await;
    common::mount_complete(&api, 5).await;
    common::mount_status(&api, 5, 0, records::RunStatus::Completed).await;
    println!("{erp}\n{}", api.uri());
    std::future::pending::<()>().await;
}

/// The process's peak resident set size, from /proc/self/status.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}
