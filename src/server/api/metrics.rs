//! `GET /api/v1/shops/{shop}/metrics?from=YYYY-MM-DD&to=YYYY-MM-DD`: attach rate per
//! list kind for published and held-out anchors, lift with its 95% interval, revenue
//! from recommended pairs, and the daily series (see `recommend::impact`). The period
//! is the last 30 days unless given; `to` is inclusive.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::Json;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{shop, ApiError};
use crate::model::{Order, ProductId, ProductRecs};
use crate::recommend::impact::{measure, Impact, OfferKind};
use crate::server::ServerState;
use crate::store::ShopStore;

/// Days measured unless a period is given.
const DEFAULT_DAYS: i64 = 30;

/// The period asked for.
#[derive(Debug, Default, Deserialize)]
pub struct Period {
    /// First day, inclusive.
    pub from: Option<String>,
    /// Last day, inclusive.
    pub to: Option<String>,
}

/// What was measured over which days.
#[derive(Clone, Debug, Serialize)]
pub struct Measured {
    /// First day, inclusive.
    pub from: NaiveDate,
    /// Last day, inclusive.
    pub to: NaiveDate,
    /// The figures.
    pub impact: Impact,
}

/// `GET /api/v1/shops/{shop}/metrics`.
pub async fn metrics(
    State(state): State<ServerState>,
    Path(name): Path<String>,
    Query(period): Query<Period>,
) -> Result<Json<Measured>, ApiError> {
    Ok(Json(measure_period(&state, &name, &period).await?))
}

/// Measures shop `name` over `period` on a blocking thread: it reads every order.
pub async fn measure_period(
    state: &ServerState,
    name: &str,
    period: &Period,
) -> Result<Measured, ApiError> {
    let endpoint = shop(state, name)?;
    let (from, to) = days(period, Utc::now().date_naive())?;
    let store = endpoint.store.clone();
    tokio::task::spawn_blocking(move || measure_shop(&store, from, to))
        .await
        .map_err(|e| ApiError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
}

/// The inclusive days of `period`, defaulting to the 30 days up to `today`.
pub fn days(period: &Period, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), ApiError> {
    let day = |field: &str, text: Option<&str>| -> Result<Option<NaiveDate>, ApiError> {
        text.filter(|t| !t.trim().is_empty())
            .map(|t| {
                NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d").map_err(|_| {
                    ApiError::invalid(format!("{field}: {t:?} is not a date like 2026-01-31"))
                })
            })
            .transpose()
    };
    let to = day("to", period.to.as_deref())?.unwrap_or(today);
    let from = day("from", period.from.as_deref())?
        .unwrap_or_else(|| to - Duration::days(DEFAULT_DAYS - 1));
    if from > to {
        return Err(ApiError::invalid("from: must not be after to"));
    }
    Ok((from, to))
}

/// Measures the shop's current lists over the orders of the inclusive days. Treated
/// anchors are those whose lists are written; held-out ones have lists computed the
/// same way but never written, so the two groups differ only in being shown.
pub fn measure_shop(
    store: &ShopStore,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Measured, ApiError> {
    let start = midnight(from);
    let end = midnight(to + Duration::days(1));
    let mut lists: HashMap<ProductId, (bool, [Vec<ProductId>; 5])> = HashMap::new();
    for entry in store.all_recs() {
        let (id, recs) = entry?;
        let ids = OfferKind::ALL.map(|kind| offered(&id, &recs, kind));
        lists.insert(id, (recs.holdout, ids));
    }
    let orders: Vec<Order> = store
        .orders()
        .filter_map(Result::ok)
        .filter(|o| o.created_at >= start && o.created_at < end)
        .collect();
    let impact = measure(
        &orders,
        start,
        end,
        |anchor, kind| {
            let index = OfferKind::ALL.iter().position(|k| *k == kind)?;
            lists.get(anchor).map(|(_, ids)| ids[index].as_slice())
        },
        |anchor| lists.get(anchor).is_some_and(|(held, _)| *held),
    );
    Ok(Measured { from, to, impact })
}

/// The items `anchor` offers as `kind`: a list's items, or every bundle partner once.
fn offered(anchor: &ProductId, recs: &ProductRecs, kind: OfferKind) -> Vec<ProductId> {
    match kind {
        OfferKind::List(list) => recs.list(list).iter().map(|l| l.product.clone()).collect(),
        OfferKind::Bundles => {
            let mut partners: Vec<ProductId> = Vec::new();
            for item in recs.bundles.iter().flat_map(|b| &b.items) {
                if item != anchor && !partners.contains(item) {
                    partners.push(item.clone());
                }
            }
            partners
        }
    }
}

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}
