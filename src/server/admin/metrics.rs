//! `GET /shops/{shop}/metrics?from=&to=`: the measured impact of the lists — attach
//! rate per list kind with and without the lists (the holdout), lift with its 95%
//! interval, revenue from recommended pairs — as a table and two inline SVG charts.
//! `/impact` goes to the first shop's page.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;

use super::{error_page, first_shop, page, shop_names};
use crate::model::Money;
use crate::recommend::impact::KindImpact;
use crate::server::api::metrics::{measure_period, Measured, Period};
use crate::server::chart::{attach_bars, daily_lines, BarGroup, DayRates};
use crate::server::ServerState;

#[derive(Template)]
#[template(path = "metrics.html")]
struct MetricsPage {
    shops: Vec<String>,
    shop: String,
    measured: Measured,
    rows: Vec<Row>,
    bars: String,
    lines: String,
}

/// One list kind in words.
struct Row {
    kind: &'static str,
    treated: String,
    holdout: String,
    lift: String,
    revenue: String,
}

/// `GET /impact`.
pub async fn first(State(state): State<ServerState>) -> Response {
    first_shop(&state, "metrics")
}

/// `GET /shops/{shop}/metrics`.
pub async fn show(
    State(state): State<ServerState>,
    Path(name): Path<String>,
    Query(period): Query<Period>,
) -> Response {
    let measured = match measure_period(&state, &name, &period).await {
        Ok(measured) => measured,
        Err(error) => return error_page(&error),
    };
    let groups: Vec<BarGroup> = measured
        .impact
        .kinds
        .iter()
        .map(BarGroup::from_impact)
        .collect();
    let days: Vec<DayRates> = measured
        .impact
        .daily
        .iter()
        .map(DayRates::from_point)
        .collect();
    let bars = attach_bars("Attach rate by list: published against holdout", &groups).replacen(
        "<svg ",
        "<svg id=\"attach-chart\" ",
        1,
    );
    let lines = daily_lines("Attach rate per day, all lists", &days).replacen(
        "<svg ",
        "<svg id=\"daily-chart\" ",
        1,
    );
    page(&MetricsPage {
        shops: shop_names(&state),
        shop: name,
        rows: measured.impact.kinds.iter().map(row).collect(),
        measured,
        bars,
        lines,
    })
}

fn row(kind: &KindImpact) -> Row {
    let rate = |c: crate::recommend::impact::AttachCount| match c.rate() {
        Some(rate) => format!("{:.1}% ({} of {})", rate * 100.0, c.attached, c.occurrences),
        None => "no orders".to_owned(),
    };
    Row {
        kind: kind.kind.as_str(),
        treated: rate(kind.treated),
        holdout: rate(kind.holdout),
        lift: kind.lift.map_or_else(
            || "not measurable yet".to_owned(),
            |l| {
                format!(
                    "{:+.1}% (95% CI {:+.1}% to {:+.1}%)",
                    l.estimate * 100.0,
                    l.low * 100.0,
                    l.high * 100.0
                )
            },
        ),
        revenue: Money::to_string(&kind.revenue),
    }
}
