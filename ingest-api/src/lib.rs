//! dis-sync ingest API: the run protocol over HTTP, validating records and queueing them.

pub mod actions;
pub mod app;
pub mod auth;
pub mod cli;
pub mod error;
pub mod events;
pub mod intake;
pub mod metrics;
pub mod openapi;
pub mod ops;
pub mod routes;
pub mod settings;

pub use app::{router, run, serve, AppState};
pub use auth::hash_token;
pub use settings::Settings;
