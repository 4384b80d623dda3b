//! Trends (`/ops/trends`): records and failures per night for the last full runs of each entity,
//! drawn on the server.
//!
//! Cost: in Redis one `GETEX` (the session); in MySQL one statement.

use askama::Template;
use askama_web::WebTemplate;

use records::{Entity, RunStatus};
use store::ops::trends::{trends, TrendPoint, TREND_RUNS};

use super::error::OpsError;
use super::format::count;
use super::operator::{Chrome, OpsSession};
use super::svg::{bar_chart, Bar};

pub struct EntityTrend {
    pub entity: &'static str,
    pub runs: usize,
    pub records_chart: String,
    pub failures_chart: String,
    pub records_total: String,
    pub failures_total: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "ops/trends.html")]
struct TrendsPage {
    chrome: Chrome,
    trends: Vec<EntityTrend>,
    runs_per_entity: i64,
}

pub async fn trends_page(
    OpsSession {
        app: state,
        operator,
        ..
    }: OpsSession,
) -> Result<impl axum::response::IntoResponse, OpsError> {
    let points = trends(&state.pool).await?;
    Ok(TrendsPage {
        chrome: operator.chrome("trends"),
        trends: Entity::ALL
            .iter()
            .map(|&entity| entity_trend(entity, &points))
            .collect(),
        runs_per_entity: TREND_RUNS,
    })
}

fn entity_trend(entity: Entity, points: &[TrendPoint]) -> EntityTrend {
    let mine: Vec<&TrendPoint> = points.iter().filter(|p| p.entity == entity).collect();
    let bars = |value: fn(&TrendPoint) -> i64| -> Vec<Bar> {
        mine.iter()
            .map(|p| Bar {
                label: p.started_at.format("%m-%d").to_string(),
                tooltip: format!("{} · run {}", p.started_at.format("%Y-%m-%d"), p.run_id),
                value: value(p),
                href: format!("/ops/runs/{}", p.run_id),
                muted: p.status != RunStatus::Completed,
            })
            .collect()
    };
    let name = entity.as_str();
    EntityTrend {
        entity: name,
        runs: mine.len(),
        records_chart: bar_chart(
            &format!("Records per full run of {name}"),
            &bars(|p| p.records),
            "records",
        ),
        failures_chart: bar_chart(
            &format!("Failures per full run of {name}"),
            &bars(TrendPoint::failures),
            "failures",
        ),
        records_total: count(mine.iter().map(|p| p.records).sum()),
        failures_total: count(mine.iter().map(|p| p.failures()).sum()),
    }
}
