//! The signed-in operator of a dashboard request, and what every page shows of them.
//!
//! Only a session cookie lets a request in: a bearer token (ingest or ops) on `/ops` is ignored,
//! and the request is sent to the sign-in page like any other without a session.

use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::request::Parts;

use super::error::OpsError;
use super::session::{self, read_cookie, same_token, SESSION_COOKIE};
use crate::app::AppState;

/// An operator with a live session.
#[derive(Debug, Clone)]
pub struct Operator {
    pub name: String,
    pub csrf: String,
    /// The cookie's session id, to end it on sign-out.
    pub session_id: String,
}

impl Operator {
    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_form(&self, submitted: &str) -> Result<(), OpsError> {
        if same_token(&self.csrf, submitted) {
            Ok(())
        } else {
            tracing::warn!(operator = %self.name, "dashboard form refused: CSRF token mismatch");
            Err(OpsError::forged_form())
        }
    }

    /// What the layout shows around a page in `section`.
    pub fn chrome(&self, section: &'static str) -> Chrome {
        Chrome {
            operator: self.name.clone(),
            csrf: self.csrf.clone(),
            section,
            notice: None,
        }
    }
}

impl FromRequestParts<AppState> for Operator {
    type Rejection = OpsError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // The URI as sent: under `nest("/ops", …)` `parts.uri` has lost its prefix.
        let next = parts
            .extensions
            .get::<OriginalUri>()
            .map_or(&parts.uri, |original| &original.0)
            .path_and_query()
            .map_or("/ops", |p| p.as_str())
            .to_owned();
        let Some(id) = read_cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(OpsError::SignIn { next });
        };
        let found = session::find(&mut state.redis.clone(), &state.ops, id).await?;
        let Some(found) = found else {
            return Err(OpsError::SignIn { next });
        };
        Ok(Operator {
            name: found.operator,
            csrf: found.csrf,
            session_id: id.to_owned(),
        })
    }
}

/// The layout's part of every page: who is signed in, the sign-out form's token, where we are.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub operator: String,
    pub csrf: String,
    pub section: &'static str,
    /// What the last action did, shown once at the top.
    pub notice: Option<String>,
}
