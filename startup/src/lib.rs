//! What every dis-sync binary needs to start and stop: its settings layered from built-in
//! defaults, a config file and the environment ([`cli`]), secrets that may come from files
//! ([`secret`]), logs ([`telemetry`]), errors that say what to fix ([`DependencyError`],
//! [`SettingsError`], [`report`]), the stop signal ([`shutdown`]) and a probe for container
//! health checks ([`healthcheck`]).

pub mod cli;
mod common;
mod dependency;
mod error;
#[doc(hidden)]
pub mod example;
mod file;
pub mod healthcheck;
pub mod known;
#[cfg(feature = "metrics")]
pub mod metrics;
pub mod paths;
pub mod report;
pub mod secret;
pub mod shutdown;
pub mod telemetry;

pub use common::{CommonArgs, LogFormat, Profile, ProfileArgs, ShutdownArgs};
pub use dependency::DependencyError;
pub use error::SettingsError;
pub use file::ConfigFile;
pub use secrecy::{ExposeSecret, SecretString};
