//! Runs: opening one, declaring its end, and how a run is shown.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::{Entity, RunMode, RunStatus};

/// `POST /v1/runs`: open a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewRun {
    pub entity: Entity,
    pub mode: RunMode,
}

/// `POST /v1/runs/{run_id}/complete`: the run's declared end, what the client sent in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DeclaredEnd {
    /// Batches sent, numbered 1 to this.
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    #[serde(deserialize_with = "super::whole::i64")]
    pub batches: i64,
    /// Records sent in those batches, valid or not.
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    #[serde(deserialize_with = "super::whole::i64")]
    pub records: i64,
}

/// A run as operators and integrators see it (`GET /v1/runs/{run_id}`, and the answer of every
/// request that changes a run).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunView {
    pub run_id: i64,
    pub entity: Entity,
    pub mode: RunMode,
    pub status: RunStatus,
    /// Why the run is in its status, when that needs saying (failed, held, swept …).
    pub status_reason: Option<String>,
    pub declared_batches: Option<i64>,
    pub declared_records: Option<i64>,
    pub received_batches: i64,
    pub received_records: i64,
    /// Records that passed validation, and those refused by it (listed at `/rejected`).
    pub accepted_records: i64,
    pub rejected_records: i64,
    pub jobs_enqueued: i64,
    pub jobs_applied: i64,
    /// Records written to MySQL by applied jobs.
    pub loaded_records: i64,
    /// Records the database refused while applying; validation rejections are in `rejected_records`.
    pub db_rejected_records: i64,
    /// Of the loaded records, those whose key MySQL did not hold before. Counted once every job
    /// of the run is applied (the run leaves `closing`); null until then, and for runs that never
    /// got there.
    #[serde(default)]
    pub new_records: Option<i64>,
    /// Of the loaded records, those whose key MySQL held with an older `source_updated_at`: the
    /// ERP's timestamp moved forward. A record sent again with the same timestamp is unchanged,
    /// whatever its fields say.
    #[serde(default)]
    pub changed_records: Option<i64>,
    /// The other loaded records: `loaded_records - new_records - changed_records`.
    #[serde(default)]
    pub unchanged_records: Option<i64>,
    /// An operator approved a sweep above the share threshold.
    pub sweep_approved: bool,
    /// Rows this run's sweep deleted.
    pub swept_rows: i64,
    /// MySQL's clock, UTC.
    #[cfg_attr(feature = "openapi", schema(value_type = super::Timestamp))]
    pub created_at: NaiveDateTime,
    #[cfg_attr(feature = "openapi", schema(value_type = super::Timestamp))]
    pub updated_at: NaiveDateTime,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<super::Timestamp>))]
    pub finished_at: Option<NaiveDateTime>,
}

impl RunView {
    /// Whether the run's declared end is exactly `batches` and `records`.
    pub fn declared(&self, batches: u64, records: u64) -> bool {
        self.declared_batches.and_then(|b| u64::try_from(b).ok()) == Some(batches)
            && self.declared_records.and_then(|r| u64::try_from(r).ok()) == Some(records)
    }
}
