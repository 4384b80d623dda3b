//! dis-sync extractor: reads the ERP (or the built-in demo data set) and drives the run protocol of the ingest API.

mod batches;
pub mod cli;
pub mod client;
pub mod cron;
pub mod demo;
pub mod mssql;
mod outcome;
mod progress;
pub mod run_protocol;
pub mod settings;

pub use client::{ApiClient, ApiError, RetryPolicy, DEFAULT_ATTEMPTS};
pub use demo::{Day, DemoDataset, DemoSize};
pub use outcome::{AbortOutcome, RunReport, SyncError};
pub use run_protocol::{
    sync_entity, sync_entity_stream_until, sync_entity_until, SourceError, SyncOptions,
};
