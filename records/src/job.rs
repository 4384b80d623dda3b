//! The jobs the queue carries: plain data, parsed records only, so any process can build or read
//! one without the queue's machinery.

use serde::{Deserialize, Serialize};

pub use crate::registry::Records;
use crate::RunMode;

/// At most this many records travel in one job and are written by one statement (the design's 100).
pub const RECORDS_PER_JOB: usize = 100;

/// Upsert one chunk (≤ 100 records) of one batch of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApplyBatch {
    pub run_id: i64,
    /// The run's random nonce: with the id, it names the run even across a restore of MySQL.
    pub run_nonce: String,
    pub mode: RunMode,
    pub batch_seq: i64,
    pub chunk: i32,
    /// Position in the batch of each record, so a record the database refuses is named by its index.
    pub indices: Vec<i32>,
    pub records: Records,
}

impl ApplyBatch {
    /// The same for every delivery of this job: the queue and the progress table use it to apply it once.
    pub fn key(&self) -> String {
        apply_job_key(self.run_id, &self.run_nonce, self.batch_seq, self.chunk)
    }
}

/// The key of chunk `chunk` of batch `batch_seq` of a run: what [`ApplyBatch::key`] gives its job,
/// from what MySQL records of the run, without the job at hand.
pub fn apply_job_key(run_id: i64, run_nonce: &str, batch_seq: i64, chunk: i32) -> String {
    format!("run-{run_id}.{run_nonce}-batch-{batch_seq}-chunk-{chunk}")
}

/// Reconcile one completed full run: delete the rows of its entity that it did not see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepRun {
    pub run_id: i64,
}
