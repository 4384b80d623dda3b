//! Progress of a run on the terminal: records sent, accepted and rejected, then the wait for loading.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use records::api::RunView;
use records::Entity;

/// A spinner line on stderr; draws nothing when asked not to or when stderr is not a terminal.
pub(crate) struct Progress {
    bar: ProgressBar,
}

/// Running totals of the batches the API has answered.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Sent {
    pub batches: u64,
    pub records: u64,
    pub accepted: u64,
    pub rejected: u64,
}

impl Progress {
    pub fn new(visible: bool, entity: Entity, run_id: i64) -> Self {
        // indicatif hides a stderr target by itself when stderr is not a terminal (cron, CI, pipes).
        let target = if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(None, target);
        let style = ProgressStyle::with_template("{spinner} {prefix} [{elapsed_precise}] {msg}")
            .expect("the template is valid");
        bar.set_style(style);
        bar.set_prefix(format!("{entity} run {run_id}"));
        if !bar.is_hidden() {
            bar.enable_steady_tick(Duration::from_millis(120));
        }
        Self { bar }
    }

    pub fn sent(&self, sent: &Sent) {
        self.bar.set_message(format!(
            "sent {} records in {} batches · accepted {} · rejected {}",
            sent.records, sent.batches, sent.accepted, sent.rejected
        ));
    }

    pub fn waiting(&self, run: &RunView) {
        self.bar.set_message(format!(
            "{}: loaded {} of {} accepted · jobs {}/{}",
            run.status.as_str(),
            run.loaded_records,
            run.accepted_records,
            run.jobs_applied,
            run.jobs_enqueued
        ));
    }
}

impl Drop for Progress {
    // Whatever way the run ends, the line is cleared so the summary and errors print cleanly.
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
