//! Opening DIS's MySQL when a process starts: connecting (creating the database when missing),
//! then migrating or checking the schema, each failure said in terms of what to fix.

use sqlx::mysql::{MySqlConnectOptions, MySqlDatabaseError};
use sqlx::{ConnectOptions, Executor, MySqlPool};
use startup::report::one_line;
use startup::{DependencyError, SettingsError};

use crate::migrate::{migrate, require_current, SchemaError};
use crate::settings::{MySqlSettings, SslMode};

/// What a process does with the schema when it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// Create the database when missing and apply the migrations it lacks (`DIS_MIGRATE=true`).
    Migrate,
    /// Touch nothing; refuse a schema that is behind this build (`DIS_MIGRATE=false`).
    RequireCurrent,
}

impl Schema {
    pub fn from_setting(migrate: bool) -> Self {
        if migrate {
            Self::Migrate
        } else {
            Self::RequireCurrent
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Unreachable(#[from] DependencyError),
    #[error(transparent)]
    Schema(#[from] SchemaError),
}

/// A pool on DIS's database with its schema as `schema` asks.
pub async fn open(
    settings: &MySqlSettings,
    max_connections: u32,
    schema: Schema,
) -> Result<MySqlPool, OpenError> {
    let options = settings.connect_options()?;
    tracing::info!(mysql = %settings.redacted_url(), ?schema, "connecting to MySQL");
    if schema == Schema::Migrate {
        create_database_if_missing(&options)
            .await
            .map_err(|e| unreachable(settings, &e))?;
    }
    let pool = crate::connect(options, max_connections)
        .await
        .map_err(|e| unreachable(settings, &e))?;
    match schema {
        Schema::Migrate => {
            migrate(&pool).await?;
        }
        Schema::RequireCurrent => require_current(&pool).await?,
    }
    Ok(pool)
}

async fn create_database_if_missing(options: &MySqlConnectOptions) -> Result<(), sqlx::Error> {
    // connect_options() has checked the name: letters, digits and underscores.
    let database = options.get_database().unwrap_or_default().to_owned();
    let mut server = options
        .clone()
        .database("information_schema")
        .connect()
        .await?;
    let created = server
        .execute(format!("CREATE DATABASE IF NOT EXISTS `{database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci").as_str())
        .await?;
    if created.rows_affected() > 0 {
        tracing::warn!(database, "the database did not exist: created it");
    }
    Ok(())
}

/// "could not reach MySQL at host:port (DIS_MYSQL_URL): …" with what to look at.
pub fn unreachable(settings: &MySqlSettings, error: &sqlx::Error) -> DependencyError {
    let (problem, hint) = describe(error, settings.ssl_mode);
    DependencyError::new("MySQL", settings.address(), "DIS_MYSQL_URL", problem).hint(hint)
}

fn describe(error: &sqlx::Error, ssl_mode: Option<SslMode>) -> (String, String) {
    match error {
        sqlx::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => (
                "connection refused".into(),
                "is MySQL running there, and are the host and port of DIS_MYSQL_URL right?".into(),
            ),
            std::io::ErrorKind::TimedOut => (
                "no answer".into(),
                "is a firewall dropping the connection?".into(),
            ),
            _ => (
                io.to_string(),
                "are the host and port of DIS_MYSQL_URL right?".into(),
            ),
        },
        sqlx::Error::Tls(tls) => (
            format!("TLS failed: {}", one_line(tls.as_ref())),
            tls_hint(ssl_mode),
        ),
        sqlx::Error::PoolTimedOut => (
            "no connection within 10 s".into(),
            "is MySQL overloaded, or a firewall dropping the connection?".into(),
        ),
        sqlx::Error::Database(db) => match db
            .try_downcast_ref::<MySqlDatabaseError>()
            .map(MySqlDatabaseError::number)
        {
            Some(1045) => (
                format!("the login was refused: {}", db.message()),
                "check the user and password of DIS_MYSQL_URL (or DIS_MYSQL_URL_FILE)".into(),
            ),
            Some(1044 | 1049) => (
                db.message().to_owned(),
                "check the database of DIS_MYSQL_URL, and that its user may create or use it"
                    .into(),
            ),
            _ => (
                db.message().to_owned(),
                "is DIS_MYSQL_URL the right server?".into(),
            ),
        },
        other => (one_line(other), "is DIS_MYSQL_URL the right server?".into()),
    }
}

fn tls_hint(ssl_mode: Option<SslMode>) -> String {
    match ssl_mode {
        Some(SslMode::VerifyCa | SslMode::VerifyIdentity) => "the server's certificate was refused: give its CA in DIS_MYSQL_SSL_CA, or check that the certificate names this host (verify_identity)".into(),
        Some(SslMode::Required) => "DIS_MYSQL_SSL_MODE=required, but the server offers no TLS: enable TLS on the server, or set DIS_MYSQL_SSL_MODE=preferred (or disabled)".into(),
        _ => "check the server's TLS set-up, or DIS_MYSQL_SSL_MODE".into(),
    }
}
