//! The `ingest-api` binary: serves the API, or hashes a token for `DIS_API_KEYS`.

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(version, about = "dis-sync ingest API")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve,
    /// Print the SHA-256 of TOKEN, for a `name:scope:hash` entry of DIS_API_KEYS.
    HashKey { token: String },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command.unwrap_or(Command::Serve) {
        Command::HashKey { token } => {
            println!("{}", ingest_api::hash_token(&token));
            Ok(())
        }
        Command::Serve => {
            let settings = startup::config::Settings::load()?;
            startup::telemetry::init(settings.log_json);
            let (_, server) = ingest_api::serve(&settings, async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
            server.await??;
            Ok(())
        }
    }
}
