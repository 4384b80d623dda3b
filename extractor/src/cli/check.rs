//! `extractor check`: whether the ERP and the API are reachable and answer as the extractor
//! needs, before the first run or after a configuration change.

use startup::{ConfigFile, ExposeSecret};

use super::{chain, erp_source, CheckArgs, EXIT_COMPLETED, EXIT_FAILED};
use crate::client::{ApiClient, RetryPolicy};
use crate::mssql::{check_erp, Finding};
use crate::settings::ApiSettings;

/// Checks the ERP, then the API, prints one line per finding, and fails if any failed.
pub async fn check(args: &CheckArgs, config_file: Option<&ConfigFile>) -> u8 {
    let mut findings = match erp_source(&args.erp, config_file) {
        Ok(erp) => check_erp(&erp).await,
        Err(problem) => vec![Finding {
            subject: "ERP configuration".into(),
            outcome: Err(problem),
        }],
    };
    match ApiSettings::from_args(&args.api) {
        Ok(api) => {
            let token = api.token().map_or("", ExposeSecret::expose_secret);
            findings.extend(check_api(&api.url, token).await);
        }
        Err(problem) => findings.push(Finding {
            subject: "API configuration".into(),
            outcome: Err(problem.to_string()),
        }),
    }
    for finding in &findings {
        println!("{finding}");
    }
    if findings.iter().all(Finding::ok) {
        EXIT_COMPLETED
    } else {
        EXIT_FAILED
    }
}

/// Whether the API is ready, and whether it accepts the token.
pub async fn check_api(url: &str, token: &str) -> Vec<Finding> {
    // A check reports what it sees now rather than waiting through retries.
    let client = ApiClient::new(url, token).with_retry(RetryPolicy {
        max_attempts: 1,
        ..RetryPolicy::default()
    });
    let subject = format!("API {url}");
    let ready = client
        .ready()
        .await
        .map(|()| "ready (its MySQL and Redis answer)".to_owned())
        .map_err(|e| chain(&e));
    let token = if token.is_empty() {
        Err("no token: set DIS_API_TOKEN (or DIS_API_TOKEN_FILE)".to_owned())
    } else {
        client
            .check_token()
            .await
            .map(|()| "the token is accepted".to_owned())
            .map_err(|e| chain(&e))
    };
    vec![
        Finding {
            subject: subject.clone(),
            outcome: ready,
        },
        Finding {
            subject: format!("{subject} token"),
            outcome: token,
        },
    ]
}
