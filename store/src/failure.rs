//! The one place that decides whether a failure is worth retrying, isolating, or giving up on.

/// What to do about a failed database operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// Transient: connection lost, deadlock, lock wait timeout, pool exhausted. Retry with backoff.
    Retriable,
    /// The data itself was refused (too long, out of range, bad value): isolate the bad rows.
    BadData,
    /// Anything else: retrying will not help.
    Permanent,
}

/// MySQL/MariaDB server errors that go away by themselves, besides those of [`UNREACHABLE_CODES`].
const RETRIABLE_CODES: &[u16] = &[
    1205, // lock wait timeout
    1213, // deadlock
    1040, // too many connections
    3024, // MySQL: query execution interrupted, max_execution_time
    1969, // MariaDB: query execution interrupted, max_statement_time
];

/// MySQL/MariaDB server errors caused by the values of a row.
const BAD_DATA_CODES: &[u16] = &[
    1048, // column cannot be null
    1264, // out of range
    1265, // data truncated
    1292, // incorrect datetime/date value
    1366, // incorrect string/integer value
    1406, // data too long
    1452, // foreign key fails
    3819, // MySQL: check constraint violated
    4025, // MariaDB: check constraint violated
];

pub fn classify_sqlx(error: &sqlx::Error) -> FailureKind {
    if is_unreachable(error) {
        return FailureKind::Retriable;
    }
    let Some(number) = server_error_number(error) else {
        return FailureKind::Permanent;
    };
    if RETRIABLE_CODES.contains(&number) {
        FailureKind::Retriable
    } else if BAD_DATA_CODES.contains(&number) {
        FailureKind::BadData
    } else {
        FailureKind::Permanent
    }
}

/// MySQL/MariaDB server errors that mean the server or the connection went away.
const UNREACHABLE_CODES: &[u16] = &[
    1053, // server shutdown in progress
    1927, // MariaDB: connection was killed
    2006, // server has gone away
    2013, // lost connection during query
];

/// Whether MySQL could not be reached or the connection broke, rather than MySQL refusing the work.
///
/// Such a failure says nothing about the job: it is waited out, never dead-lettered. After an
/// outage the pool still hands out connections that broke with it, each failing once, which
/// would otherwise use up a job's attempts and dead-letter it just as MySQL comes back.
pub fn is_unreachable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_) => true,
        _ => server_error_number(error).is_some_and(|n| UNREACHABLE_CODES.contains(&n)),
    }
}

/// The MySQL/MariaDB error number of a server error: it says more than the SQLSTATE.
fn server_error_number(error: &sqlx::Error) -> Option<u16> {
    let sqlx::Error::Database(db) = error else {
        return None;
    };
    db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
        .map(sqlx::mysql::MySqlDatabaseError::number)
}

/// HTTP statuses a client should retry: rate limited or a server-side failure.
pub fn is_retriable_status(status: u16) -> bool {
    status == 429 || (500..600).contains(&status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_connection_or_an_empty_pool_is_unreachable_and_a_refusal_is_not() {
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert!(is_unreachable(&sqlx::Error::Io(reset)));
        assert!(is_unreachable(&sqlx::Error::PoolTimedOut));
        assert!(!is_unreachable(&sqlx::Error::RowNotFound));
        assert!(!is_unreachable(&sqlx::Error::ColumnNotFound("x".into())));
    }
}
