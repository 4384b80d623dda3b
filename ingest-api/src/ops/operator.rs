//! Who may use the dashboard, in the type, as on `/v1` ([`crate::auth`]): the state of the `/ops`
//! routes has fields private to this module, so a page reaches MySQL, the queue and Redis only
//! through [`OpsSession`], which admits a live session first. The sign-in form gets a
//! [`Visitor`], which can check credentials and open a session, and nothing else.
//!
//! Only a session cookie lets a request in: a bearer token (ingest or ops) on `/ops` is ignored,
//! and the request is sent to the sign-in page like any other without a session.

use std::sync::Arc;

use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::request::Parts;

use super::config::{OpsConfig, OpsUser};
use super::error::OpsError;
use super::session::{read_cookie, same_token, Sessions, SESSION_COOKIE};
use crate::app::AppState;
use crate::auth::{ApiKeys, Caller};

/// The state of the `/ops` routes; see the module.
#[derive(Clone)]
pub struct OpsState {
    app: AppState,
    sessions: Sessions,
    users: Arc<Vec<OpsUser>>,
}

impl OpsState {
    pub fn new(app: AppState, config: &OpsConfig, namespace: &str) -> Self {
        Self {
            sessions: Sessions::new(app.redis.clone(), namespace, config),
            users: Arc::new(config.users.clone()),
            app,
        }
    }
}

/// A request from an operator with a live session: the API's state, and who they are.
pub struct OpsSession {
    pub app: AppState,
    pub operator: Operator,
    pub sessions: Sessions,
}

impl FromRequestParts<OpsState> for OpsSession {
    type Rejection = OpsError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &OpsState,
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
        let Some(found) = state.sessions.find(id).await? else {
            return Err(OpsError::SignIn { next });
        };
        Ok(Self {
            app: state.app.clone(),
            operator: Operator {
                name: found.operator,
                csrf: found.csrf,
                session_id: id.to_owned(),
            },
            sessions: state.sessions.clone(),
        })
    }
}

/// Anyone at the sign-in form: they can have their credentials checked and a session opened.
pub struct Visitor {
    keys: Arc<ApiKeys>,
    pub users: Arc<Vec<OpsUser>>,
    pub sessions: Sessions,
}

impl Visitor {
    /// Who an API token names, if anyone.
    pub fn caller(&self, token: &str) -> Option<Caller> {
        self.keys.caller(token)
    }
}

impl FromRequestParts<OpsState> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(_: &mut Parts, state: &OpsState) -> Result<Self, Self::Rejection> {
        Ok(Self {
            keys: state.app.keys.clone(),
            users: state.users.clone(),
            sessions: state.sessions.clone(),
        })
    }
}

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

/// The layout's part of every page: who is signed in, the sign-out form's token, where we are.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub operator: String,
    pub csrf: String,
    pub section: &'static str,
    /// What the last action did, shown once at the top.
    pub notice: Option<String>,
}
