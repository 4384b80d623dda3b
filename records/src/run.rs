//! The vocabulary of the run protocol: modes and statuses.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum RunMode {
    Full,
    Incremental,
}

impl RunMode {
    pub fn as_str(self) -> &'static str {
        match self {
            RunMode::Full => "full",
            RunMode::Incremental => "incremental",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "full" => Ok(RunMode::Full),
            "incremental" => Ok(RunMode::Incremental),
            other => Err(format!(
                "{other:?} is not a mode; expected full or incremental"
            )),
        }
    }
}

/// Where a run is in its life. `open` receives batches; `closing` waits for its jobs;
/// `sweeping`/`held` are the reconciliation of a full run; the last three are final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Open,
    Closing,
    Sweeping,
    Held,
    Completed,
    Aborted,
    Failed,
}

impl RunStatus {
    /// Every status, in the order a run goes through them.
    pub const ALL: [RunStatus; 7] = [
        RunStatus::Open,
        RunStatus::Closing,
        RunStatus::Sweeping,
        RunStatus::Held,
        RunStatus::Completed,
        RunStatus::Aborted,
        RunStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Open => "open",
            RunStatus::Closing => "closing",
            RunStatus::Sweeping => "sweeping",
            RunStatus::Held => "held",
            RunStatus::Completed => "completed",
            RunStatus::Aborted => "aborted",
            RunStatus::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        RunStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == raw)
            .ok_or_else(|| format!("unknown run status {raw:?}"))
    }

    pub fn is_final(self) -> bool {
        matches!(
            self,
            RunStatus::Completed | RunStatus::Aborted | RunStatus::Failed
        )
    }

    /// Whether the run is still moving by itself: receiving batches, applying its jobs, or
    /// sweeping. A client that declared a run's end waits while this holds; a held run waits for
    /// an operator instead.
    pub fn in_progress(self) -> bool {
        matches!(
            self,
            RunStatus::Open | RunStatus::Closing | RunStatus::Sweeping
        )
    }
}

/// Stored as text in `sync_runs`; read back through these.
macro_rules! text_column {
    ($($name:ident),+) => {$(
        impl TryFrom<String> for $name {
            type Error = String;

            fn try_from(raw: String) -> Result<Self, Self::Error> {
                Self::parse(&raw)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )+};
}

text_column!(RunMode, RunStatus);
