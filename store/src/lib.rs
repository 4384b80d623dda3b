//! The MySQL side of dis-sync: connection and schema, the mirrored records, runs, batches, the
//! apply transaction, dead letters, the reconciliation sweep, and what is worth retrying.

pub mod apply;
pub mod batches;
pub mod columns;
pub mod dead_letters;
pub mod failure;
pub mod lifecycle;
pub mod migrate;
pub mod open;
pub mod ops;
pub mod outstanding;
pub mod read_back;
pub mod runs;
pub mod settings;
pub mod sweep;
pub mod upserts;

use std::str::FromStr;
use std::time::Duration;

use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions};
use sqlx::{ConnectOptions, Executor, MySqlPool};

pub use open::{open, OpenError, Schema};
pub use settings::{MySqlArgs, MySqlSettings, RunRulesArgs, SchemaArgs, SslMode};

/// Connects to `url`, creating its database when missing, and brings the schema up to date; for
/// tests and tools, which build the URL in code. Binaries use [`open`] with their settings.
///
/// Safe when the API and workers start together: see [`migrate::migrate`].
pub async fn connect_and_migrate(url: &str, max_connections: u32) -> Result<MySqlPool, OpenError> {
    open(&MySqlSettings::new(url), max_connections, Schema::Migrate).await
}

/// A pool on an existing database, without touching its schema.
pub async fn connect(
    options: MySqlConnectOptions,
    max_connections: u32,
) -> Result<MySqlPool, sqlx::Error> {
    MySqlPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        // A ping before every checkout is a round trip per job; a dead connection fails the
        // statement instead, which is retried as a lost connection.
        .test_before_acquire(false)
        .connect_with(options)
        .await
}

/// Whether MySQL answers a statement: the readiness probe.
pub async fn ping(pool: &MySqlPool) -> bool {
    sqlx::query("SELECT 1").execute(pool).await.is_ok()
}

/// Drops the database named in `url` (tests and the bench own theirs); the server must answer.
pub async fn drop_database(url: &str) -> anyhow::Result<()> {
    let options = MySqlConnectOptions::from_str(url)?;
    let Some(database) = options.get_database().map(str::to_owned) else {
        return Ok(());
    };
    let mut server = options.database("information_schema").connect().await?;
    server
        .execute(format!("DROP DATABASE IF EXISTS `{database}`").as_str())
        .await?;
    Ok(())
}
