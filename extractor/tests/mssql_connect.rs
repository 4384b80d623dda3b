//! Connecting to the ERP: the read-only intent sent at login, and the message for each way a
//! connection fails (login refused, database missing, no TLS, host unreachable).

mod common;

use common::erp::{config, start_proxy, MockErp, ProxyRules};
use extractor::mssql::{ErpError, ErpSource};

#[tokio::test]
async fn the_login_asks_for_a_read_only_application_intent() {
    let mock = MockErp::start().await;
    let rules = ProxyRules::default();
    let addr = start_proxy(&mock, rules.clone()).await;
    let erp = ErpSource::new(config(addr, 10, "intent.json")).unwrap();

    erp.connect().await.unwrap();

    let logins = rules.logins.lock().unwrap();
    // LOGIN7's TypeFlags byte is at offset 26; fReadOnlyIntent is its bit 5.
    assert_eq!(logins[0][26] & 0x20, 0x20, "ApplicationIntent=ReadOnly");
}

async fn connect_error(rules: ProxyRules) -> ErpError {
    let mock = MockErp::start().await;
    let addr = start_proxy(&mock, rules).await;
    let erp = ErpSource::new(config(addr, 10, "refused.json")).unwrap();
    erp.connect().await.unwrap_err()
}

#[tokio::test]
async fn a_refused_login_says_to_check_the_user_and_the_password() {
    let error = connect_error(ProxyRules {
        refuse_login: Some((18456, "Login failed for user 'dis_reader'.".into())),
        ..ProxyRules::default()
    })
    .await;
    assert!(
        matches!(error, ErpError::LoginRefused { code: 18456, .. }),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(
        text.contains("\"dis_reader\"") && text.contains("erp.password"),
        "{text}"
    );
}

#[tokio::test]
async fn a_database_that_cannot_be_opened_is_named() {
    let message = "Cannot open database \"ERP\" requested by the login. The login failed.";
    let error = connect_error(ProxyRules {
        refuse_login: Some((4060, message.into())),
        ..ProxyRules::default()
    })
    .await;
    assert!(
        matches!(error, ErpError::DatabaseUnavailable { code: 4060, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("erp.database"), "{error}");
}

#[tokio::test]
async fn a_server_without_tls_is_refused_with_the_advice_to_turn_encryption_off() {
    let mock = MockErp::start().await;
    let mut settings = config(mock.addr, 10, "tls.json");
    settings.encrypt = true;
    let error = ErpSource::new(settings)
        .unwrap()
        .connect()
        .await
        .unwrap_err();
    assert!(matches!(error, ErpError::Tls { .. }), "{error:?}");
    assert!(error.to_string().contains("erp.encrypt = false"), "{error}");
}

#[tokio::test]
async fn an_unreachable_host_is_named_with_what_to_check() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let error = ErpSource::new(config(addr, 10, "unreachable.json"))
        .unwrap()
        .connect()
        .await
        .unwrap_err();
    assert!(matches!(error, ErpError::Unreachable { .. }), "{error:?}");
    assert!(error.to_string().contains(&addr.to_string()), "{error}");
}
