//! Settings of every dis-sync process: defaults for a developer machine, a TOML file, then `DIS_…` variables.

use std::net::SocketAddr;
use std::path::PathBuf;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

/// Everything the API, the worker and the extractor read from their environment.
///
/// Each field can be set in the config file (`DIS_CONFIG`, default `dis-sync.toml` if present) or
/// by the variable `DIS_<FIELD>` in upper case, which wins.
#[derive(Clone, Serialize, Deserialize)]
pub struct Settings {
    /// MySQL of DIS (`DIS_MYSQL_URL`).
    pub mysql_url: String,
    /// Redis holding the queue (`DIS_REDIS_URL`).
    pub redis_url: String,
    /// Prefix of every Redis key dis-sync writes (`DIS_QUEUE_NAMESPACE`).
    pub queue_namespace: String,
    /// Address the ingest API listens on (`DIS_LISTEN`).
    pub listen: SocketAddr,
    /// The API the extractor posts to (`DIS_API_URL`).
    pub api_url: String,
    /// Bearer token the extractor presents (`DIS_API_TOKEN`).
    pub api_token: String,
    /// API keys the API accepts, `name:scope:sha256hex` separated by commas (`DIS_API_KEYS`).
    pub api_keys: String,
    /// Jobs one worker process applies at once (`DIS_WORKER_CONCURRENCY`).
    pub worker_concurrency: usize,
    /// Attempts of a job before it goes to the dead-letter table (`DIS_JOB_ATTEMPTS`).
    pub job_attempts: u32,
    /// Largest request body the API reads, in bytes (`DIS_MAX_BODY_BYTES`).
    pub max_body_bytes: usize,
    /// Share of an entity a sweep may delete without an operator's approval (`DIS_SWEEP_MAX_SHARE`).
    pub sweep_max_share: f64,
    /// An open or closing run without progress for this long is failed, freeing its entity
    /// (`DIS_RUN_IDLE_LIMIT`, such as `2h` or `90m`).
    #[serde(with = "humantime_serde")]
    pub run_idle_limit: std::time::Duration,
    /// Logs as JSON lines (`DIS_LOG_JSON`); plain text otherwise.
    pub log_json: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            mysql_url: "mysql://root@127.0.0.1:3306/dis".into(),
            redis_url: "redis://127.0.0.1:6379".into(),
            queue_namespace: "dis".into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 4100)),
            api_url: "http://127.0.0.1:4100".into(),
            api_token: String::new(),
            api_keys: String::new(),
            worker_concurrency: 4,
            job_attempts: 5,
            max_body_bytes: 16 * 1024 * 1024,
            sweep_max_share: 0.05,
            run_idle_limit: std::time::Duration::from_hours(2),
            log_json: false,
        }
    }
}

impl Settings {
    /// Reads defaults, then the config file, then the environment.
    pub fn load() -> Result<Self, Box<figment::Error>> {
        let file = std::env::var_os("DIS_CONFIG")
            .map_or_else(|| PathBuf::from("dis-sync.toml"), PathBuf::from);
        Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::file(file))
            .merge(Env::prefixed("DIS_").ignore(&["config"]))
            .extract()
            .map_err(Box::new)
    }
}

/// Secrets stay out of logs: the token, key hashes and any password in a URL are masked.
impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("mysql_url", &redact_url(&self.mysql_url))
            .field("redis_url", &redact_url(&self.redis_url))
            .field("queue_namespace", &self.queue_namespace)
            .field("listen", &self.listen)
            .field("api_url", &self.api_url)
            .field(
                "api_token",
                &if self.api_token.is_empty() { "" } else { "***" },
            )
            .field(
                "api_keys",
                &format!(
                    "{} key(s)",
                    self.api_keys
                        .split(',')
                        .filter(|k| !k.trim().is_empty())
                        .count()
                ),
            )
            .field("worker_concurrency", &self.worker_concurrency)
            .field("job_attempts", &self.job_attempts)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("sweep_max_share", &self.sweep_max_share)
            .field(
                "run_idle_limit",
                &humantime::format_duration(self.run_idle_limit).to_string(),
            )
            .finish_non_exhaustive()
    }
}

/// Masks the password of `scheme://user:password@host/...`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((credentials, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_urls_never_reach_the_debug_output() {
        let settings = Settings {
            mysql_url: "mysql://dis:s3cret@db/dis".into(),
            api_token: "tok3n".into(),
            ..Settings::default()
        };
        let shown = format!("{settings:?}");
        assert!(
            !shown.contains("s3cret") && !shown.contains("tok3n"),
            "{shown}"
        );
        assert!(shown.contains("mysql://dis:***@db/dis"));
    }
}
