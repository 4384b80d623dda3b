//! Where the queue's Redis is: the settings of the API and the worker, what they become once read,
//! and connecting with errors that say what to fix.

use std::path::PathBuf;
use std::time::Duration;

use apalis_redis::{ConnectionManager, RedisError};
use clap::Args;
use startup::secret::{redact_url, secret};
use startup::{DependencyError, ExposeSecret, Profile, SecretString, SettingsError};

/// What `DIS_PROFILE=dev` connects to when no URL is given.
pub const DEV_REDIS_URL: &str = "redis://127.0.0.1:6379";

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Redis (the queue)")]
pub struct RedisArgs {
    /// The queue's Redis, redis://[:PASSWORD@]HOST:PORT[/DB]. Required unless DIS_PROFILE=dev,
    /// which uses redis://127.0.0.1:6379
    #[arg(long, value_name = "URL", env = "DIS_REDIS_URL")]
    pub redis_url: Option<String>,
    /// A file holding DIS_REDIS_URL (a mounted secret), instead of the variable
    #[arg(long, value_name = "PATH", env = "DIS_REDIS_URL_FILE")]
    pub redis_url_file: Option<PathBuf>,
    /// Prefix of every Redis key dis-sync writes; the API and its workers must share it
    #[arg(
        long,
        value_name = "PREFIX",
        env = "DIS_QUEUE_NAMESPACE",
        default_value = "dis"
    )]
    pub queue_namespace: String,
}

/// The queue's Redis, read and checked: the URL parses.
#[derive(Clone)]
pub struct RedisSettings {
    url: SecretString,
    pub namespace: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Unreachable(#[from] DependencyError),
}

/// Redis answers in microseconds, but on a busy host the task that reads an answer can wait its
/// turn for longer than redis-rs's default 500 ms; the timeout then fails a worker's fetch or ack
/// although Redis did its part. A dead Redis is still noticed, by the connection error.
const REDIS_RESPONSE_TIMEOUT: Duration = Duration::from_secs(10);
const REDIS_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

impl RedisSettings {
    /// Settings built in code (tests, tools).
    pub fn new(url: impl Into<String>, namespace: impl Into<String>) -> Self {
        Self {
            url: url.into().into(),
            namespace: namespace.into(),
        }
    }

    pub fn from_args(args: &RedisArgs, profile: Profile) -> Result<Self, SettingsError> {
        let url = secret(
            "DIS_REDIS_URL",
            args.redis_url.clone(),
            args.redis_url_file.as_deref(),
        )?;
        let url = match (url, profile) {
            (Some(url), _) => url,
            (None, Profile::Dev) => DEV_REDIS_URL.into(),
            (None, Profile::Production) => {
                return Err(SettingsError::missing_url(
                    "Redis",
                    "DIS_REDIS_URL",
                    DEV_REDIS_URL,
                ))
            }
        };
        let settings = Self {
            url,
            namespace: args.queue_namespace.clone(),
        };
        settings.client()?;
        Ok(settings)
    }

    fn client(&self) -> Result<apalis_redis::Client, SettingsError> {
        apalis_redis::Client::open(self.url.expose_secret()).map_err(|e| {
            SettingsError::invalid(
                "DIS_REDIS_URL",
                format!(
                    "not a URL such as redis://[:PASSWORD@]HOST:6379 ({})",
                    e.detail().unwrap_or(e.category())
                ),
            )
        })
    }

    /// `host:port`, for messages: never the credentials.
    pub fn address(&self) -> String {
        self.client().map_or_else(
            |_| "(an unreadable DIS_REDIS_URL)".to_owned(),
            |c| c.get_connection_info().addr().to_string(),
        )
    }

    pub fn redacted_url(&self) -> String {
        redact_url(self.url.expose_secret())
    }

    /// A reconnecting connection, shared by the queues of a process.
    pub async fn connect(&self) -> Result<ConnectionManager, ConnectError> {
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_response_timeout(Some(REDIS_RESPONSE_TIMEOUT))
            .set_connection_timeout(Some(REDIS_CONNECT_TIMEOUT));
        tracing::info!(redis = %self.redacted_url(), "connecting to Redis");
        self.client()?
            .get_connection_manager_with_config(config)
            .await
            .map_err(|e| self.unreachable(&e).into())
    }

    /// "could not reach Redis at host:port (DIS_REDIS_URL): …" with what to look at.
    pub fn unreachable(&self, error: &RedisError) -> DependencyError {
        let (problem, hint) = if error.is_connection_refusal() {
            (
                "connection refused",
                "is Redis running there, and are the host and port of DIS_REDIS_URL right?",
            )
        } else if error.is_timeout() {
            ("no answer", "is a firewall dropping the connection?")
        } else if error.kind() == redis::ErrorKind::AuthenticationFailed {
            (
                "the password was refused",
                "check the password of DIS_REDIS_URL (or DIS_REDIS_URL_FILE)",
            )
        } else {
            ("", "is DIS_REDIS_URL the right server?")
        };
        let problem = if problem.is_empty() {
            startup::report::one_line(error)
        } else {
            problem.to_owned()
        };
        DependencyError::new("Redis", self.address(), "DIS_REDIS_URL", problem).hint(hint)
    }
}

impl std::fmt::Debug for RedisSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisSettings")
            .field("url", &self.redacted_url())
            .field("namespace", &self.namespace)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(url: Option<&str>) -> RedisArgs {
        RedisArgs {
            redis_url: url.map(str::to_owned),
            redis_url_file: None,
            queue_namespace: "dis".into(),
        }
    }

    #[test]
    fn production_refuses_to_start_without_a_url_and_names_the_variable() {
        let error = RedisSettings::from_args(&args(None), Profile::Production).unwrap_err();
        assert!(error.to_string().contains("set DIS_REDIS_URL"), "{error}");
    }

    #[test]
    fn a_url_that_does_not_parse_is_refused_without_quoting_its_password() {
        let error = RedisSettings::from_args(&args(Some("http://:s3cret@cache")), Profile::Dev)
            .unwrap_err();
        let message = error.to_string();
        assert!(message.starts_with("DIS_REDIS_URL: "), "{message}");
        assert!(!message.contains("s3cret"), "{message}");
    }

    #[test]
    fn the_password_never_reaches_the_debug_output() {
        let settings = RedisSettings::new("redis://:s3cret@cache:6379", "dis");
        let shown = format!("{settings:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("cache:6379"), "{shown}");
    }
}
