//! dis-sync worker: applies queued batches to MySQL and reconciles completed full runs.

pub mod apply;
pub mod cli;
pub mod config;
pub mod events;
pub mod fetch_on_wake;
pub mod group;
pub mod http;
pub mod isolate;
pub mod lost_jobs;
pub mod repeated_failure;
pub mod run_watch;
pub mod service;
pub mod settings;
pub mod supervise;
pub mod sweep_job;
pub mod vacuum;

pub use apply::{apply_batch, apply_until_recorded, JobOutcome};
pub use config::RetryConfig;
pub use service::{run, run_workers, WorkerDeps};
pub use settings::Settings;
