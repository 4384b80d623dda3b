//! Where dis-sync keeps its own state when no config file says, so that nothing depends on the
//! working directory (which differs under cron, systemd and containers).

use std::path::PathBuf;

/// `$XDG_STATE_HOME/dis-sync`, else `$HOME/.local/state/dis-sync` (the XDG base directory rule;
/// written out rather than taken from a crate, whose rule differs by platform).
pub fn state_dir() -> Option<PathBuf> {
    let from = |variable: &str| {
        std::env::var_os(variable)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    from("XDG_STATE_HOME")
        .or_else(|| from("HOME").map(|home| home.join(".local/state")))
        .map(|dir| dir.join("dis-sync"))
}
