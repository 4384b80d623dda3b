//! The `worker` binary: applies queued jobs until Ctrl-C or SIGTERM.

use clap::Parser;

/// Applies queued batches to MySQL and runs reconciliation sweeps.
#[derive(Parser)]
#[command(version, about)]
struct Cli {}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    Cli::parse();
    let settings = startup::config::Settings::load()?;
    startup::telemetry::init(settings.log_json);
    worker::run_workers(&settings, shutdown_signal()).await
}

async fn shutdown_signal() -> std::io::Result<()> {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r,
        _ = terminate.recv() => Ok(()),
    }
}
