//! Bearer-token authentication and authorization in the type: keys are stored as SHA-256 hashes,
//! each with one scope, and a `/v1` handler reaches the API's state only through an extractor
//! that admits the scopes it names ([`Ingest`], [`Ops`], [`IngestOrOps`], [`Reader`]).

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
    pub const ALL: [Scope; 2] = [Scope::Ingest, Scope::Ops];

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

    /// Who `token` names, if anyone: for the dashboard's sign-in form, which takes the token in
    /// a form field once and then works with a session (see `crate::ops`).
    pub(crate) fn caller(&self, token: &str) -> Option<Caller> {
        self.find(token).map(|key| Caller {
            name: key.name.clone(),
            scope: key.scope,
        })
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

/// Who presents the request's bearer token, or 401.
fn authenticate(parts: &Parts, keys: &ApiKeys) -> Result<Caller, ApiError> {
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
    let key = keys
        .find(token.trim())
        .ok_or(ApiError::Unauthorized("unknown API token"))?;
    Ok(Caller {
        name: key.name.clone(),
        scope: key.scope,
    })
}

/// The state of the `/v1` routes. Its fields are private to this module: a handler reaches the
/// database and the queue only through one of the extractors below, which check the caller's
/// scope first, so a route that asks for none cannot touch anything.
#[derive(Clone)]
pub struct V1State {
    app: AppState,
    max_body_bytes: usize,
}

impl V1State {
    pub fn new(app: AppState, max_body_bytes: usize) -> Self {
        Self {
            app,
            max_body_bytes,
        }
    }
}

/// The largest request body the API reads (`DIS_MAX_BODY_BYTES`), for handlers that read the
/// body themselves and must say what the limit is.
pub struct BodyLimit(pub usize);

impl FromRequestParts<V1State> for BodyLimit {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(_: &mut Parts, state: &V1State) -> Result<Self, Self::Rejection> {
        Ok(Self(state.max_body_bytes))
    }
}

/// Declares an extractor that admits callers holding one of `scopes`, and gives them the state.
macro_rules! scoped_caller {
    ($(#[$doc:meta])* $name:ident admits $scopes:expr) => {
        $(#[$doc])*
        pub struct $name {
            pub app: AppState,
            pub caller: Caller,
        }

        impl $name {
            pub const SCOPES: &'static [Scope] = $scopes;
        }

        impl FromRequestParts<V1State> for $name {
            type Rejection = ApiError;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &V1State,
            ) -> Result<Self, Self::Rejection> {
                let caller = authenticate(parts, &state.app.keys)?;
                caller.require(Self::SCOPES)?;
                Ok(Self {
                    app: state.app.clone(),
                    caller,
                })
            }
        }
    };
}

scoped_caller!(
    /// Integrators and the extractor: open runs, send batches, declare their end.
    Ingest admits &[Scope::Ingest]
);
scoped_caller!(
    /// Operators: approvals, undo, dead letters.
    Ops admits &[Scope::Ops]
);
scoped_caller!(
    /// Either: aborting a run is the extractor's way out and an operator's too.
    IngestOrOps admits &[Scope::Ingest, Scope::Ops]
);
scoped_caller!(
    /// Any valid key: reading runs and what they did.
    Reader admits &Scope::ALL
);

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
