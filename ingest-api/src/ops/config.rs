//! The dashboard's settings once read (`DIS_OPS_…`, see [`crate::settings::DashboardArgs`]):
//! operators who sign in with a name and password, and the session cookie.
//!
//! Operators can also sign in with an API key of scope `ops` (`DIS_API_KEYS`); ingest keys never can.

use std::time::Duration;

use argon2::password_hash::PasswordHash;

/// One operator who signs in with a password, stored as an Argon2 PHC string.
#[derive(Clone)]
pub struct OpsUser {
    pub name: String,
    pub password_hash: String,
}

/// The name only: a hash is no one's business in the logs.
impl std::fmt::Debug for OpsUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

#[derive(Debug, Clone)]
pub struct OpsConfig {
    pub users: Vec<OpsUser>,
    /// Adds `Secure` to the cookie: set it whenever the API is reached over HTTPS.
    pub cookie_secure: bool,
    /// A session not used for this long ends.
    pub session_idle: Duration,
}

impl Default for OpsConfig {
    fn default() -> Self {
        Self {
            users: Vec::new(),
            cookie_secure: false,
            session_idle: Duration::from_hours(8),
        }
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
                format!("the password hash of {name:?} is not a PHC string ({e}); make one with `ingest-api hash-password`")
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
