//! Every column of both entities through tiberius against the mock TDS server: accents,
//! NULLs, exact decimals, dates, and ERP local times turned into UTC.

mod common;

use common::erp::{
    campaign_columns, config, contract_columns, influencer_columns, nullable, text, MockErp,
};
use extractor::mssql::{
    ErpRecord, ErpSource, PageReader, CAMPAIGNS_FULL, CONTRACTS_FULL, INFLUENCERS_FULL,
};
use mssql_mock_tds::{ColumnValue, QueryResponse, Row};
use records::{Campaign, CampaignWire, Contract, ContractWire, Entity, Influencer, InfluencerWire};

const SAO_PAULO: chrono_tz::Tz = chrono_tz::America::Sao_Paulo;

async fn first_page(erp: &ErpSource, entity: Entity, sql: &str) -> Vec<ErpRecord> {
    let connection = erp.connect().await.unwrap();
    let statement = erp.statements().of(entity).full.clone();
    assert_eq!(statement.sql(), sql);
    let mut reader = PageReader::new(connection, statement, entity, SAO_PAULO, 100, None);
    reader.next_page().await.unwrap().unwrap()
}

#[tokio::test]
async fn every_influencer_column_maps_with_accents_nulls_and_utc_timestamps() {
    let mock = MockErp::start().await;
    let rows = vec![
        Row::new(vec![
            ColumnValue::BigInt(41),
            text("Ana Júlia Conceição"),
            text("@anaju.çã"),
            nullable(None),
            nullable(None),
            text("tiktok"),
            ColumnValue::BigInt(1_250_000),
            text("529.982.247-25"),
            text("São João del-Rei"),
            text("MG"),
            text("active"),
            text("2026-11-26T22:00:00.1234567"),
        ]),
        Row::new(vec![
            ColumnValue::BigInt(42),
            text("Estúdio Ñandú Ltda"),
            text("@nandu"),
            nullable(Some("contato@ñandu.com.br")),
            nullable(Some("+55 (41) 99876-5432")),
            text("youtube"),
            ColumnValue::BigInt(0),
            text("11.222.333/0001-81"),
            text("Curitiba"),
            text("PR"),
            text("blocked"),
            text("2026-02-28T23:59:59"),
        ]),
    ];
    mock.register(
        INFLUENCERS_FULL,
        QueryResponse::new(influencer_columns(), rows),
    )
    .await;
    let erp = ErpSource::new(config(mock.addr, 100, "influencers-map.json")).unwrap();

    let page = first_page(&erp, Entity::Influencers, INFLUENCERS_FULL).await;

    let expected = [
        InfluencerWire {
            erp_id: Some(41),
            name: Some("Ana Júlia Conceição".into()),
            handle: Some("@anaju.çã".into()),
            email: None,
            phone: None,
            platform: Some("tiktok".into()),
            followers: Some(1_250_000),
            document: Some("529.982.247-25".into()),
            city: Some("São João del-Rei".into()),
            state: Some("MG".into()),
            status: Some("active".into()),
            source_updated_at: Some("2026-11-27T01:00:00.1234567Z".into()),
        },
        InfluencerWire {
            erp_id: Some(42),
            name: Some("Estúdio Ñandú Ltda".into()),
            handle: Some("@nandu".into()),
            email: Some("contato@ñandu.com.br".into()),
            phone: Some("+55 (41) 99876-5432".into()),
            platform: Some("youtube".into()),
            followers: Some(0),
            document: Some("11.222.333/0001-81".into()),
            city: Some("Curitiba".into()),
            state: Some("PR".into()),
            status: Some("blocked".into()),
            source_updated_at: Some("2026-03-01T02:59:59.0000000Z".into()),
        },
    ];
    let wires: Vec<InfluencerWire> = page
        .iter()
        .map(|r| r.to_wire::<Influencer>().unwrap())
        .collect();
    assert_eq!(wires, expected);
}

#[tokio::test]
async fn every_contract_column_maps_with_exact_decimals_and_dates() {
    let mock = MockErp::start().await;
    let contract = |id: i64, amount: &str, currency: Option<&str>| {
        Row::new(vec![
            ColumnValue::BigInt(id),
            ColumnValue::BigInt(41),
            text("Campanha Verão — Açaí"),
            text(amount),
            nullable(currency),
            text("2026-12-01"),
            text("2027-02-28"),
            text("active"),
            text("2026-11-26T10:30:00.0000001"),
        ])
    };
    let rows = vec![
        contract(7, "999999999999999.9999", None),
        contract(8, "0.0001", Some("USD")),
        contract(9, "1234.5000", Some("BRL")),
    ];
    mock.register(CONTRACTS_FULL, QueryResponse::new(contract_columns(), rows))
        .await;
    let erp = ErpSource::new(config(mock.addr, 100, "contracts-map.json")).unwrap();

    let page = first_page(&erp, Entity::Contracts, CONTRACTS_FULL).await;

    let wire = |id: i64, amount: &str, currency: Option<&str>| ContractWire {
        erp_id: Some(id),
        influencer_erp_id: Some(41),
        campaign: Some("Campanha Verão — Açaí".into()),
        amount: Some(amount.into()),
        currency: currency.map(Into::into),
        starts_on: Some("2026-12-01".into()),
        ends_on: Some("2027-02-28".into()),
        status: Some("active".into()),
        source_updated_at: Some("2026-11-26T13:30:00.0000001Z".into()),
    };
    let wires: Vec<ContractWire> = page
        .iter()
        .map(|r| r.to_wire::<Contract>().unwrap())
        .collect();
    assert_eq!(
        wires,
        [
            wire(7, "999999999999999.9999", None),
            wire(8, "0.0001", Some("USD")),
            wire(9, "1234.5000", Some("BRL")),
        ]
    );
    let json = serde_json::to_value(&page[0]).unwrap();
    assert_eq!(
        json["amount"], "999999999999999.9999",
        "amounts stay text on the wire"
    );
}

#[tokio::test]
async fn every_campaign_column_maps_with_its_budget_exact_and_a_null_currency_left_to_the_api() {
    let mock = MockErp::start().await;
    let rows = vec![Row::new(vec![
        ColumnValue::BigInt(3),
        text("Verão Açaí 2027"),
        text("Açaí Concept"),
        text("2026-12-01"),
        text("2027-02-28"),
        text("250000.1000"),
        nullable(None),
        text("planned"),
        text("2026-11-26T22:00:00.1234567"),
    ])];
    mock.register(CAMPAIGNS_FULL, QueryResponse::new(campaign_columns(), rows))
        .await;
    let erp = ErpSource::new(config(mock.addr, 100, "campaigns-map.json")).unwrap();

    let page = first_page(&erp, Entity::Campaigns, CAMPAIGNS_FULL).await;

    let wire = page[0].to_wire::<Campaign>().unwrap();
    assert_eq!(
        wire,
        CampaignWire {
            erp_id: Some(3),
            name: Some("Verão Açaí 2027".into()),
            brand: Some("Açaí Concept".into()),
            starts_on: Some("2026-12-01".into()),
            ends_on: Some("2027-02-28".into()),
            budget: Some("250000.1000".into()),
            currency: None,
            status: Some("planned".into()),
            source_updated_at: Some("2026-11-27T01:00:00.1234567Z".into()),
        }
    );
    let parsed = Campaign::parse(wire).unwrap();
    assert_eq!(
        (parsed.currency(), parsed.budget().to_string().as_str()),
        ("BRL", "250000.1")
    );
}
