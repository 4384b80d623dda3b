//! TLS to MySQL as `DIS_MYSQL_SSL_MODE` asks. The MariaDB these tests run against has no TLS
//! configured, so what can be shown here is the refusal of `required` and what it says to change.

use sqlx::Connection;
use store::{MySqlSettings, Schema, SslMode};

fn server_url() -> String {
    std::env::var("DIS_TEST_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
}

async fn server_has_tls() -> bool {
    let mut server = sqlx::MySqlConnection::connect(&server_url())
        .await
        .expect("the test server answers");
    let (_, have_ssl): (String, String) = sqlx::query_as("SHOW VARIABLES LIKE 'have_ssl'")
        .fetch_one(&mut server)
        .await
        .expect("have_ssl");
    have_ssl == "YES"
}

#[tokio::test]
async fn tls_required_against_a_server_without_tls_is_refused_saying_what_to_change() {
    let mut settings = MySqlSettings::new(format!("{}/information_schema", server_url()));
    settings.ssl_mode = Some(SslMode::Required);
    let result = store::open(&settings, 1, Schema::RequireCurrent).await;
    if server_has_tls().await {
        // Then TLS is negotiated, and only the schema check (information_schema has none) fails.
        assert!(
            matches!(result, Err(store::OpenError::Schema(_))),
            "{result:?}"
        );
        return;
    }
    let message = result.expect_err("no TLS, no connection").to_string();
    assert!(
        message.starts_with(&format!(
            "could not reach MySQL at {} (DIS_MYSQL_URL): TLS failed",
            settings.address()
        )),
        "{message}"
    );
    assert!(
        message.contains("server does not support TLS"),
        "the server, not this build, must be what lacks TLS: {message}"
    );
    assert!(
        message.contains("DIS_MYSQL_SSL_MODE=required, but the server offers no TLS"),
        "{message}"
    );
}

#[tokio::test]
async fn tls_preferred_falls_back_to_a_plain_connection_on_a_server_without_tls() {
    let mut settings = MySqlSettings::new(format!("{}/information_schema", server_url()));
    settings.ssl_mode = Some(SslMode::Preferred);
    let result = store::open(&settings, 1, Schema::RequireCurrent).await;
    assert!(
        matches!(result, Err(store::OpenError::Schema(_))),
        "connected (only the schema check, on a database without one, fails): {result:?}"
    );
}
