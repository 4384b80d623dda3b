//! Rows as the templates show them: numbers formatted once here, raw values kept beside them
//! (in `data-value` attributes) for scripts and tests that compare them.

use records::{RunMode, RunStatus};
use store::ops::runs::RunRow;

use super::format::{count, duration, rate, when};

/// A count both ways.
#[derive(Debug, Clone)]
pub struct Count {
    pub raw: i64,
    pub text: String,
}

impl Count {
    pub fn of(raw: i64) -> Self {
        Self {
            raw,
            text: count(raw),
        }
    }
}

/// One run in a table, or at the top of its page.
#[derive(Debug, Clone)]
pub struct RunLine {
    pub run_id: i64,
    pub entity: &'static str,
    pub mode: &'static str,
    pub status: &'static str,
    pub reason: String,
    pub declared: String,
    pub received: Count,
    pub accepted: Count,
    pub rejected: Count,
    pub applied: Count,
    pub swept: Count,
    pub jobs: String,
    /// Per mille done, while the run is open or closing.
    pub progress: Option<u32>,
    pub progress_text: String,
    pub duration: String,
    pub rate: String,
    pub started: String,
    pub finished: String,
}

impl From<&RunRow> for RunLine {
    fn from(run: &RunRow) -> Self {
        let progress = run.progress();
        Self {
            run_id: run.run_id,
            entity: run.entity.as_str(),
            mode: run.mode.as_str(),
            status: run.status.as_str(),
            reason: run.status_reason.clone().unwrap_or_default(),
            declared: run.declared_records.map_or_else(|| "—".to_owned(), count),
            received: Count::of(run.received_records),
            accepted: Count::of(run.accepted_records),
            rejected: Count::of(run.rejected_total()),
            applied: Count::of(run.jobs.applied_records),
            swept: Count::of(run.swept_rows),
            jobs: format!(
                "{} of {}",
                count(run.jobs.jobs_applied),
                count(run.jobs_enqueued)
            ),
            progress: progress.map(|p| (p * 1000.0).round() as u32),
            progress_text: progress.map_or_else(String::new, |p| format!("{:.0} %", p * 100.0)),
            duration: duration(run.duration()),
            rate: rate(run.records_per_second()),
            started: when(run.created_at),
            finished: run.finished_at.map_or_else(|| "—".to_owned(), when),
        }
    }
}

/// What an operator may do to a run in its state: four independent permissions, not a state.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, Copy, Default)]
pub struct Allowed {
    pub approve: bool,
    pub abort: bool,
    pub undo: bool,
    pub replay: bool,
}

impl Allowed {
    pub fn for_run(run: &RunRow, restorable_rows: i64, pending_dead_letters: usize) -> Self {
        Self {
            approve: run.status == RunStatus::Held,
            abort: crate::actions::ABORTABLE.contains(&run.status),
            undo: run.mode == RunMode::Full
                && run.status == RunStatus::Completed
                && restorable_rows > 0,
            replay: pending_dead_letters > 0,
        }
    }

    pub fn any(self) -> bool {
        self.approve || self.abort || self.undo || self.replay
    }
}
