//! Batches: the answer to one, and the records refused in a run.

use serde::{Deserialize, Serialize};

use crate::{Entity, RecordProblems};

/// `PUT /v1/runs/{run_id}/batches/{seq}`: what became of a batch. Stored with the batch, so the
/// same request answers the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchReceipt {
    pub run_id: i64,
    pub seq: u64,
    pub records: u64,
    pub accepted: u64,
    pub rejected: u64,
    /// Jobs of at most 100 records the accepted ones travel in.
    pub jobs: u64,
    /// One entry per rejected record, with every problem it has.
    pub errors: Vec<RecordError>,
}

/// Why one record of a batch was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordError {
    /// Position of the record in its batch, from 0.
    pub index: u32,
    /// The record's key, when it could be read: such keys are never swept.
    pub erp_id: Option<i64>,
    pub problems: RecordProblems,
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.erp_id {
            Some(id) => write!(f, "erp_id {id}:")?,
            None => write!(f, "record {}:", self.index)?,
        }
        for (i, problem) in self.problems.items().iter().enumerate() {
            let separator = if i == 0 { " " } else { "; " };
            write!(f, "{separator}{} {}", problem.field, problem.message)?;
        }
        Ok(())
    }
}

/// Where a record was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum RejectionStage {
    /// By the API, before it was queued.
    Validation,
    /// By the database, while its job was applied.
    Database,
}

impl RejectionStage {
    pub fn as_str(self) -> &'static str {
        match self {
            RejectionStage::Validation => "validation",
            RejectionStage::Database => "database",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "validation" => Ok(RejectionStage::Validation),
            "database" => Ok(RejectionStage::Database),
            other => Err(format!("unknown rejection stage {other:?}")),
        }
    }
}

/// `GET /v1/runs/{run_id}/rejected`: a record refused in a run, with its reasons and as it came.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RejectedRecord {
    pub id: i64,
    pub run_id: i64,
    pub entity: Entity,
    pub batch_seq: i64,
    pub record_index: i32,
    pub erp_id: Option<i64>,
    pub stage: RejectionStage,
    pub problems: RecordProblems,
    /// The record as it was received.
    pub payload: serde_json::Value,
}
