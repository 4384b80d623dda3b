//! What the worker tells operators, one struct per event: `emit()` writes the event's log line
//! and moves its metrics together, so the logs and `/metrics` never disagree (Vector's
//! `internal_events` pattern). The names and their `HELP` are in `startup::metrics`.

use std::time::Duration;

use metrics::{counter, histogram};
use records::Entity;
use startup::metrics as m;

use crate::apply::JobOutcome;

/// A job's transaction failed for a transient reason and is tried again after `delay`.
pub struct JobRetried<'a> {
    pub run_id: i64,
    pub key: &'a str,
    pub error: &'a sqlx::Error,
    pub delay: Duration,
}

impl JobRetried<'_> {
    pub fn emit(&self) {
        tracing::warn!(run_id = self.run_id, job = self.key, error = %self.error, delay = ?self.delay,
            "retrying job");
        counter!(m::JOBS_RETRIED).increment(1);
    }
}

/// A job could be neither applied nor dead-lettered (MySQL unreachable): the worker holds it and
/// tries again after `delay`, taking no new job meanwhile.
pub struct JobHeld<'a> {
    pub run_id: i64,
    pub key: &'a str,
    pub error: &'a sqlx::Error,
    pub delay: Duration,
}

impl JobHeld<'_> {
    pub fn emit(&self) {
        tracing::error!(run_id = self.run_id, job = self.key, error = %self.error, delay = ?self.delay,
            "job neither applied nor dead-lettered: MySQL unreachable? holding it and trying again");
        counter!(m::JOBS_RETRIED).increment(1);
    }
}

/// A job reached its outcome in MySQL, `elapsed` after it started in this worker.
pub struct JobFinished<'a> {
    pub run_id: i64,
    pub key: &'a str,
    pub entity: Entity,
    pub outcome: &'a JobOutcome,
    pub elapsed: Duration,
}

impl JobFinished<'_> {
    pub fn emit(&self) {
        let (run_id, job, entity) = (self.run_id, self.key, self.entity.as_str());
        let seconds = self.elapsed.as_secs_f64();
        match self.outcome {
            JobOutcome::Loaded { records } => {
                tracing::debug!(run_id, job, entity, records, seconds, "job applied");
                counter!(m::JOBS_APPLIED).increment(1);
                counter!(m::RECORDS_APPLIED, "entity" => entity).increment(*records as u64);
            }
            JobOutcome::PartlyLoaded { loaded, rejected } => {
                tracing::warn!(
                    run_id,
                    job,
                    entity,
                    loaded,
                    rejected,
                    seconds,
                    "job applied row by row: the database refused some rows, stored as rejected"
                );
                counter!(m::JOBS_APPLIED).increment(1);
                counter!(m::JOBS_ISOLATED).increment(1);
                counter!(m::RECORDS_APPLIED, "entity" => entity).increment(*loaded as u64);
                counter!(m::RECORDS_REJECTED, "entity" => entity, "stage" => "database")
                    .increment(*rejected as u64);
            }
            JobOutcome::AlreadyApplied => {
                tracing::debug!(
                    run_id,
                    job,
                    seconds,
                    "job already applied by an earlier delivery"
                );
            }
            JobOutcome::DeadLettered {
                dead_letter_id,
                error,
            } => {
                tracing::error!(run_id, job, dead_letter_id, error = %error, seconds,
                    "job dead-lettered");
                counter!(m::JOBS_DEAD_LETTERED).increment(1);
            }
        }
        histogram!(m::APPLY_DURATION).record(seconds);
    }
}

/// A payload that does not decode into a job was dead-lettered, with the reason.
pub struct UndecodableDeadLettered<'a> {
    pub run_id: Option<i64>,
    pub key: &'a str,
    pub dead_letter_id: i64,
    pub error: &'a str,
}

impl UndecodableDeadLettered<'_> {
    pub fn emit(&self) {
        tracing::error!(
            run_id = self.run_id,
            job = self.key,
            dead_letter_id = self.dead_letter_id,
            error = self.error,
            "job dead-lettered: its payload does not decode"
        );
        counter!(m::JOBS_DEAD_LETTERED).increment(1);
    }
}

/// A sweep job ended: `outcome` says what it did to the run.
pub struct SweepFinished<'a> {
    pub run_id: i64,
    pub outcome: &'a store::sweep::SweepOutcome,
    pub elapsed: Duration,
}

impl SweepFinished<'_> {
    pub fn emit(&self) {
        use store::sweep::SweepOutcome;
        let (run_id, seconds) = (self.run_id, self.elapsed.as_secs_f64());
        match self.outcome {
            SweepOutcome::Swept { entity, deleted } => {
                tracing::info!(
                    run_id,
                    entity = entity.as_str(),
                    deleted,
                    seconds,
                    "run swept"
                );
                counter!(m::RECORDS_SWEPT, "entity" => entity.as_str())
                    .increment(u64::try_from(*deleted).unwrap_or(0));
            }
            SweepOutcome::Held {
                would_delete,
                rows_in_table,
            } => {
                tracing::warn!(run_id, would_delete, rows_in_table, seconds,
                    "sweep held: it would delete more than DIS_SWEEP_MAX_SHARE; an operator approves or aborts it");
            }
            SweepOutcome::NothingSeen => {
                tracing::info!(run_id, seconds, "run accepted no records: nothing swept");
            }
            SweepOutcome::NotEligible(reason) => {
                tracing::info!(run_id, reason = %reason, seconds, "sweep not run");
            }
        }
        histogram!(m::SWEEP_DURATION).record(seconds);
    }
}
