//! The dashboard's settings: operators who sign in with a name and password, and the session
//! cookie. Read from the `[ops]` table of `DIS_CONFIG` and from `DIS_OPS_…` variables, which win.
//!
//! Operators can also sign in with an API key of scope `ops` (`DIS_API_KEYS`); ingest keys never can.

use std::path::PathBuf;
use std::time::Duration;

use argon2::password_hash::PasswordHash;
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

/// One operator who signs in with a password, stored as an Argon2 PHC string.
#[derive(Debug, Clone)]
pub struct OpsUser {
    pub name: String,
    pub password_hash: String,
}

#[derive(Debug, Clone)]
pub struct OpsConfig {
    pub users: Vec<OpsUser>,
    /// Adds `Secure` to the cookie: set it whenever the API is reached over HTTPS.
    pub cookie_secure: bool,
    /// A session not used for this long ends.
    pub session_idle: Duration,
    /// Redis keys of sessions start with this (under the queue namespace), so every API replica
    /// on the same Redis knows every session.
    pub session_prefix: String,
}

/// As written in the file or the environment.
#[derive(Debug, Serialize, Deserialize)]
struct RawOps {
    /// `name:$argon2id$…` entries separated by white space (`DIS_OPS_USERS`).
    users: String,
    /// The same entries, one per line, from a file (`DIS_OPS_USERS_FILE`).
    users_file: Option<PathBuf>,
    /// `DIS_OPS_COOKIE_SECURE`.
    cookie_secure: bool,
    /// `DIS_OPS_SESSION_IDLE`, such as `8h`.
    #[serde(with = "humantime_serde")]
    session_idle: Duration,
}

impl Default for RawOps {
    fn default() -> Self {
        Self {
            users: String::new(),
            users_file: None,
            cookie_secure: false,
            session_idle: Duration::from_hours(8),
        }
    }
}

impl OpsConfig {
    /// Reads the `[ops]` table of `DIS_CONFIG` (default `dis-sync.toml`), then `DIS_OPS_…`.
    pub fn load(queue_namespace: &str) -> anyhow::Result<Self> {
        let file = std::env::var_os("DIS_CONFIG")
            .map_or_else(|| PathBuf::from("dis-sync.toml"), PathBuf::from);
        let raw: RawOps = Figment::from(Serialized::defaults(RawOps::default()))
            .merge(Figment::from(Toml::file(file)).focus("ops"))
            .merge(Env::prefixed("DIS_OPS_"))
            .extract()?;
        let mut entries = raw.users;
        if let Some(path) = &raw.users_file {
            let listed = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("DIS_OPS_USERS_FILE {}: {e}", path.display()))?;
            entries.push('\n');
            entries.push_str(&listed);
        }
        Ok(Self {
            users: parse_users(&entries).map_err(|e| anyhow::anyhow!("DIS_OPS_USERS: {e}"))?,
            cookie_secure: raw.cookie_secure,
            session_idle: raw.session_idle,
            session_prefix: format!("{queue_namespace}:ops:session:"),
        })
    }
}

/// Parses `name:$argon2id$…` entries separated by white space; each hash must be a PHC string.
pub fn parse_users(raw: &str) -> Result<Vec<OpsUser>, String> {
    raw.split_whitespace()
        .map(|entry| {
            let (name, hash) = entry
                .split_once(':')
                .ok_or_else(|| "an entry is not name:$argon2id$…".to_owned())?;
            PasswordHash::new(hash).map_err(|e| {
                format!("the password hash of {name:?} is not a PHC string ({e}); make one with `cargo run -p ingest-api --example hash-password`")
            })?;
            Ok(OpsUser {
                name: name.to_owned(),
                password_hash: hash.to_owned(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_are_read_as_names_with_phc_hashes_and_anything_else_is_refused() {
        let hash =
            "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$3rPrkMCnPoQ3G3CwGd1iMp7vVyUcDmIjrQKG0z1tvno";
        let users = parse_users(&format!("ana:{hash}\n bruno:{hash}")).unwrap();
        assert_eq!(users.len(), 2);
        assert_eq!(users[1].name, "bruno");
        assert!(parse_users("ana").unwrap_err().contains("name:"));
        assert!(parse_users(
            "ana:5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"
        )
        .unwrap_err()
        .contains("PHC"));
        assert!(parse_users("  ").unwrap().is_empty());
    }
}
