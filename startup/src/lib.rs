//! What every dis-sync binary needs to start and stop: settings layered from defaults, a file and
//! the environment, and logging.

pub mod config;
pub mod telemetry;
