//! The API's answers as the extractor reads them: lenient about fields it does not need.

use records::RunStatus;
use serde::{Deserialize, Serialize};

/// A run as `GET /v1/runs/{run_id}` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunView {
    pub run_id: i64,
    pub status: RunStatus,
    #[serde(default)]
    pub status_reason: Option<String>,
    #[serde(default)]
    pub entity: Option<String>,
    #[serde(default)]
    pub mode: Option<String>,
    #[serde(default)]
    pub declared_batches: Option<i64>,
    #[serde(default)]
    pub declared_records: Option<i64>,
    #[serde(default)]
    pub received_batches: i64,
    #[serde(default)]
    pub received_records: i64,
    #[serde(default)]
    pub accepted_records: i64,
    #[serde(default)]
    pub rejected_records: i64,
    #[serde(default)]
    pub loaded_records: i64,
    #[serde(default)]
    pub db_rejected_records: i64,
    #[serde(default)]
    pub jobs_enqueued: i64,
    #[serde(default)]
    pub jobs_applied: i64,
}

impl RunView {
    /// Whether the run's declared end is exactly `batches` and `records`.
    pub fn declared(&self, batches: u64, records: u64) -> bool {
        self.declared_batches.and_then(|b| u64::try_from(b).ok()) == Some(batches)
            && self.declared_records.and_then(|r| u64::try_from(r).ok()) == Some(records)
    }

    /// Whether the extractor has nothing more to wait for: the run is final, or its sweep waits
    /// for an operator's approval.
    pub fn settled(&self) -> bool {
        self.status.is_final() || self.status == RunStatus::Held
    }
}

/// The API's answer to one batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchReceipt {
    #[serde(default)]
    pub seq: u64,
    pub accepted: u64,
    pub rejected: u64,
    #[serde(default)]
    pub jobs: u64,
    #[serde(default)]
    pub errors: Vec<RecordError>,
}

/// Why one record of a batch was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordError {
    /// Position of the record in its batch, from 0.
    pub index: usize,
    #[serde(default)]
    pub erp_id: Option<i64>,
    #[serde(default)]
    pub problems: Vec<FieldError>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.erp_id {
            Some(id) => write!(f, "erp_id {id}:")?,
            None => write!(f, "record {}:", self.index)?,
        }
        for (i, problem) in self.problems.iter().enumerate() {
            let separator = if i == 0 { " " } else { "; " };
            write!(f, "{separator}{} {}", problem.field, problem.message)?;
        }
        Ok(())
    }
}
