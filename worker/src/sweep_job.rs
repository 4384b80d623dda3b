//! The sweep handler: the rules live in `store::sweep` (the API's dry run uses them too); this
//! keeps a sweep going until it has run, since a sweep job that apalis gave up on would leave its
//! run `sweeping` for ever.

use std::time::{Duration, Instant};

use sqlx::MySqlPool;

pub use store::sweep::{sweep_run, SweepError, SweepOutcome, SweepSettings};

use crate::events::SweepFinished;

/// First pause before a sweep that failed is tried again; doubled up to [`MAX_SWEEP_RETRY_DELAY`].
const FIRST_SWEEP_RETRY_DELAY: Duration = Duration::from_secs(1);
const MAX_SWEEP_RETRY_DELAY: Duration = Duration::from_mins(5);

/// Sweeps `run_id`, trying again while another sweep of the entity holds its lock or MySQL fails.
///
/// Every failure is safe to retry: the sweep re-reads the run under its lock and deletes in
/// chunks that each commit with their audit rows. One that keeps failing is logged at every try
/// and its run stays visibly `sweeping`; nothing is deleted by guesswork.
#[tracing::instrument(skip(pool, settings))]
pub async fn sweep_until_done(
    pool: &MySqlPool,
    run_id: i64,
    settings: SweepSettings,
) -> SweepOutcome {
    let started = Instant::now();
    let mut delay = FIRST_SWEEP_RETRY_DELAY;
    loop {
        match sweep_run(pool, run_id, settings).await {
            Ok(outcome) => {
                let elapsed = started.elapsed();
                SweepFinished {
                    run_id,
                    outcome: &outcome,
                    elapsed,
                }
                .emit();
                return outcome;
            }
            Err(SweepError::Busy(entity)) => {
                tracing::info!(%entity, ?delay, "another sweep of the entity is running; waiting for it");
            }
            Err(e) => {
                tracing::error!(error = %e, ?delay, "sweep failed; trying it again");
            }
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(MAX_SWEEP_RETRY_DELAY);
    }
}
