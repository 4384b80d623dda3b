//! The API's one error type: every failure becomes the shared body `{"error": {"code", "message"}}`
//! (`records::api::ErrorBody`) with its code's status, and internals stay in the logs.

use axum::extract::rejection::{BytesRejection, JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use records::api::{ErrorBody, ErrorCode};
use store::failure::{classify_sqlx, FailureKind};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{message}")]
    Conflict { code: ErrorCode, message: String },
    #[error("{0}")]
    BadRequest(String),
    #[error("{}", too_large(*limit))]
    TooLarge {
        /// The limit, when the handler knows it.
        limit: Option<usize>,
    },
    #[error("{0}")]
    Unavailable(String),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

fn too_large(limit: Option<usize>) -> String {
    let limit = limit.map_or_else(String::new, |bytes| format!(" of {bytes} bytes"));
    format!(
        "the request body is larger than the API's limit{limit} (DIS_MAX_BODY_BYTES); \
         send smaller batches"
    )
}

impl ApiError {
    pub fn conflict(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError::Conflict {
            code,
            message: message.into(),
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::Unauthorized(_) => ErrorCode::Unauthorized,
            ApiError::Forbidden(_) => ErrorCode::Forbidden,
            ApiError::NotFound(_) => ErrorCode::NotFound,
            ApiError::Conflict { code, .. } => *code,
            ApiError::BadRequest(_) => ErrorCode::BadRequest,
            ApiError::TooLarge { .. } => ErrorCode::PayloadTooLarge,
            ApiError::Unavailable(_) => ErrorCode::Unavailable,
            ApiError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// A body this handler could not read, `limit` being the most it takes.
    pub fn unreadable_body(rejection: BytesRejection, limit: usize) -> Self {
        match rejection {
            BytesRejection::FailedToBufferBody(_) => ApiError::TooLarge { limit: Some(limit) },
            other => ApiError::BadRequest(other.body_text()),
        }
    }
}

/// The error body with its code's status; every answer of the API that is not a success is one.
pub fn error_response(code: ErrorCode, message: String) -> Response {
    let status =
        StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, Json(ErrorBody::new(code, message))).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            "www-authenticate",
            axum::http::HeaderValue::from_static("Bearer"),
        );
    }
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(e) = &self {
            tracing::error!(error = ?e, "request failed");
        }
        error_response(self.code(), self.to_string())
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        match classify_sqlx(&e) {
            FailureKind::Retriable => {
                tracing::warn!(error = %e, "database unavailable");
                ApiError::Unavailable("the database is unavailable; retry later".into())
            }
            _ => ApiError::Internal(e.into()),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::BytesRejection(BytesRejection::FailedToBufferBody(_)) => {
                ApiError::TooLarge { limit: None }
            }
            other => ApiError::BadRequest(other.body_text()),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::BadRequest(rejection.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::BadRequest(rejection.body_text())
    }
}

/// JSON bodies whose rejections are [`ApiError`]s.
#[derive(axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// Path parameters whose rejections are [`ApiError`]s.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// Query strings whose rejections are [`ApiError`]s.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);
