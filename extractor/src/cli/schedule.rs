//! `extractor schedule`: the `run` command on a cron expression, one run at a time, until Ctrl-C.

use std::sync::Arc;

use chrono_tz::Tz;
use startup::config::Settings;

use super::{ctrl_c, load_erp, run, ScheduleArgs, Source, EXIT_COMPLETED, EXIT_FAILED, EXIT_HELD};
use crate::mssql::ErpConfig;
use crate::schedule::{start_on_cron, validate_cron, OneAtATime};

/// Verifies the cron expression and the ERP's statements, then runs on every tick.
pub async fn schedule(args: &ScheduleArgs, settings: &Settings) -> u8 {
    let zone = match preflight(args) {
        Ok(zone) => zone,
        Err(problem) => {
            eprintln!("error: {problem}");
            return EXIT_FAILED;
        }
    };
    let name = format!(
        "{:?} {:?} run of {:?}",
        args.run.source, args.run.mode, args.run.entity
    )
    .to_lowercase();
    let run_args = Arc::new(args.run.clone());
    let settings = Arc::new(settings.clone());
    let job = Arc::new(OneAtATime::new(name, move || {
        let (run_args, settings) = (Arc::clone(&run_args), Arc::clone(&settings));
        let runtime = tokio::runtime::Handle::current();
        async move {
            // rustc cannot prove the run's future `Send` (its stream combinators borrow across
            // awaits), so the run is driven on a blocking thread of the same runtime instead.
            let code =
                tokio::task::spawn_blocking(move || runtime.block_on(run(&run_args, &settings)))
                    .await
                    .map_err(|e| format!("the run panicked: {e}"))?;
            match code {
                EXIT_COMPLETED | EXIT_HELD => Ok(()),
                code => Err(format!("the run ended with exit code {code}")),
            }
        }
    }));
    let mut scheduler = match start_on_cron(&args.cron, zone, job).await {
        Ok(scheduler) => scheduler,
        Err(error) => {
            eprintln!("error: the scheduler did not start: {error}");
            return EXIT_FAILED;
        }
    };
    tracing::info!(cron = %args.cron, %zone, "scheduled; Ctrl-C stops");
    ctrl_c().await;
    if let Err(error) = scheduler.shutdown().await {
        tracing::warn!(%error, "the scheduler did not shut down cleanly");
    }
    EXIT_COMPLETED
}

/// The cron expression's time zone, once the expression and the ERP's statements are verified:
/// refused statements stop the scheduler now rather than at 3 in the morning.
fn preflight(args: &ScheduleArgs) -> Result<Tz, String> {
    let zone = time_zone(args)?;
    validate_cron(&args.cron, zone).map_err(|error| {
        format!(
            "--cron {:?} is not a cron expression of six fields, seconds first, such as \"0 0 3 * * *\" ({error})",
            args.cron
        )
    })?;
    if args.run.source == Source::Mssql {
        load_erp()?;
    }
    Ok(zone)
}

/// `--time-zone`, else the ERP's, so that "3 in the morning" means the ERP's night.
fn time_zone(args: &ScheduleArgs) -> Result<Tz, String> {
    let name = match &args.time_zone {
        Some(name) => name.clone(),
        None => ErpConfig::load()
            .map(|config| config.time_zone)
            .map_err(|e| format!("the [erp] configuration could not be read: {e}"))?,
    };
    name.parse()
        .map_err(|_| format!("{name:?} is not an IANA time zone such as America/Sao_Paulo"))
}
