//! One connection to the ERP: SQL Server authentication, TLS as configured, a read-only
//! application intent, timeouts, and nothing but verified SELECTs sent over it.

use std::time::Duration;

use tiberius::error::Error as TdsError;
use tiberius::{AuthMethod, Client, Config, EncryptionLevel, Row, ToSql};
use tokio::net::TcpStream;
use tokio_util::compat::{Compat, TokioAsyncWriteCompatExt};

use super::config::ErpConfig;
use super::errors::{Attempt, ErpError};
use super::readonly::VerifiedSelect;

/// Redirections followed at login: a read-only intent on an availability group listener is
/// routed to a secondary replica, which answers for itself.
const MAX_ROUTINGS: usize = 2;

/// A logged-in connection that can only run [`VerifiedSelect`]s.
pub struct ErpConnection {
    client: Client<Compat<TcpStream>>,
    query_timeout: Duration,
}

impl std::fmt::Debug for ErpConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ErpConnection")
            .field("query_timeout", &self.query_timeout)
            .finish_non_exhaustive()
    }
}

impl ErpConnection {
    /// Connects and logs in, within `erp.connect_timeout_secs`.
    pub async fn open(config: &ErpConfig) -> Result<Self, ErpError> {
        let mut host = config.host.clone();
        let mut port = config.port;
        for _ in 0..=MAX_ROUTINGS {
            let address = format!("{host}:{port}");
            let attempt = Attempt {
                address: &address,
                user: &config.user,
                database: &config.database,
            };
            let login = tokio::time::timeout(
                config.connect_timeout(),
                login(tiberius_config(config, &host, port), &address),
            );
            match login.await {
                Err(_) => {
                    return Err(ErpError::ConnectTimedOut {
                        address,
                        after: config.connect_timeout(),
                    })
                }
                Ok(Err(LoginError::Tcp(error))) => {
                    return Err(ErpError::Unreachable {
                        address,
                        reason: error.to_string(),
                    })
                }
                Ok(Err(LoginError::Tds(TdsError::Routing {
                    host: routed,
                    port: routed_port,
                }))) => {
                    tracing::info!(from = %address, to = %format!("{routed}:{routed_port}"), "the ERP routes the read-only connection");
                    host = routed;
                    port = routed_port;
                }
                Ok(Err(LoginError::Tds(error))) => {
                    return Err(ErpError::from_connect(error, &attempt))
                }
                Ok(Ok(client)) => {
                    return Ok(Self {
                        client,
                        query_timeout: config.query_timeout(),
                    })
                }
            }
        }
        Err(ErpError::Connection {
            what: format!("connecting to {}", config.address()),
            detail: format!("routed more than {MAX_ROUTINGS} times"),
        })
    }

    /// Runs `statement` and returns the rows of its first result, within `erp.query_timeout_secs`.
    /// `what` says which page or check this is, for messages.
    pub async fn select(
        &mut self,
        statement: &VerifiedSelect,
        params: &[&dyn ToSql],
        what: &str,
    ) -> Result<Vec<Row>, ErpError> {
        let query = async {
            self.client
                .query(statement.sql(), params)
                .await?
                .into_first_result()
                .await
        };
        match tokio::time::timeout(self.query_timeout, query).await {
            Ok(Ok(rows)) => Ok(rows),
            Ok(Err(error)) => Err(ErpError::from_query(error, what)),
            Err(_) => Err(ErpError::QueryTimedOut {
                what: what.to_owned(),
                after: self.query_timeout,
            }),
        }
    }
}

enum LoginError {
    Tcp(std::io::Error),
    Tds(TdsError),
}

async fn login(config: Config, address: &str) -> Result<Client<Compat<TcpStream>>, LoginError> {
    let tcp = TcpStream::connect(address).await.map_err(LoginError::Tcp)?;
    tcp.set_nodelay(true).map_err(LoginError::Tcp)?;
    // The handshake's future is large (17 kB); boxed, it does not bloat every caller's.
    Box::pin(Client::connect(config, tcp.compat_write()))
        .await
        .map_err(LoginError::Tds)
}

fn tiberius_config(erp: &ErpConfig, host: &str, port: u16) -> Config {
    let mut config = Config::new();
    config.host(host);
    config.port(port);
    config.database(&erp.database);
    config.application_name(&erp.application_name);
    config.authentication(AuthMethod::sql_server(&erp.user, &erp.password));
    // The extractor only reads: on an availability group this sends it to a readable secondary
    // and keeps it off the primary the ERP's users work on.
    config.readonly(true);
    config.handshake_timeout(Some(erp.connect_timeout()));
    config.command_timeout(Some(erp.query_timeout()));
    if erp.encrypt {
        config.encryption(EncryptionLevel::Required);
        if erp.trust_server_certificate {
            config.trust_cert();
        } else if let Some(ca) = &erp.ca_certificate {
            config.trust_cert_ca(ca.display());
        }
    } else {
        config.encryption(EncryptionLevel::NotSupported);
    }
    config
}
