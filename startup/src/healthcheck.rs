//! `… healthcheck`: GET /healthz and exit 0 on 200, for Docker's HEALTHCHECK in distroless
//! images, which have no curl.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum HealthError {
    #[error("GET {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("GET {url} answered {status}")]
    Unhealthy { url: String, status: u16 },
}

/// The `/healthz` of a process listening on `listen`: an address that listens everywhere
/// (`0.0.0.0`, `::`) is asked on the loopback.
pub fn url_for(listen: SocketAddr) -> String {
    let ip = match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}/healthz", SocketAddr::new(ip, listen.port()))
}

pub async fn check(url: &str, timeout: Duration) -> Result<(), HealthError> {
    let unreachable = |e: reqwest::Error| HealthError::Unreachable {
        url: url.to_owned(),
        reason: crate::report::one_line(&e),
    };
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .map_err(unreachable)?;
    let status = client.get(url).send().await.map_err(unreachable)?.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(HealthError::Unhealthy {
            url: url.to_owned(),
            status: status.as_u16(),
        })
    }
}

/// Checks `url`, prints the outcome, and returns the exit code: 0 healthy, 1 not.
pub async fn run(url: &str) -> ExitCode {
    match check(url, Duration::from_secs(5)).await {
        Ok(()) => {
            println!("healthy: {url}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("unhealthy: {error}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listener_on_every_address_is_checked_on_the_loopback() {
        assert_eq!(
            url_for("0.0.0.0:4100".parse().unwrap()),
            "http://127.0.0.1:4100/healthz"
        );
        assert_eq!(
            url_for("[::]:9100".parse().unwrap()),
            "http://[::1]:9100/healthz"
        );
        assert_eq!(
            url_for("10.0.0.5:4100".parse().unwrap()),
            "http://10.0.0.5:4100/healthz"
        );
    }

    #[tokio::test]
    async fn nothing_listening_is_unhealthy_and_names_the_url() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = url_for(listener.local_addr().unwrap());
        drop(listener);
        let error = check(&url, Duration::from_secs(2)).await.unwrap_err();
        assert!(error.to_string().contains(&url), "{error}");
    }
}
