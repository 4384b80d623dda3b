//! Scaling out: the first load through 1, 2 and 4 worker processes sharing one queue, each a
//! child process (this binary, re-run with a hidden argument) as a deployment runs them.
//!
//! Each count is measured twice: every process at the bench's concurrency, as replicas of one
//! deployment run, and the same total concurrency split between the processes. The first adds
//! transactions at once as it adds processes; the second shows what a process itself costs.

use std::process::Stdio;
use std::time::Duration;

use anyhow::Context;
use records::InfluencerWire;
use tokio::io::AsyncReadExt;
use tokio::process::{Child, Command};

use crate::env::{BenchEnv, Settings};
use crate::pipeline::full_run;

/// Worker processes of each measurement.
pub const WORKER_PROCESSES: [usize; 3] = [1, 2, 4];

/// One first load through `processes` worker processes, each applying `concurrency_each`
/// transactions at once.
#[derive(Debug, Clone, Copy)]
pub struct ScalingRun {
    pub processes: usize,
    pub concurrency_each: usize,
    pub records_per_second: f64,
}

/// The (processes, concurrency of each) to measure: every count of [`WORKER_PROCESSES`] at
/// `concurrency`, then the counts above one that divide `concurrency` at their share of it.
pub fn plan(concurrency: usize) -> Vec<(usize, usize)> {
    let mut plan: Vec<(usize, usize)> = WORKER_PROCESSES.map(|p| (p, concurrency)).into();
    plan.extend(
        WORKER_PROCESSES
            .into_iter()
            .filter(|&p| p > 1 && concurrency.is_multiple_of(p))
            .map(|p| (p, concurrency / p)),
    );
    plan
}

/// A first load for each entry of [`plan`].
pub async fn measure(
    env: &BenchEnv,
    day_one: &[InfluencerWire],
) -> anyhow::Result<Vec<ScalingRun>> {
    let mut runs = Vec::new();
    for (processes, concurrency_each) in plan(env.settings.worker_concurrency) {
        env.reset_tables().await?;
        let workers = start_worker_processes(&env.settings, processes, concurrency_each)
            .await
            .with_context(|| format!("starting {processes} worker processes"))?;
        let report = full_run(env, day_one).await;
        stop(workers).await;
        let report = report
            .with_context(|| format!("the first load through {processes} worker processes"))?;
        runs.push(ScalingRun {
            processes,
            concurrency_each,
            records_per_second: report.records_per_second(),
        });
    }
    Ok(runs)
}

async fn start_worker_processes(
    settings: &Settings,
    count: usize,
    concurrency: usize,
) -> anyhow::Result<Vec<Child>> {
    let mut children = Vec::new();
    for _ in 0..count {
        children.push(
            Command::new(std::env::current_exe()?)
                .args(["--worker-process", "--mysql-url", &settings.mysql_url])
                .args(["--redis-url", &settings.redis_url])
                .args(["--queue-namespace", &settings.queue_namespace])
                .args(["--concurrency", &concurrency.to_string()])
                .args([
                    "--jobs-per-transaction",
                    &settings.jobs_per_transaction.to_string(),
                ])
                .stdin(Stdio::piped())
                .kill_on_drop(true)
                .spawn()?,
        );
    }
    wait_for_registered(settings, count).await?;
    Ok(children)
}

/// Waits until `count` apply workers are registered on the queue, so start-up is not timed.
async fn wait_for_registered(settings: &Settings, count: usize) -> anyhow::Result<()> {
    let mut conn = queue::connect_redis(&settings.redis_url).await?;
    let key = format!(
        "{}:workers",
        queue::apply_queue_name(&settings.queue_namespace)
    );
    let deadline = tokio::time::Instant::now() + Duration::from_mins(1);
    loop {
        let registered: usize = redis::cmd("ZCARD").arg(&key).query_async(&mut conn).await?;
        if registered >= count {
            return Ok(());
        }
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "{registered} of {count} worker processes registered within a minute"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Closes each child's stdin, which stops it cleanly; kills it if it has not stopped in 10 s.
async fn stop(children: Vec<Child>) {
    for mut child in children {
        drop(child.stdin.take());
        if tokio::time::timeout(Duration::from_secs(10), child.wait())
            .await
            .is_err()
        {
            let _ = child.kill().await;
        }
    }
}

/// The child's side: the workers until stdin closes (the parent stopped them, or died).
pub async fn be_worker_process(settings: Settings) -> anyhow::Result<()> {
    let until_stdin_closes = async {
        let mut sink = Vec::new();
        let _ = tokio::io::stdin().read_to_end(&mut sink).await;
        Ok(())
    };
    worker::run_workers(&settings.worker(), until_stdin_closes).await
}

#[cfg(test)]
mod tests {
    use super::plan;

    #[test]
    fn each_count_runs_at_the_full_concurrency_then_at_its_share_when_it_divides_it() {
        assert_eq!(plan(4), [(1, 4), (2, 4), (4, 4), (2, 2), (4, 1)]);
        assert_eq!(plan(6), [(1, 6), (2, 6), (4, 6), (2, 3)]);
        assert_eq!(plan(1), [(1, 1), (2, 1), (4, 1)]);
    }
}
