//! What a sync of one entity ends with: the report of a run the API is done with, or why there is none.

use std::fmt;
use std::time::Duration;

use records::api::RecordError;
use records::{Entity, RunMode, RunStatus};

use crate::client::ApiError;

/// A run the API is done with: completed, held for an operator, aborted or failed.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub run_id: i64,
    pub entity: Entity,
    pub mode: RunMode,
    pub status: RunStatus,
    pub status_reason: Option<String>,
    /// Batches and records sent, as declared when the run was completed.
    pub batches: u64,
    pub records: u64,
    /// Records the API accepted and rejected (validation), by its own count.
    pub accepted: u64,
    pub rejected: u64,
    /// Records written to the database by the worker.
    pub loaded: u64,
    /// Of the loaded records: new keys, keys whose ERP timestamp moved forward, and the rest.
    /// Counted by the API once every job is applied; `None` for a run that never got there.
    pub new: Option<u64>,
    pub changed: Option<u64>,
    pub unchanged: Option<u64>,
    /// Rows the run's sweep deleted.
    pub swept: u64,
    /// From opening the run to the end of the wait.
    pub elapsed: Duration,
    /// The first few rejections with their reasons; the rest are with the run on the API.
    pub rejection_samples: Vec<RecordError>,
    /// How the entity's run before this one ended, when it did not complete (such as a run
    /// abandoned by a crashed extractor and failed by the API).
    pub previous_run: Option<String>,
}

impl RunReport {
    pub fn completed(&self) -> bool {
        self.status == RunStatus::Completed
    }

    /// The sweep would delete more than the API allows by itself and waits for an operator.
    pub fn held(&self) -> bool {
        self.status == RunStatus::Held
    }

    pub fn records_per_second(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            self.records as f64 / seconds
        } else {
            0.0
        }
    }
}

/// The summary an operator reads after a run, one line and its details.
impl fmt::Display for RunReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: run {} {} ({}): sent {} records in {} batches; accepted {}, rejected {}, loaded {}",
            self.entity,
            self.run_id,
            self.status.as_str(),
            self.mode.as_str(),
            self.records,
            self.batches,
            self.accepted,
            self.rejected,
            self.loaded,
        )?;
        if let (Some(new), Some(changed), Some(unchanged)) =
            (self.new, self.changed, self.unchanged)
        {
            write!(f, " (new {new}, changed {changed}, unchanged {unchanged})")?;
        }
        if self.mode == RunMode::Full {
            write!(f, "; swept {}", self.swept)?;
        }
        write!(
            f,
            "; {:.1} s, {:.0} records/s",
            self.elapsed.as_secs_f64(),
            self.records_per_second()
        )?;
        if self.held() {
            write!(
                f,
                "\n  its sweep is held: an operator must approve it with POST /v1/runs/{}/sweep/approve, \
                 or abort the run",
                self.run_id
            )?;
        }
        if let Some(reason) = &self.status_reason {
            write!(f, "\n  reason: {reason}")?;
        }
        if let Some(previous) = &self.previous_run {
            write!(f, "\n  before it: {previous}")?;
        }
        for rejection in &self.rejection_samples {
            write!(f, "\n  rejected {rejection}")?;
        }
        if self.rejected > self.rejection_samples.len() as u64 && !self.rejection_samples.is_empty()
        {
            write!(
                f,
                "\n  … the other rejections are listed with run {} on the API",
                self.run_id
            )?;
        }
        Ok(())
    }
}

/// Why a sync did not reach the run's outcome. Every variant past opening names its run.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("could not open a {} run of {entity}", .mode.as_str())]
    Open {
        entity: Entity,
        mode: RunMode,
        #[source]
        source: ApiError,
    },
    #[error("run {run_id}: batch {seq} could not be delivered; {abort}")]
    Batch {
        run_id: i64,
        seq: u64,
        #[source]
        source: ApiError,
        abort: AbortOutcome,
    },
    #[error("run {run_id}: its end could not be declared; {abort}")]
    Complete {
        run_id: i64,
        #[source]
        source: ApiError,
        abort: AbortOutcome,
    },
    #[error("run {run_id}: reading the source failed; {abort}")]
    Source {
        run_id: i64,
        #[source]
        source: crate::run_protocol::SourceError,
        abort: AbortOutcome,
    },
    #[error("run {run_id}: interrupted before its end was declared; {abort}")]
    Interrupted { run_id: i64, abort: AbortOutcome },
    #[error("run {run_id}: stopped waiting for it; the run goes on in the API")]
    StoppedWaiting { run_id: i64 },
    #[error("run {run_id}: its status could not be read")]
    Status {
        run_id: i64,
        #[source]
        source: ApiError,
    },
    #[error("run {run_id}: still {} after waiting {} s", .status.as_str(), .waited.as_secs())]
    WaitTimedOut {
        run_id: i64,
        status: RunStatus,
        waited: Duration,
    },
}

impl SyncError {
    /// The run concerned, when one was opened.
    pub fn run_id(&self) -> Option<i64> {
        match self {
            Self::Open { .. } => None,
            Self::Batch { run_id, .. }
            | Self::Complete { run_id, .. }
            | Self::Source { run_id, .. }
            | Self::Interrupted { run_id, .. }
            | Self::StoppedWaiting { run_id }
            | Self::Status { run_id, .. }
            | Self::WaitTimedOut { run_id, .. } => Some(*run_id),
        }
    }
}

/// Whether a run given up on was aborted on the API, which guarantees it is never swept.
#[derive(Debug)]
pub enum AbortOutcome {
    Aborted,
    NotAborted(ApiError),
}

impl fmt::Display for AbortOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Aborted => f.write_str("the run was aborted, nothing will be swept"),
            // An open run is never swept either, but it blocks the next full run until aborted.
            Self::NotAborted(error) => write!(
                f,
                "aborting the run failed as well ({error}); an operator should abort it"
            ),
        }
    }
}
