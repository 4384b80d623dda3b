//! `extractor schedule`: the `run` command on a cron expression, one run at a time, until SIGTERM
//! or Ctrl-C; a run going then is aborted (or, its end declared, left to the API) before exiting.

use std::sync::Arc;
use std::time::Duration;

use chrono_tz::Tz;
use startup::ConfigFile;
use tokio_util::sync::CancellationToken;

use super::{
    prepare, run_prepared, ScheduleArgs, EXIT_COMPLETED, EXIT_FAILED, EXIT_HELD, EXIT_SETTINGS,
};
use crate::cron::{start_on_cron, validate_cron, OneAtATime};

/// Verifies the cron expression and the run's settings, then runs on every tick until `stop`.
pub async fn schedule(
    args: &ScheduleArgs,
    config_file: Option<&ConfigFile>,
    stop: &CancellationToken,
) -> u8 {
    let (zone, prepared) = match preflight(args, config_file) {
        Ok(checked) => checked,
        Err(problem) => {
            eprintln!("error: {problem}");
            return EXIT_SETTINGS;
        }
    };
    let name = format!(
        "{:?} {:?} run of {:?}",
        args.run.source, args.run.mode, args.run.entity
    )
    .to_lowercase();
    let run_args = Arc::new(args.run.clone());
    let prepared = Arc::new(prepared);
    let run_stop = stop.clone();
    let job = Arc::new(OneAtATime::new(name, move || {
        let (run_args, prepared, stop) = (run_args.clone(), prepared.clone(), run_stop.clone());
        let runtime = tokio::runtime::Handle::current();
        async move {
            // rustc cannot prove the run's future `Send` (its stream combinators borrow across
            // awaits), so the run is driven on a blocking thread of the same runtime instead.
            let code = tokio::task::spawn_blocking(move || {
                runtime.block_on(run_prepared(&run_args, &prepared, &stop))
            })
            .await
            .map_err(|e| format!("the run panicked: {e}"))?;
            match code {
                EXIT_COMPLETED | EXIT_HELD => Ok(()),
                code => Err(format!("the run ended with exit code {code}")),
            }
        }
    }));
    let mut scheduler = match start_on_cron(&args.cron, zone, job.clone()).await {
        Ok(scheduler) => scheduler,
        Err(error) => {
            eprintln!("error: the scheduler did not start: {error}");
            return EXIT_FAILED;
        }
    };
    tracing::info!(cron = %args.cron, %zone, "scheduled; SIGTERM or Ctrl-C stops");
    stop.cancelled().await;
    if let Err(error) = scheduler.shutdown().await {
        tracing::warn!(%error, "the scheduler did not shut down cleanly");
    }
    wait_for_the_run(|| job.busy(), args.shutdown.shutdown_timeout).await;
    EXIT_COMPLETED
}

/// A run going when the stop came sees the same stop: it aborts its run on the API (or, its end
/// declared, stops waiting). This waits for that, at most `limit`.
async fn wait_for_the_run(busy: impl Fn() -> bool, limit: Duration) {
    let deadline = tokio::time::Instant::now() + limit;
    while busy() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if busy() {
        tracing::warn!(limit = %humantime::format_duration(limit),
            "the run was still going when DIS_SHUTDOWN_TIMEOUT ran out; the API fails it once it has been idle for DIS_RUN_IDLE_LIMIT");
    } else {
        tracing::info!("stopped");
    }
}

/// The cron expression's time zone and the run's settings, verified now: refused statements stop
/// the scheduler at once rather than at 3 in the morning.
fn preflight(
    args: &ScheduleArgs,
    config_file: Option<&ConfigFile>,
) -> Result<(Tz, super::Prepared), String> {
    let name = args
        .time_zone
        .clone()
        .unwrap_or_else(|| args.run.erp.erp_time_zone.clone());
    let zone: Tz = name
        .parse()
        .map_err(|_| format!("{name:?} is not an IANA time zone such as America/Sao_Paulo"))?;
    validate_cron(&args.cron, zone).map_err(|error| {
        format!(
            "--cron {:?} is not a cron expression of six fields, seconds first, such as \"0 0 3 * * *\" ({error})",
            args.cron
        )
    })?;
    Ok((zone, prepare(&args.run, config_file)?))
}
