//! Shared core of dis-sync: domain records, configuration, telemetry, the queue and the MySQL repository.

pub mod config;
pub mod db;
pub mod domain;
pub mod failure;
pub mod jobs;
pub mod sweep;
pub mod telemetry;
