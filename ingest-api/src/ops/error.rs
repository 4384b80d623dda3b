//! The dashboard's one error type: a page that says what went wrong, with the right status, or
//! a trip to the sign-in page. Internals stay in the logs, as on `/v1`.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::error::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    /// No session (or an expired one): sign in, then come back to `next`.
    #[error("sign in first")]
    SignIn { next: String },
    #[error("{1}")]
    Page(StatusCode, String),
}

impl OpsError {
    pub fn not_found(what: impl Into<String>) -> Self {
        OpsError::Page(StatusCode::NOT_FOUND, what.into())
    }

    pub fn bad_request(what: impl Into<String>) -> Self {
        OpsError::Page(StatusCode::BAD_REQUEST, what.into())
    }

    /// A form whose CSRF token is missing or wrong: refused, nothing done.
    pub fn forged_form() -> Self {
        OpsError::Page(
            StatusCode::FORBIDDEN,
            "this form is stale or did not come from the dashboard; nothing was done. \
             Go back, reload the page and try again."
                .into(),
        )
    }
}

/// `/v1`'s answers keep their status and message: a refused action reads the same in both.
impl From<ApiError> for OpsError {
    fn from(error: ApiError) -> Self {
        let message = error.to_string();
        // The JSON response carries the status `/v1` gives this error (and logs internals).
        let status = error.into_response().status();
        OpsError::Page(status, message)
    }
}

impl From<sqlx::Error> for OpsError {
    fn from(error: sqlx::Error) -> Self {
        ApiError::from(error).into()
    }
}

impl From<apalis_redis::RedisError> for OpsError {
    fn from(error: apalis_redis::RedisError) -> Self {
        tracing::warn!(%error, "Redis failed under the dashboard");
        OpsError::Page(
            StatusCode::SERVICE_UNAVAILABLE,
            "Redis is unavailable; try again in a moment".into(),
        )
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "ops/error.html")]
struct ErrorPage {
    status: u16,
    reason: &'static str,
    message: String,
}

impl IntoResponse for OpsError {
    fn into_response(self) -> Response {
        match self {
            OpsError::SignIn { next } => {
                let target = format!("/ops/login?next={}", encode_query_value(&next));
                Redirect::to(&target).into_response()
            }
            OpsError::Page(status, message) => {
                let page = ErrorPage {
                    status: status.as_u16(),
                    reason: status.canonical_reason().unwrap_or("Error"),
                    message,
                };
                (status, page).into_response()
            }
        }
    }
}

/// Percent-encodes everything but unreserved characters and `/`.
pub fn encode_query_value(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_action_keeps_the_status_and_words_of_the_json_api() {
        let error = OpsError::from(ApiError::conflict(
            records::api::ErrorCode::RunNotHeld,
            "run 7 is open, not held",
        ));
        match error {
            OpsError::Page(status, message) => {
                assert_eq!(status, StatusCode::CONFLICT);
                assert_eq!(message, "run 7 is open, not held");
            }
            OpsError::SignIn { .. } => panic!("not a sign-in"),
        }
    }

    #[test]
    fn the_page_to_return_to_is_encoded_into_the_sign_in_address() {
        assert_eq!(
            encode_query_value("/ops/runs?entity=contracts&page=2"),
            "/ops/runs%3Fentity%3Dcontracts%26page%3D2"
        );
    }
}
