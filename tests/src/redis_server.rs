//! A Redis of a test's own: a `redis-server` on a free port, which the test may stop, start again
//! and flush without touching the machine's shared Redis. It keeps its data as production's must
//! (`appendonly yes`, in a directory of its own), so a restart loses nothing that was written.

use std::path::PathBuf;
use std::time::Duration;

use crate::child::Child;
use crate::scratch::closed_port;

const LIMIT: Duration = Duration::from_secs(30);

pub struct PrivateRedis {
    pub port: u16,
    dir: PathBuf,
    server: Option<Child>,
}

impl PrivateRedis {
    /// Starts it and waits until it answers.
    pub async fn start() -> Self {
        let port = closed_port();
        let dir =
            std::env::temp_dir().join(format!("dis-faults-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a directory for Redis's data");
        let mut redis = Self {
            port,
            dir,
            server: None,
        };
        redis.start_again().await;
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Starts the server on its port and directory, reading back what it had written; waits
    /// until it answers.
    pub async fn start_again(&mut self) {
        assert!(self.server.is_none(), "Redis is already running");
        let port = self.port.to_string();
        let dir = self.dir.to_string_lossy().into_owned();
        let args = [
            "--port",
            &port,
            "--bind",
            "127.0.0.1",
            "--dir",
            &dir,
            "--appendonly",
            "yes",
            "--save",
            "",
            "--daemonize",
            "no",
            "--protected-mode",
            "no",
        ];
        self.server = Some(Child::spawn("redis-server", &args, &[]));
        let deadline = tokio::time::Instant::now() + LIMIT;
        while !self.answers().await {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the private Redis on port {port} did not answer within {LIMIT:?}: {}",
                self.server.as_ref().map(Child::output).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Stops it as `systemctl stop` or `docker stop` would (SIGTERM: it writes its append-only
    /// file and exits); waits until it has.
    pub async fn stop(&mut self) {
        let mut server = self.server.take().expect("Redis is running");
        server.terminate();
        let code = server.exit_code(LIMIT).await;
        assert_eq!(
            code,
            Some(0),
            "redis-server stopped badly: {}",
            server.output()
        );
    }

    /// `FLUSHALL`: every key gone, as an operator's mistake or a failover to an empty replica
    /// leaves it.
    pub async fn flush_all(&self) {
        let () = redis::cmd("FLUSHALL")
            .query_async(&mut self.connection().await)
            .await
            .expect("FLUSHALL runs");
    }

    pub async fn connection(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.url())
            .expect("a Redis URL")
            .get_multiplexed_async_connection()
            .await
            .expect("the private Redis answers")
    }

    async fn answers(&self) -> bool {
        let Ok(client) = redis::Client::open(self.url()) else {
            return false;
        };
        let Ok(mut conn) = client.get_multiplexed_async_connection().await else {
            return false;
        };
        redis::cmd("PING")
            .query_async::<String>(&mut conn)
            .await
            .is_ok()
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        // The child is killed as it drops; its files go with it.
        self.server.take();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
