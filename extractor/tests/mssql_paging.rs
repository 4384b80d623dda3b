//! Keyset paging through tiberius against the mock TDS server (behind the paging proxy): pages
//! follow the key, the last short page ends the read, and a page out of order or too slow fails.

mod common;

use common::erp::{
    config, influencer_columns, influencer_row, start_proxy, MockErp, PagedStatement, ProxyRules,
};
use extractor::mssql::{records, ErpError, ErpRecord, ErpSource, PageReader, INFLUENCERS_FULL};
use futures::TryStreamExt;
use mssql_mock_tds::{QueryResponse, Row};
use records::Entity;

const SAO_PAULO: chrono_tz::Tz = chrono_tz::America::Sao_Paulo;

/// The proxy in front of `mock`, answering the full influencers statement page by page from
/// `table`; its rules record the pages asked for.
async fn serve_influencers_paged(
    mock: &MockErp,
    table: Vec<(i64, Row)>,
) -> (std::net::SocketAddr, ProxyRules) {
    let rules = ProxyRules {
        paged: vec![PagedStatement::over(
            INFLUENCERS_FULL,
            influencer_columns(),
            table,
        )],
        ..ProxyRules::default()
    };
    let addr = start_proxy(mock, rules.clone()).await;
    (addr, rules)
}

/// A reader of the full influencers statement in pages of 10, on a fresh connection.
async fn influencer_pages(erp: &ErpSource) -> PageReader {
    let connection = erp.connect().await.unwrap();
    let statement = erp.statements().of(Entity::Influencers).full.clone();
    PageReader::new(
        connection,
        statement,
        Entity::Influencers,
        SAO_PAULO,
        10,
        None,
    )
}

#[tokio::test]
async fn paging_walks_a_table_larger_than_one_page_in_key_order() {
    let mock = MockErp::start().await;
    // 25 rows with gaps in their keys, 10 to a page: pages of 10, 10 and a last short one of 5.
    let table = (1..=25).map(|n| (n * 3, influencer_row(n * 3))).collect();
    let (addr, rules) = serve_influencers_paged(&mock, table).await;
    let erp = ErpSource::new(config(addr, 10, "paging.json")).unwrap();
    let reader = influencer_pages(&erp).await;

    let all: Vec<ErpRecord> = records(reader).try_collect().await.unwrap();

    let keys: Vec<i64> = all.iter().filter_map(ErpRecord::erp_id).collect();
    assert_eq!(keys, (1..=25).map(|n| n * 3).collect::<Vec<_>>());
    let asked: Vec<(i64, i64)> = rules
        .pages
        .lock()
        .unwrap()
        .iter()
        .map(|p| (p.limit, p.after))
        .collect();
    assert_eq!(asked, [(10, i64::MIN), (10, 30), (10, 60)]);
}

#[tokio::test]
async fn a_table_of_exactly_one_page_asks_once_more_and_stops_on_the_empty_page() {
    let mock = MockErp::start().await;
    let table = (1..=10).map(|n| (n, influencer_row(n))).collect();
    let (addr, rules) = serve_influencers_paged(&mock, table).await;
    let erp = ErpSource::new(config(addr, 10, "one-page.json")).unwrap();
    let reader = influencer_pages(&erp).await;

    let all: Vec<ErpRecord> = records(reader).try_collect().await.unwrap();

    assert_eq!(all.len(), 10);
    assert_eq!(rules.pages.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn rows_out_of_key_order_stop_the_read_instead_of_skipping_rows() {
    let mock = MockErp::start().await;
    let rows = vec![influencer_row(5), influencer_row(4)];
    mock.register(
        INFLUENCERS_FULL,
        QueryResponse::new(influencer_columns(), rows),
    )
    .await;
    let erp = ErpSource::new(config(mock.addr, 10, "order.json")).unwrap();
    let mut reader = influencer_pages(&erp).await;

    let error = reader.next_page().await.unwrap_err().to_string();

    assert!(error.contains("key 4 came after key 5"), "{error}");
}

#[tokio::test]
async fn a_page_the_erp_does_not_answer_in_time_times_out() {
    let mock = MockErp::start().await;
    let slow = QueryResponse::new(influencer_columns(), vec![influencer_row(1)])
        .with_delay(std::time::Duration::from_secs(3));
    mock.register(INFLUENCERS_FULL, slow).await;
    let mut settings = config(mock.addr, 10, "slow.json");
    settings.query_timeout_secs = 1;
    let erp = ErpSource::new(settings).unwrap();
    let mut reader = influencer_pages(&erp).await;

    let error = reader.next_page().await.unwrap_err();

    assert!(
        matches!(
            error,
            ErpError::QueryTimedOut { .. } | ErpError::Connection { .. }
        ),
        "{error:?}"
    );
}
