//! Errors of the API client, and the one rule deciding which of them are worth retrying.

use std::time::Duration;

use records::api::{ErrorBody, ErrorCode};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::StatusCode;

/// A request that failed for good: retries, if it was worth any, are exhausted.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The API answered with an error status and, usually, its JSON error body.
    #[error("{request}: the API answered {status}{}: {message}", code.map(|c| format!(" {c}")).unwrap_or_default())]
    Refused {
        request: String,
        status: u16,
        /// The API's error code; `None` when the body was not the API's (a proxy's page, say).
        code: Option<ErrorCode>,
        message: String,
        retry_after: Option<Duration>,
    },
    /// No usable answer: the connection failed, timed out or broke.
    #[error("{request}: no answer from the API")]
    Transport {
        request: String,
        #[source]
        source: reqwest::Error,
    },
    /// A success status with a body this client does not understand.
    #[error("{request}: unexpected answer from the API: {detail}")]
    UnexpectedAnswer { request: String, detail: String },
}

impl ApiError {
    /// The HTTP status of a refusal.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Refused { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The API's error code of a refusal, such as [`ErrorCode::FullRunOpen`].
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Refused { code, .. } => *code,
            _ => None,
        }
    }

    /// The API's own explanation of a refusal.
    pub fn message(&self) -> Option<&str> {
        match self {
            Self::Refused { message, .. } => Some(message),
            _ => None,
        }
    }

    /// Whether trying again may succeed. A request that is not safe to replay (it creates
    /// something) is only retried when the server cannot have acted on it.
    pub(super) fn worth_retrying(&self, replay: Replay) -> bool {
        let safe = replay == Replay::Safe;
        match self {
            Self::Refused { status, .. } => match *status {
                429 | 503 => true,
                500..=599 => safe,
                _ => false,
            },
            Self::Transport { source, .. } => {
                source.is_connect()
                    || (safe && (source.is_timeout() || source.is_request() || source.is_body()))
            }
            Self::UnexpectedAnswer { .. } => false,
        }
    }

    pub(super) fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Refused { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// Whether sending a request twice does the same as sending it once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Replay {
    Safe,
    CreatesSomething,
}

/// Reads the API's error body, or makes do with whatever came back.
pub(super) fn refusal(
    request: String,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> ApiError {
    let (code, message) = match serde_json::from_slice::<ErrorBody>(body) {
        Ok(ErrorBody { error }) => (Some(error.code), error.message),
        Err(_) => (None, excerpt(body)),
    };
    let retry_after = headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    ApiError::Refused {
        request,
        status: status.as_u16(),
        code,
        message,
        retry_after,
    }
}

pub(super) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    match text.char_indices().nth(300) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.into_owned(),
    }
}
