//! Operators' answers: the sweep's dry run, approval and undo, dead letters, and the probes.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::{Entity, RunStatus};

/// `GET /v1/runs/{run_id}/sweep-plan`: what the sweep of a run would delete if it ran now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SweepPlan {
    pub run_id: i64,
    pub entity: Entity,
    pub would_delete: i64,
    pub rows_in_table: i64,
    pub share: f64,
    /// The share a sweep may delete without an operator's approval (`DIS_SWEEP_MAX_SHARE`).
    pub max_share: f64,
    pub needs_approval: bool,
    /// One page of the keys that would go, ascending.
    pub keys: Vec<i64>,
    /// Pass as `after` to read the next page; null on the last page.
    pub next_after: Option<i64>,
}

/// `POST /v1/runs/{run_id}/sweep/approve`: the held sweep goes ahead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SweepApproved {
    pub run_id: i64,
    pub status: RunStatus,
    /// The name of the API key that approved it.
    pub approved_by: String,
}

/// `POST /v1/runs/{run_id}/sweep/undo`: the rows the run's sweep deleted are back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SweepUndone {
    pub run_id: i64,
    pub restored: u64,
}

/// `GET /v1/dead-letters`: a job that failed for good, kept whole so it can be replayed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeadLetter {
    pub id: i64,
    pub job_kind: String,
    pub job_key: String,
    pub run_id: Option<i64>,
    pub attempts: i32,
    pub last_error: String,
    /// The job as the queue carried it (JSON text).
    pub payload: String,
    #[cfg_attr(feature = "openapi", schema(value_type = super::Timestamp))]
    pub failed_at: NaiveDateTime,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<super::Timestamp>))]
    pub replayed_at: Option<NaiveDateTime>,
}

/// `POST /v1/dead-letters/{id}/replay`: the job is back on the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Replayed {
    pub id: i64,
    pub replayed: bool,
}

/// `GET /healthz`: the process is up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    pub status: String,
}

/// `GET /readyz`: whether MySQL and Redis answer (200 when both do, 503 otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Readiness {
    pub mysql: bool,
    pub redis: bool,
}
