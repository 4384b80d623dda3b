//! The `bench` binary: see `bench --help`.

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    bench::run(bench::Args::parse()).await
}
