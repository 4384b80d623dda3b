//! A fake ERP for the tests: Microsoft's mock TDS server (`mssql-mock-tds`), the configuration
//! pointing at it, and rows of both entities as the reference schema's statements project them.
//! The paging proxy in front of it is `tds_proxy`.

// Each test binary compiles this module and uses only some of the helpers.
#![allow(dead_code, unused_imports)]

use std::net::SocketAddr;
use std::sync::Arc;

use extractor::mssql::ErpConfig;
use mssql_mock_tds::{
    ColumnDefinition, ColumnValue, MockTdsServer, QueryRegistry, QueryResponse, Row, SqlDataType,
};

pub use super::tds_proxy::{start_proxy, PageFn, PageRequest, PagedStatement, ProxyRules};

pub type Registry = Arc<tokio::sync::Mutex<QueryRegistry>>;

/// The mock TDS server, running.
pub struct MockErp {
    pub addr: SocketAddr,
    pub registry: Registry,
}

impl MockErp {
    pub async fn start() -> Self {
        let server = MockTdsServer::new("127.0.0.1:0").await.unwrap();
        let addr = server.local_addr();
        let registry = server.query_registry();
        tokio::spawn(server.run());
        Self { addr, registry }
    }

    pub async fn register(&self, statement: &str, response: QueryResponse) {
        self.registry.lock().await.register(statement, response);
    }

    /// Answers `SYSDATETIME()` with `local`, an ERP local time.
    pub async fn set_clock(&self, local: &str) {
        let response = QueryResponse::new(
            vec![ColumnDefinition::new("ERP_NOW", SqlDataType::NVarChar)],
            vec![Row::new(vec![ColumnValue::NVarChar(local.into())])],
        );
        self.register(extractor::mssql::CLOCK, response).await;
    }
}

/// A configuration pointing at `addr` without TLS, as the mock speaks it.
pub fn config(addr: SocketAddr, page_size: u32, watermarks: &str) -> ErpConfig {
    let watermarks_path = std::env::temp_dir()
        .join(format!("dis-erp-test-{}", std::process::id()))
        .join(watermarks);
    std::fs::create_dir_all(watermarks_path.parent().unwrap()).unwrap();
    let _ = std::fs::remove_file(&watermarks_path);
    ErpConfig {
        host: addr.ip().to_string(),
        port: addr.port(),
        encrypt: false,
        page_size,
        connect_timeout_secs: 5,
        query_timeout_secs: 5,
        watermarks_path,
        ..ErpConfig::default()
    }
}

pub fn text(value: &str) -> ColumnValue {
    ColumnValue::NVarChar(value.into())
}

/// A nullable text column's value: the mock writes NULL correctly only for NVARCHAR(MAX).
pub fn nullable(value: Option<&str>) -> ColumnValue {
    match value {
        Some(value) => ColumnValue::NVarCharMax(vec![value.encode_utf16().collect()]),
        None => ColumnValue::NVarCharMaxNull,
    }
}

pub fn influencer_columns() -> Vec<ColumnDefinition> {
    use SqlDataType::{BigInt, NVarChar, NVarCharMax};
    [
        ("ERP_ID", BigInt),
        ("NAME", NVarChar),
        ("HANDLE", NVarChar),
        ("EMAIL", NVarCharMax),
        ("PHONE", NVarCharMax),
        ("PLATFORM", NVarChar),
        ("FOLLOWERS", BigInt),
        ("DOCUMENT", NVarChar),
        ("CITY", NVarChar),
        ("STATE", NVarChar),
        ("STATUS", NVarChar),
        ("SOURCE_UPDATED_AT", NVarChar),
    ]
    .into_iter()
    .map(|(name, kind)| ColumnDefinition::new(name, kind))
    .collect()
}

pub fn contract_columns() -> Vec<ColumnDefinition> {
    use SqlDataType::{BigInt, NVarChar, NVarCharMax};
    [
        ("ERP_ID", BigInt),
        ("INFLUENCER_ERP_ID", BigInt),
        ("CAMPAIGN", NVarChar),
        ("AMOUNT", NVarChar),
        ("CURRENCY", NVarCharMax),
        ("STARTS_ON", NVarChar),
        ("ENDS_ON", NVarChar),
        ("STATUS", NVarChar),
        ("SOURCE_UPDATED_AT", NVarChar),
    ]
    .into_iter()
    .map(|(name, kind)| ColumnDefinition::new(name, kind))
    .collect()
}

/// A plain influencer row with key `id`, its `UPDATED_AT` as the ERP would project it.
pub fn influencer_row(id: i64) -> Row {
    Row::new(vec![
        ColumnValue::BigInt(id),
        text(&format!("Influencer {id}")),
        text(&format!("@inf{id}")),
        nullable(Some(&format!("inf{id}@example.com.br"))),
        nullable(None),
        text("instagram"),
        ColumnValue::BigInt(id * 10),
        text("52998224725"),
        text("Curitiba"),
        text("PR"),
        text("active"),
        text("2026-11-26T21:00:00.0000000"),
    ])
}

pub fn campaign_columns() -> Vec<ColumnDefinition> {
    use SqlDataType::{BigInt, NVarChar, NVarCharMax};
    [
        ("ERP_ID", BigInt),
        ("NAME", NVarChar),
        ("BRAND", NVarChar),
        ("STARTS_ON", NVarChar),
        ("ENDS_ON", NVarChar),
        ("BUDGET", NVarChar),
        ("CURRENCY", NVarCharMax),
        ("STATUS", NVarChar),
        ("SOURCE_UPDATED_AT", NVarChar),
    ]
    .into_iter()
    .map(|(name, kind)| ColumnDefinition::new(name, kind))
    .collect()
}
