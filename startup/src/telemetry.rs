//! Logs, by one rule: `DIS_LOG_FORMAT=auto` (the default) writes coloured text when standard error
//! is a terminal and JSON lines otherwise (a pipe, a file, a container's log); `json` and `text`
//! force one. Colours only ever go to a terminal, and not when `NO_COLOR` is set.

use std::io::IsTerminal;
use std::sync::OnceLock;

use tracing_subscriber::EnvFilter;

use crate::{CommonArgs, ConfigFile, LogFormat, SettingsError};

static JSON: OnceLock<bool> = OnceLock::new();

/// Installs the global subscriber once (later calls, as in tests, change nothing); `filter` is
/// `RUST_LOG`'s syntax.
pub fn init(format: LogFormat, filter: &str) -> Result<(), SettingsError> {
    let filter = EnvFilter::try_new(filter)
        .map_err(|e| SettingsError::invalid("RUST_LOG", format!("{filter:?}: {e}")))?;
    let terminal = std::io::stderr().is_terminal();
    let json = match format {
        LogFormat::Json => true,
        LogFormat::Text => false,
        LogFormat::Auto => !terminal,
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(terminal && std::env::var_os("NO_COLOR").is_none());
    let installed = if json {
        builder.json().try_init().is_ok()
    } else {
        builder.try_init().is_ok()
    };
    if installed {
        let _ = JSON.set(json);
    }
    Ok(())
}

/// Logs as `common` says, then which config file the settings came from (an absolute path), so
/// that the logs of any start say where its settings were read.
pub fn start(common: &CommonArgs, file: Option<&ConfigFile>) -> Result<(), SettingsError> {
    init(common.log_format, &common.log_filter)?;
    if let Some(file) = file {
        tracing::info!(config = %file.path().display(), "config file read");
    } else {
        tracing::debug!("no config file (DIS_CONFIG): built-in defaults and the environment");
    }
    Ok(())
}

/// Whether this process logs JSON lines (false before [`init`]).
pub fn is_json() -> bool {
    JSON.get().copied().unwrap_or(false)
}
