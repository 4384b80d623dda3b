//! What can go wrong with the ERP, each with a message an operator can act on.

use std::time::Duration;

use tiberius::error::Error as TdsError;

/// SQL Server's error numbers for a refused login: wrong user or password, account locked or
/// disabled, password expired or to be changed, SQL Server authentication not enabled.
const LOGIN_REFUSED: &[u32] = &[18452, 18456, 18470, 18486, 18487, 18488];
/// The login worked but its database cannot be opened or used.
const DATABASE_UNAVAILABLE: &[u32] = &[4060, 4062, 4064, 911, 916];

const TLS_CERTIFICATE_HINT: &str = "if the server's certificate is self-signed, set \
erp.ca_certificate to its CA, or erp.trust_server_certificate = true on a network you trust";
const TLS_UNSUPPORTED_HINT: &str = "the server offers no TLS (an older SQL Server without a \
certificate): set erp.encrypt = false to connect without encryption, login included";

/// A failure talking to the ERP.
#[derive(Debug, thiserror::Error)]
pub enum ErpError {
    #[error("the ERP at {address} cannot be reached: {reason}; check erp.host and erp.port, that SQL Server accepts TCP connections on that port and that no firewall is in the way")]
    Unreachable { address: String, reason: String },
    #[error("the ERP at {address} did not complete the connection within {} s (erp.connect_timeout_secs)", .after.as_secs())]
    ConnectTimedOut { address: String, after: Duration },
    #[error("SQL Server refused the login of {user:?}: {message} (error {code}); check erp.user and erp.password, and that the server allows SQL Server authentication")]
    LoginRefused {
        user: String,
        code: u32,
        message: String,
    },
    #[error("logged in, but the database {database:?} cannot be opened: {message} (error {code}); check erp.database and that {user:?} is a user of it")]
    DatabaseUnavailable {
        database: String,
        user: String,
        code: u32,
        message: String,
    },
    #[error("TLS with the ERP at {address} failed: {detail}; {hint}")]
    Tls {
        address: String,
        detail: String,
        hint: &'static str,
    },
    #[error("{what}: SQL Server answered error {code}: {message}")]
    Server {
        what: String,
        code: u32,
        message: String,
    },
    #[error("{what}: no answer from the ERP within {} s (erp.query_timeout_secs)", .after.as_secs())]
    QueryTimedOut { what: String, after: Duration },
    #[error("{what}: the connection to the ERP failed: {detail}")]
    Connection { what: String, detail: String },
    #[error("{what}: {problem}")]
    Result { what: String, problem: String },
}

/// What was being done when an error came, for the messages.
pub(crate) struct Attempt<'a> {
    pub address: &'a str,
    pub user: &'a str,
    pub database: &'a str,
}

impl ErpError {
    /// Classifies an error met while connecting and logging in.
    pub(crate) fn from_connect(error: TdsError, attempt: &Attempt<'_>) -> Self {
        let address = attempt.address.to_owned();
        match error {
            TdsError::Server(token) if LOGIN_REFUSED.contains(&token.code()) => {
                Self::LoginRefused {
                    user: attempt.user.to_owned(),
                    code: token.code(),
                    message: token.message().to_owned(),
                }
            }
            TdsError::Server(token) if DATABASE_UNAVAILABLE.contains(&token.code()) => {
                Self::DatabaseUnavailable {
                    database: attempt.database.to_owned(),
                    user: attempt.user.to_owned(),
                    code: token.code(),
                    message: token.message().to_owned(),
                }
            }
            TdsError::Tls(detail) => Self::Tls {
                address,
                hint: TLS_CERTIFICATE_HINT,
                detail,
            },
            // tiberius says this when the server answers the prelogin without TLS.
            TdsError::Protocol(detail) if detail.contains("encryption") => Self::Tls {
                address,
                detail: detail.into_owned(),
                hint: TLS_UNSUPPORTED_HINT,
            },
            TdsError::Io { kind, message } => match kind {
                std::io::ErrorKind::TimedOut => Self::Connection {
                    what: format!("connecting to {address}"),
                    detail: format!("the handshake timed out ({message})"),
                },
                _ => Self::Unreachable {
                    address,
                    reason: message,
                },
            },
            other => Self::from_query(other, &format!("logging in to {address}")),
        }
    }

    /// Classifies an error met while running `what` (such as `influencers.full, page after 5000`).
    pub(crate) fn from_query(error: TdsError, what: &str) -> Self {
        let what = what.to_owned();
        match error {
            TdsError::Server(token) => Self::Server {
                what,
                code: token.code(),
                message: token.message().to_owned(),
            },
            TdsError::Io {
                kind: std::io::ErrorKind::TimedOut,
                ..
            } => Self::Connection {
                what,
                detail: "the server stopped answering (erp.query_timeout_secs)".into(),
            },
            TdsError::Io { message, .. } => Self::Connection {
                what,
                detail: message,
            },
            other => Self::Connection {
                what,
                detail: other.to_string(),
            },
        }
    }

    pub(crate) fn result(what: &str, problem: impl Into<String>) -> Self {
        Self::Result {
            what: what.to_owned(),
            problem: problem.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt() -> Attempt<'static> {
        Attempt {
            address: "erp:1433",
            user: "dis_reader",
            database: "ERP",
        }
    }

    #[test]
    fn a_server_without_tls_gets_the_advice_to_turn_encryption_off() {
        let error = ErpError::from_connect(
            TdsError::Protocol("Server does not allow the requested encryption level.".into()),
            &attempt(),
        );
        assert!(error.to_string().contains("erp.encrypt = false"), "{error}");
    }

    #[test]
    fn a_refused_certificate_gets_the_advice_to_trust_it() {
        let error = ErpError::from_connect(
            TdsError::Tls("invalid peer certificate: UnknownIssuer".into()),
            &attempt(),
        );
        assert!(
            error.to_string().contains("erp.trust_server_certificate"),
            "{error}"
        );
    }

    #[test]
    fn a_connection_refused_names_the_address_and_what_to_check() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused");
        let error = ErpError::from_connect(io.into(), &attempt());
        let text = error.to_string();
        assert!(
            text.contains("erp:1433") && text.contains("erp.port"),
            "{text}"
        );
    }
}
