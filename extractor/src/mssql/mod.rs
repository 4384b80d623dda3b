//! The `mssql` source: the legacy ERP on SQL Server, read through tiberius, read-only, in keyset
//! pages streamed into the run's batches, fully or incrementally from a watermark.

mod check;
mod config;
mod connection;
mod errors;
mod pages;
mod readonly;
mod rows;
mod statements;
mod time;
mod watermarks;

use std::future::Future;

use chrono::NaiveDateTime;
use chrono_tz::Tz;
use records::{Entity, RunMode};

pub use check::{check_erp, Finding};
pub use config::{EntityQueries, ErpArgs, ErpConfig, StatementArgs};
pub use connection::ErpConnection;
pub use errors::ErpError;
pub use pages::{records, PageReader, Window, FIRST_KEY};
pub use readonly::{StatementError, VerifiedSelect};
pub use rows::{canonical_columns, ErpRecord, Layout};
pub use statements::{
    EntityStatements, Statements, CAMPAIGNS_FULL, CAMPAIGNS_INCREMENTAL, CLOCK, CONTRACTS_FULL,
    CONTRACTS_INCREMENTAL, INFLUENCERS_FULL, INFLUENCERS_INCREMENTAL,
};
pub use time::{erp_timestamp_to_wire, format_local, format_utc, parse_local, to_utc};
pub use watermarks::{Watermark, WatermarkError, WatermarkStore};

use crate::client::ApiClient;
use crate::outcome::{RunReport, SyncError};
use crate::run_protocol::{sync_entity_stream_until, SyncOptions};

/// The lower bound of an entity's first incremental window: the smallest `datetime`, so it
/// compares with `datetime` and `datetime2` columns alike.
pub const BEGINNING: &str = "1753-01-01T00:00:00.0000000";

/// Why the ERP source refuses to start; nothing has connected yet.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Statement(#[from] StatementError),
    #[error("erp.time_zone {0:?} is not an IANA time zone such as America/Sao_Paulo")]
    TimeZone(String),
    #[error("erp.page_size must be at least 1")]
    PageSize,
}

/// Why a sync from the ERP did not produce a report.
#[derive(Debug, thiserror::Error)]
pub enum ErpSyncError {
    /// Before the run was opened: nothing to abort.
    #[error(transparent)]
    Erp(#[from] ErpError),
    #[error(transparent)]
    Watermark(#[from] WatermarkError),
    #[error(transparent)]
    Sync(#[from] SyncError),
}

/// The configured ERP, its statements verified; it connects only when asked.
#[derive(Debug, Clone)]
pub struct ErpSource {
    config: ErpConfig,
    statements: Statements,
    zone: Tz,
    watermarks: WatermarkStore,
}

impl ErpSource {
    /// Verifies every configured statement and setting; the first problem is returned.
    pub fn new(config: ErpConfig) -> Result<Self, SetupError> {
        let statements = Statements::from_config(&config)?;
        let zone: Tz = config
            .time_zone
            .parse()
            .map_err(|_| SetupError::TimeZone(config.time_zone.clone()))?;
        if config.page_size == 0 {
            return Err(SetupError::PageSize);
        }
        let watermarks = WatermarkStore::new(config.watermarks_path.clone());
        Ok(Self {
            config,
            statements,
            zone,
            watermarks,
        })
    }

    pub fn config(&self) -> &ErpConfig {
        &self.config
    }

    pub fn statements(&self) -> &Statements {
        &self.statements
    }

    pub fn zone(&self) -> Tz {
        self.zone
    }

    pub fn watermarks(&self) -> &WatermarkStore {
        &self.watermarks
    }

    pub async fn connect(&self) -> Result<ErpConnection, ErpError> {
        ErpConnection::open(&self.config).await
    }

    /// The ERP's own clock (`SYSDATETIME()`), in its local time.
    pub async fn erp_now(&self, connection: &mut ErpConnection) -> Result<NaiveDateTime, ErpError> {
        let rows = connection
            .select(&self.statements.clock, &[], "reading the ERP clock")
            .await?;
        let text: Option<&str> = rows.first().and_then(|row| row.get(0));
        let text = text.ok_or_else(|| ErpError::result("reading the ERP clock", "no answer"))?;
        parse_local(text).map_err(|problem| ErpError::result("reading the ERP clock", problem))
    }

    /// The incremental window of `entity` ending at `now`, from its watermark.
    pub fn window(&self, entity: Entity, now: &NaiveDateTime) -> Result<Window, WatermarkError> {
        let from = match self.watermarks.get(entity)? {
            Some(mark) => format_local(&mark),
            None => BEGINNING.to_owned(),
        };
        Ok(Window {
            from,
            to: format_local(now),
        })
    }

    /// Syncs `entity` from the ERP as one run. The ERP is connected and its clock read before
    /// the run opens, so an unreachable ERP opens no run. The watermark moves to the ERP time
    /// read at the start only when the run completes.
    pub async fn sync(
        &self,
        client: &ApiClient,
        entity: Entity,
        mode: RunMode,
        options: &SyncOptions,
        stop: impl Future<Output = ()>,
    ) -> Result<RunReport, ErpSyncError> {
        let mut connection = self.connect().await?;
        let now = self.erp_now(&mut connection).await?;
        let statements = self.statements.of(entity);
        let (statement, window) = match mode {
            RunMode::Full => (statements.full.clone(), None),
            RunMode::Incremental => {
                let window = self.window(entity, &now)?;
                tracing::info!(%entity, from = %window.from, to = %window.to, "incremental window in ERP time");
                (statements.incremental.clone(), Some(window))
            }
        };
        let reader = PageReader::new(
            connection,
            statement,
            entity,
            self.zone,
            self.config.page_size,
            window,
        );
        let records = pages::records(reader);
        let report = sync_entity_stream_until(client, entity, mode, records, options, stop).await?;
        if report.completed() {
            // A watermark that failed to move only makes the next run read some rows again.
            if let Err(error) = self.watermarks.advance(entity, &now, report.run_id) {
                tracing::error!(%entity, %error, "the watermark did not move");
            }
        }
        Ok(report)
    }
}
