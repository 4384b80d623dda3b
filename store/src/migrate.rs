//! Bringing the schema up to date safely when any number of processes start at once.
//!
//! sqlx's own migration lock is `GET_LOCK(name, -1)`. MySQL reads a negative timeout as "wait for
//! ever", but MariaDB answers it with NULL at once and takes no lock, so two processes starting
//! together on MariaDB both apply the first migration and one dies on a duplicate key. Here the
//! lock is taken with a positive timeout, its answer is checked, and sqlx's own is switched off.

use std::sync::LazyLock;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::pool::PoolConnection;
use sqlx::{MySql, MySqlPool};

/// The schema, embedded in every binary that can apply it, without sqlx's lock (see the module).
static MIGRATOR: LazyLock<Migrator> = LazyLock::new(|| {
    let mut migrator = sqlx::migrate!("../migrations");
    migrator.set_locking(false);
    migrator
});

/// How long a process waits for another one that is migrating the same database.
pub const MIGRATION_LOCK_WAIT: Duration = Duration::from_mins(2);

#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error(
        "another process has held the migration lock of database {database} for {waited:?}; \
         is a migration stuck? (see SHOW PROCESSLIST)"
    )]
    LockTimedOut { database: String, waited: Duration },
    #[error("MySQL refused the migration lock of database {database} (GET_LOCK answered NULL)")]
    LockRefused { database: String },
    #[error(
        "the schema of database {database} is behind this build: {missing} migration(s) not applied \
         (the first is {first}); run `ingest-api migrate` (or `worker migrate`) first, or set \
         DIS_MIGRATE=true to let this process apply them"
    )]
    Behind {
        database: String,
        missing: usize,
        first: i64,
    },
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Applies the migrations this build holds that the database lacks, under a lock every dis-sync
/// process respects; returns how many were applied. Safe to call from many processes at once.
pub async fn migrate(pool: &MySqlPool) -> Result<usize, SchemaError> {
    let mut conn = pool.acquire().await?;
    let database = current_database(&mut conn).await?;
    let lock = lock_name(&database);
    let waited = MIGRATION_LOCK_WAIT;
    let granted: Option<i64> = sqlx::query_scalar("SELECT GET_LOCK(?, ?)")
        .bind(&lock)
        .bind(waited.as_secs())
        .fetch_one(&mut *conn)
        .await?;
    match granted {
        Some(1) => {}
        Some(_) => return Err(SchemaError::LockTimedOut { database, waited }),
        None => return Err(SchemaError::LockRefused { database }),
    }
    // Applied on the connection that holds the lock; the lock goes with the connection if this
    // process dies half-way.
    let result = apply_missing(&mut conn, &database).await;
    let released = sqlx::query("SELECT RELEASE_LOCK(?)")
        .bind(&lock)
        .execute(&mut *conn)
        .await;
    let applied = result?;
    released?;
    Ok(applied)
}

async fn apply_missing(
    conn: &mut PoolConnection<MySql>,
    database: &str,
) -> Result<usize, SchemaError> {
    let before = missing_versions(conn).await?.len();
    MIGRATOR.run_direct(&mut **conn).await?;
    if before > 0 {
        tracing::info!(database, applied = before, "schema migrated");
    }
    Ok(before)
}

/// Refuses a database whose schema lacks a migration of this build, naming the command that
/// applies them. For processes told not to migrate (`DIS_MIGRATE=false`).
pub async fn require_current(pool: &MySqlPool) -> Result<(), SchemaError> {
    let mut conn = pool.acquire().await?;
    let missing = missing_versions(&mut conn).await?;
    if let Some(&first) = missing.first() {
        return Err(SchemaError::Behind {
            database: current_database(&mut conn).await?,
            missing: missing.len(),
            first,
        });
    }
    Ok(())
}

/// Versions this build holds that the database has not applied, in order.
async fn missing_versions(conn: &mut PoolConnection<MySql>) -> Result<Vec<i64>, sqlx::Error> {
    let table_exists: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.tables \
         WHERE table_schema = DATABASE() AND table_name = '_sqlx_migrations'",
    )
    .fetch_one(&mut **conn)
    .await?;
    let applied: Vec<i64> = if table_exists == 0 {
        Vec::new()
    } else {
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
            .fetch_all(&mut **conn)
            .await?
    };
    Ok(MIGRATOR
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .map(|m| m.version)
        .filter(|v| !applied.contains(v))
        .collect())
}

async fn current_database(conn: &mut PoolConnection<MySql>) -> Result<String, sqlx::Error> {
    let name: Option<String> = sqlx::query_scalar("SELECT DATABASE()")
        .fetch_one(&mut **conn)
        .await?;
    Ok(name.unwrap_or_default())
}

/// One lock per database; MySQL caps lock names at 64 characters.
fn lock_name(database: &str) -> String {
    format!("dis-sync-migrate:{database}")
        .chars()
        .take(64)
        .collect()
}
