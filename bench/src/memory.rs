//! The extractor's peak memory streaming many rows: a child process (this binary, re-run with a
//! hidden argument) streams the demo source to a stub API that answers instantly, and reports
//! its own peak RSS, so the figure is the extractor's alone.

use extractor::{sync_entity, ApiClient, Day, DemoDataset, DemoSize, SyncOptions};
use records::{Entity, RunMode};
use tokio::process::Command;

use crate::stub_api;

/// Peak resident memory of this process, from the kernel's high-water mark.
pub fn own_peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse().ok())
        })
        .unwrap_or(0)
}

pub async fn extractor_peak_rss_mb(rows: usize) -> anyhow::Result<f64> {
    let api = stub_api::start().await?;
    let output = Command::new(std::env::current_exe()?)
        .arg("--stream-demo-rows")
        .arg(rows.to_string())
        .arg("--stub-api")
        .arg(api)
        .output()
        .await?;
    anyhow::ensure!(
        output.status.success(),
        "the streaming child failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let kb: u64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("peak_rss_kb="))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| {
            anyhow::anyhow!("the streaming child did not report its memory: {stdout}")
        })?;
    Ok(kb as f64 / 1024.0)
}

/// The child's side: stream `rows` demo influencers to `api` as one full run, print peak RSS.
pub async fn stream_demo_rows(rows: usize, api: &str) -> anyhow::Result<()> {
    let client = ApiClient::new(api.to_owned(), "stub");
    let dataset = DemoDataset::new(
        DemoSize {
            influencers: rows,
            campaigns: 0,
            contracts: 0,
        },
        Day::One,
    );
    let options = SyncOptions {
        progress: false,
        ..SyncOptions::default()
    };
    let report = sync_entity(
        &client,
        Entity::Influencers,
        RunMode::Full,
        dataset.influencers(),
        &options,
    )
    .await?;
    anyhow::ensure!(
        report.records == rows as u64,
        "streamed {} of {rows} rows",
        report.records
    );
    println!("peak_rss_kb={}", own_peak_rss_kb());
    Ok(())
}
