//! Several jobs per transaction: the jobs the queue hands this process wait here, and each of a
//! few appliers takes up to `jobs_per_transaction` of them at a time and applies them together.
//!
//! A commit and a transaction's round trips cost the database about as much as a 100-row upsert;
//! sharing them between several jobs is most of what separates the pipeline from the raw ceiling.
//! Each job is still one statement with its own `run_jobs` row, so "applied once" and the counts
//! are what they were; a group that cannot be applied whole (a refused row, a redelivery, a
//! lost connection) is applied again one job per transaction, with that path's retries, row
//! isolation and dead letters.

use std::sync::Arc;
use std::time::Instant;

use sqlx::MySqlPool;
use tokio::sync::{mpsc, oneshot, Mutex};
use tokio::task::JoinSet;

use queue::ApplyBatch;
use store::apply::apply_jobs_together;

use crate::apply::{apply_until_recorded, JobOutcome};
use crate::config::RetryConfig;
use crate::events::JobFinished;

/// A job waiting for its group, and where its outcome goes.
struct Waiting {
    job: ApplyBatch,
    outcome: oneshot::Sender<JobOutcome>,
}

/// The entrance to the appliers of a process.
#[derive(Clone)]
pub struct JobGroups {
    waiting: mpsc::Sender<Waiting>,
    pool: MySqlPool,
    retry: RetryConfig,
}

impl JobGroups {
    /// Starts `appliers` appliers (transactions at once), each taking up to `per_transaction`
    /// waiting jobs; they stop when every [`JobGroups`] clone is dropped, or with `tasks`.
    pub fn start(
        pool: MySqlPool,
        retry: RetryConfig,
        appliers: usize,
        per_transaction: usize,
        tasks: &mut JoinSet<()>,
    ) -> Self {
        let (sender, receiver) = mpsc::channel(appliers.max(1) * per_transaction.max(1));
        let receiver = Arc::new(Mutex::new(receiver));
        for _ in 0..appliers.max(1) {
            let (pool, receiver) = (pool.clone(), receiver.clone());
            tasks.spawn(apply_groups(pool, retry, receiver, per_transaction.max(1)));
        }
        Self {
            waiting: sender,
            pool,
            retry,
        }
    }

    /// Applies `job` with the others waiting, and does not return until MySQL holds its outcome
    /// (see [`apply_until_recorded`]).
    pub async fn apply(&self, job: ApplyBatch) -> JobOutcome {
        let (outcome, receipt) = oneshot::channel();
        let job = match self.waiting.send(Waiting { job, outcome }).await {
            Ok(()) => match receipt.await {
                Ok(outcome) => return outcome,
                // The applier was stopped with the job (the process is stopping) and its
                // transaction rolled back: never answer, so the queue does not count the job
                // done and delivers it again once this worker's heartbeats have lapsed.
                Err(_) => return std::future::pending().await,
            },
            Err(mpsc::error::SendError(waiting)) => waiting.job,
        };
        apply_until_recorded(&self.pool, &job, self.retry).await
    }
}

/// One applier: takes the jobs waiting (up to `limit`, without waiting for more) and applies them.
async fn apply_groups(
    pool: MySqlPool,
    retry: RetryConfig,
    receiver: Arc<Mutex<mpsc::Receiver<Waiting>>>,
    limit: usize,
) {
    loop {
        let group = {
            let mut receiver = receiver.lock().await;
            let Some(first) = receiver.recv().await else {
                return;
            };
            let mut group = vec![first];
            while group.len() < limit {
                match receiver.try_recv() {
                    Ok(next) => group.push(next),
                    Err(_) => break,
                }
            }
            group
        };
        let (jobs, answers): (Vec<ApplyBatch>, Vec<_>) =
            group.into_iter().map(|w| (w.job, w.outcome)).unzip();
        let outcomes = apply_group(&pool, &jobs, retry).await;
        for (answer, outcome) in answers.into_iter().zip(outcomes) {
            let _ = answer.send(outcome);
        }
    }
}

/// Applies `jobs` in one transaction when it can, else one by one; an outcome per job, in order.
pub async fn apply_group(
    pool: &MySqlPool,
    jobs: &[ApplyBatch],
    retry: RetryConfig,
) -> Vec<JobOutcome> {
    if jobs.len() > 1 {
        let started = Instant::now();
        let together: Vec<&ApplyBatch> = jobs.iter().collect();
        match apply_jobs_together(pool, &together).await {
            Ok(true) => {
                let elapsed = started.elapsed();
                return jobs
                    .iter()
                    .map(|job| {
                        let outcome = JobOutcome::Loaded {
                            records: job.records.len(),
                        };
                        JobFinished {
                            run_id: job.run_id,
                            key: &job.key(),
                            entity: job.records.entity(),
                            outcome: &outcome,
                            elapsed,
                        }
                        .emit();
                        outcome
                    })
                    .collect();
            }
            Ok(false) => {}
            Err(error) => {
                tracing::debug!(%error, jobs = jobs.len(), "a group of jobs failed together; applying them one by one");
            }
        }
    }
    let mut outcomes = Vec::with_capacity(jobs.len());
    for job in jobs {
        outcomes.push(apply_until_recorded(pool, job, retry).await);
    }
    outcomes
}
