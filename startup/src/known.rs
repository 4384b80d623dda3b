//! Every setting any dis-sync binary reads, by variable. The config file is shared by all
//! binaries, so a key that is some other binary's setting is skipped, while a key that is
//! nobody's (a typo) is refused instead of silently ignored.

/// Every `DIS_…` variable of every binary. A binary's tests check that its own are listed here.
pub const SETTINGS: &[&str] = &[
    "DIS_CONFIG",
    "DIS_LOG_FORMAT",
    "DIS_PROFILE",
    "DIS_SHUTDOWN_TIMEOUT",
    "DIS_MIGRATE",
    "DIS_LISTEN",
    "DIS_METRICS_LISTEN",
    "DIS_MYSQL_URL",
    "DIS_MYSQL_URL_FILE",
    "DIS_MYSQL_SSL_MODE",
    "DIS_MYSQL_SSL_CA",
    "DIS_REDIS_URL",
    "DIS_REDIS_URL_FILE",
    "DIS_QUEUE_NAMESPACE",
    "DIS_API_KEYS",
    "DIS_API_KEYS_FILE",
    "DIS_MAX_BODY_BYTES",
    "DIS_OPS_USERS",
    "DIS_OPS_USERS_FILE",
    "DIS_OPS_COOKIE_SECURE",
    "DIS_OPS_SESSION_IDLE",
    "DIS_SWEEP_MAX_SHARE",
    "DIS_RUN_IDLE_LIMIT",
    "DIS_WORKER_CONCURRENCY",
    "DIS_JOBS_PER_TRANSACTION",
    "DIS_JOB_ATTEMPTS",
    "DIS_API_URL",
    "DIS_API_TOKEN",
    "DIS_API_TOKEN_FILE",
    "DIS_ERP_HOST",
    "DIS_ERP_PORT",
    "DIS_ERP_DATABASE",
    "DIS_ERP_USER",
    "DIS_ERP_PASSWORD",
    "DIS_ERP_PASSWORD_FILE",
    "DIS_ERP_ENCRYPT",
    "DIS_ERP_TRUST_SERVER_CERTIFICATE",
    "DIS_ERP_CA_CERTIFICATE",
    "DIS_ERP_APPLICATION_NAME",
    "DIS_ERP_TIME_ZONE",
    "DIS_ERP_PAGE_SIZE",
    "DIS_ERP_CONNECT_TIMEOUT_SECS",
    "DIS_ERP_QUERY_TIMEOUT_SECS",
    "DIS_ERP_WATERMARKS_PATH",
    "DIS_ERP_INFLUENCERS__FULL",
    "DIS_ERP_INFLUENCERS__INCREMENTAL",
    "DIS_ERP_CAMPAIGNS__FULL",
    "DIS_ERP_CAMPAIGNS__INCREMENTAL",
    "DIS_ERP_CONTRACTS__FULL",
    "DIS_ERP_CONTRACTS__INCREMENTAL",
];

/// Settings whose value is a secret (or holds one, as a password in a URL): `--help` never
/// shows their value, even when the variable is set.
pub const SECRETS: &[&str] = &[
    "DIS_MYSQL_URL",
    "DIS_REDIS_URL",
    "DIS_API_KEYS",
    "DIS_OPS_USERS",
    "DIS_API_TOKEN",
    "DIS_ERP_PASSWORD",
];

pub fn is_setting(variable: &str) -> bool {
    SETTINGS.contains(&variable)
}

pub fn is_secret(variable: &str) -> bool {
    SECRETS.contains(&variable)
}
