//! Bearer-token authentication: keys are stored as SHA-256 hashes, each with one scope.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Integrators and the extractor: create runs, post batches, read runs.
    Ingest,
    /// Operators: everything that reads, plus approvals, undo and replays.
    Ops,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Ingest => "ingest",
            Scope::Ops => "ops",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ApiKey {
    pub name: String,
    pub scope: Scope,
    sha256: [u8; 32],
}

/// The keys accepted by this API, parsed from `name:scope:sha256hex,…`.
#[derive(Debug, Clone, Default)]
pub struct ApiKeys(Vec<ApiKey>);

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl ApiKeys {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut keys = Vec::new();
        for entry in raw.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let parts: Vec<&str> = entry.split(':').collect();
            let [name, scope, hash] = parts[..] else {
                return Err(format!(
                    "API key entry {:?} is not name:scope:sha256hex",
                    entry.split(':').next().unwrap_or("")
                ));
            };
            let scope = match scope {
                "ingest" => Scope::Ingest,
                "ops" => Scope::Ops,
                other => {
                    return Err(format!(
                        "API key {name:?} has scope {other:?}; expected ingest or ops"
                    ))
                }
            };
            let mut sha256 = [0u8; 32];
            hex::decode_to_slice(hash, &mut sha256).map_err(|_| {
                format!(
                    "API key {name:?}: the hash must be 64 hex digits (see `ingest-api hash-key`)"
                )
            })?;
            keys.push(ApiKey {
                name: name.to_owned(),
                scope,
                sha256,
            });
        }
        Ok(Self(keys))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The keys' names and scopes, never their hashes: for logs.
    pub fn describe(&self) -> String {
        let keys: Vec<String> = self
            .0
            .iter()
            .map(|k| format!("{} ({})", k.name, k.scope.as_str()))
            .collect();
        format!("{} key(s): {}", keys.len(), keys.join(", "))
    }

    fn find(&self, token: &str) -> Option<&ApiKey> {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        self.0.iter().find(|k| k.sha256 == digest)
    }
}

/// The authenticated caller of a `/v1` route.
#[derive(Debug, Clone)]
pub struct Caller {
    pub name: String,
    pub scope: Scope,
}

impl Caller {
    /// 403 unless the caller holds one of `scopes`.
    pub fn require(&self, scopes: &[Scope]) -> Result<(), ApiError> {
        if scopes.contains(&self.scope) {
            return Ok(());
        }
        let wanted: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
        Err(ApiError::Forbidden(format!(
            "this action needs an API key of scope {}; key {:?} has scope {}",
            wanted.join(" or "),
            self.name,
            self.scope.as_str()
        )))
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header =
            parts
                .headers
                .get(axum::http::header::AUTHORIZATION)
                .ok_or(ApiError::Unauthorized(
                    "missing Authorization: Bearer <token> header",
                ))?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .ok_or(ApiError::Unauthorized(
                "the Authorization header must be Bearer <token>",
            ))?;
        let key = state
            .keys
            .find(token.trim())
            .ok_or(ApiError::Unauthorized("unknown API token"))?;
        Ok(Caller {
            name: key.name.clone(),
            scope: key.scope,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_parsed_and_tokens_found_by_their_hash() {
        let keys = ApiKeys::parse(&format!(
            "ci:ingest:{},ops:ops:{}",
            hash_token("a"),
            hash_token("b")
        ))
        .unwrap();
        assert_eq!(keys.find("a").unwrap().scope, Scope::Ingest);
        assert_eq!(keys.find("b").unwrap().name, "ops");
        assert!(keys.find("c").is_none());
    }

    #[test]
    fn a_malformed_key_entry_is_refused_with_a_reason() {
        assert!(ApiKeys::parse("ci:admin:00").unwrap_err().contains("scope"));
        assert!(ApiKeys::parse("ci:ingest:zz")
            .unwrap_err()
            .contains("64 hex"));
        assert!(ApiKeys::parse("justaname")
            .unwrap_err()
            .contains("name:scope"));
    }
}
