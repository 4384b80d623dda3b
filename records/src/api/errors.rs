//! The one error body of the API, `{"error": {"code", "message"}}`, and every code it sends.

use serde::{Deserialize, Serialize};

/// What every refusal of the API carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    pub code: ErrorCode,
    /// For people: what is wrong and, when it can, what to do about it.
    pub message: String,
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            error: ErrorDetail {
                code,
                message: message.into(),
            },
        }
    }
}

/// Every code the API sends, each with the HTTP status it goes with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// No token, an unknown one, or not `Bearer <token>`.
    Unauthorized,
    /// A valid token of a scope the route does not take.
    Forbidden,
    NotFound,
    MethodNotAllowed,
    /// The request is malformed; the message says how.
    BadRequest,
    /// The body is over `DIS_MAX_BODY_BYTES`.
    PayloadTooLarge,
    /// MySQL or Redis is unavailable; the request can be retried as it is.
    Unavailable,
    Internal,
    /// A full run of the entity is not finished yet.
    FullRunOpen,
    /// A batch number already received with a different body.
    BatchConflict,
    /// The run takes no more batches (or not this batch number).
    RunNotAccepting,
    /// The run's end cannot be declared: it is no longer open.
    RunNotOpen,
    RunNotAbortable,
    /// Only a held sweep can be approved.
    RunNotHeld,
    /// Incremental runs never delete, so they have no sweep.
    NotAFullRun,
    NothingToUndo,
    AlreadyReplayed,
    UnreadablePayload,
    /// A code this build does not know, from a newer API.
    #[serde(other)]
    Unrecognized,
}

impl ErrorCode {
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::BadRequest => 400,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::Unavailable => 503,
            ErrorCode::Internal | ErrorCode::Unrecognized => 500,
            ErrorCode::FullRunOpen
            | ErrorCode::BatchConflict
            | ErrorCode::RunNotAccepting
            | ErrorCode::RunNotOpen
            | ErrorCode::RunNotAbortable
            | ErrorCode::RunNotHeld
            | ErrorCode::NotAFullRun
            | ErrorCode::NothingToUndo
            | ErrorCode::AlreadyReplayed
            | ErrorCode::UnreadablePayload => 409,
        }
    }
}

/// The code as it travels, such as `full_run_open`.
impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(code)) => f.write_str(&code),
            _ => Err(std::fmt::Error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_travel_as_their_names_and_an_unknown_one_is_still_read() {
        let body = ErrorBody::new(ErrorCode::FullRunOpen, "run 7 is open");
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"error": {"code": "full_run_open", "message": "run 7 is open"}})
        );
        assert_eq!(ErrorCode::FullRunOpen.to_string(), "full_run_open");
        let newer: ErrorBody =
            serde_json::from_str(r#"{"error": {"code": "quota_exceeded", "message": "x"}}"#)
                .unwrap();
        assert_eq!(newer.error.code, ErrorCode::Unrecognized);
    }
}
