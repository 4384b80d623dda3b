//! A database and a queue namespace of a test's own, for tests that run dis-sync's binaries as
//! child processes (which read their settings from the environment), dropped when the test ends.
//! The binaries' own tests include this file, as they do `child.rs`.

use std::sync::atomic::{AtomicU32, Ordering};

/// The MariaDB server tests use; `DIS_TEST_MYSQL_URL` overrides it (no database in the URL).
pub fn server_url() -> String {
    std::env::var("DIS_TEST_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
}

pub fn redis_url() -> String {
    std::env::var("DIS_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A port that refuses connections for as long as this lives: bound, so no other test's server
/// can be given it, and not listening, so a connection to it is refused at once. (A port found
/// free and released, as [`closed_port`] gives, can be taken meanwhile by a server of a test
/// running in parallel: then a connection waits for an answer instead of being refused.)
pub struct RefusingPort {
    _bound: tokio::net::TcpSocket,
    pub port: u16,
}

pub fn refusing_port() -> RefusingPort {
    let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
    socket
        .bind("127.0.0.1:0".parse().expect("an address"))
        .expect("a port");
    let port = socket.local_addr().expect("an address").port();
    RefusingPort {
        _bound: socket,
        port,
    }
}

/// A port nothing listens on now, for a server the test starts on it later.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    listener.local_addr().expect("an address").port()
}

/// A database and a queue namespace of the test's own, dropped when it ends.
pub struct Scratch {
    pub mysql_url: String,
    pub database: String,
    pub namespace: String,
}

impl Scratch {
    pub fn new(name: &str) -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let suffix = format!(
            "{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let database = format!("dis_bin_{name}_{suffix}");
        Self {
            mysql_url: format!("{}/{database}", server_url()),
            database,
            namespace: format!("dis-bin-{name}-{suffix}"),
        }
    }

    /// The environment of a binary using this database and namespace.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("DIS_MYSQL_URL", self.mysql_url.clone()),
            ("DIS_REDIS_URL", redis_url()),
            ("DIS_QUEUE_NAMESPACE", self.namespace.clone()),
        ]
    }

    pub async fn database_exists(&self) -> bool {
        use sqlx::Connection;
        let mut server = sqlx::MySqlConnection::connect(&server_url())
            .await
            .expect("the test server answers");
        let found: Option<String> = sqlx::query_scalar(
            "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
        )
        .bind(&self.database)
        .fetch_optional(&mut server)
        .await
        .expect("information_schema answers");
        found.is_some()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let (mysql_url, namespace) = (self.mysql_url.clone(), self.namespace.clone());
        // Its own runtime, so that it also runs when the test panicked.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async {
                let _ = store::drop_database(&mysql_url).await;
                let _ = queue::clear_namespace(&redis_url(), &namespace).await;
            });
        })
        .join();
    }
}

/// `env` as the borrowed pairs `Child::spawn` takes.
pub fn pairs<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}
