//! Operators' sessions. The browser holds a random id in an `HttpOnly; SameSite=Strict` cookie;
//! the session (who signed in, the CSRF token of their forms) lives in Redis under the id's
//! SHA-256, so every API replica on that Redis knows it, and reading Redis yields no cookie.
//! A session not used for `session_idle` expires on its own.

use std::fmt::Write;
use std::time::Duration;

use apalis_redis::{ConnectionManager, RedisError};
use axum::http::{HeaderMap, HeaderValue};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::config::OpsConfig;

pub const SESSION_COOKIE: &str = "dis_ops_session";
/// Carries the sign-in form's CSRF token (double submit): there is no session yet to hold it.
pub const SIGN_IN_COOKIE: &str = "dis_ops_sign_in";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    /// The operator's name, or the name of the ops key they signed in with.
    pub operator: String,
    /// Every state-changing form of the session carries it.
    pub csrf: String,
}

/// 256 random bits from the thread's CSPRNG (seeded by the OS), as hex.
pub fn random_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// Compares two tokens in constant time.
pub fn same_token(expected: &str, submitted: &str) -> bool {
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(submitted.as_bytes()))
}

/// Where sessions live and how long they last: Redis, under `{namespace}:ops:session:`, so
/// every API replica on the same Redis knows every session.
#[derive(Clone)]
pub struct Sessions {
    redis: ConnectionManager,
    prefix: String,
    idle: Duration,
    /// Adds `Secure` to the cookies (`DIS_OPS_COOKIE_SECURE`).
    pub secure: bool,
}

impl Sessions {
    pub fn new(redis: ConnectionManager, namespace: &str, config: &OpsConfig) -> Self {
        Self {
            redis,
            prefix: format!("{namespace}:ops:session:"),
            idle: config.session_idle,
            secure: config.cookie_secure,
        }
    }

    fn key(&self, id: &str) -> String {
        format!(
            "{}{}",
            self.prefix,
            hex::encode(Sha256::digest(id.as_bytes()))
        )
    }

    fn idle_seconds(&self) -> u64 {
        self.idle.as_secs().max(1)
    }

    /// Opens a session for `operator`; returns the id for the cookie.
    pub async fn start(&self, operator: &str) -> Result<String, RedisError> {
        let id = random_token();
        let session = Session {
            operator: operator.to_owned(),
            csrf: random_token(),
        };
        let body = serde_json::to_string(&session).expect("a session serializes");
        let () = redis::cmd("SET")
            .arg(self.key(&id))
            .arg(body)
            .arg("EX")
            .arg(self.idle_seconds())
            .query_async(&mut self.redis.clone())
            .await?;
        Ok(id)
    }

    /// The session of `id`, its idle timer restarted (one `GETEX`); none when unknown or expired.
    pub async fn find(&self, id: &str) -> Result<Option<Session>, RedisError> {
        let body: Option<String> = redis::cmd("GETEX")
            .arg(self.key(id))
            .arg("EX")
            .arg(self.idle_seconds())
            .query_async(&mut self.redis.clone())
            .await?;
        Ok(body.and_then(|b| serde_json::from_str(&b).ok()))
    }

    pub async fn end(&self, id: &str) -> Result<(), RedisError> {
        let _: i64 = redis::cmd("DEL")
            .arg(self.key(id))
            .query_async(&mut self.redis.clone())
            .await?;
        Ok(())
    }

    /// A `Set-Cookie` value for this dashboard's cookies; see [`cookie`].
    pub fn cookie(
        &self,
        name: &str,
        value: &str,
        path: &str,
        max_age: Option<Duration>,
    ) -> HeaderValue {
        cookie(name, value, path, max_age, self.secure)
    }
}

/// The value of cookie `name` in the request, if any.
pub fn read_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .flat_map(|h| h.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: `HttpOnly; SameSite=Strict`, `Secure` when asked; `max_age` zero
/// deletes the cookie, none makes it last as long as the browser session.
pub fn cookie(
    name: &str,
    value: &str,
    path: &str,
    max_age: Option<Duration>,
    secure: bool,
) -> HeaderValue {
    let mut cookie = format!("{name}={value}; Path={path}; HttpOnly; SameSite=Strict");
    if let Some(age) = max_age {
        let _ = write!(cookie, "; Max-Age={}", age.as_secs());
    }
    if secure {
        cookie.push_str("; Secure");
    }
    HeaderValue::from_str(&cookie).expect("cookie names and hex values are valid header text")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_is_found_among_others_and_only_by_its_exact_name() {
        let mut headers = HeaderMap::new();
        headers.append(
            "cookie",
            HeaderValue::from_static("a=1; dis_ops_session=abc"),
        );
        headers.append("cookie", HeaderValue::from_static("x_dis_ops_session=no"));
        assert_eq!(read_cookie(&headers, SESSION_COOKIE), Some("abc"));
        assert_eq!(read_cookie(&headers, "dis_ops"), None);
    }

    #[test]
    fn the_session_cookie_is_http_only_strict_and_secure_when_asked() {
        let plain = cookie(SESSION_COOKIE, "v", "/ops", None, false);
        assert_eq!(
            plain.to_str().unwrap(),
            "dis_ops_session=v; Path=/ops; HttpOnly; SameSite=Strict"
        );
        let gone = cookie(SESSION_COOKIE, "", "/ops", Some(Duration::ZERO), true);
        assert!(gone.to_str().unwrap().ends_with("; Max-Age=0; Secure"));
    }

    #[test]
    fn tokens_are_random_and_compared_whole() {
        let token = random_token();
        assert_eq!(token.len(), 64);
        assert_ne!(token, random_token());
        assert!(same_token(&token, &token.clone()));
        assert!(!same_token(&token, &token[..63]));
        assert!(!same_token("", ""));
    }
}
