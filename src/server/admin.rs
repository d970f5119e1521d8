//! The admin overview: every shop's sync state, and a few products with their lists and
//! the reason for every link — the first thing `demo` points a browser at.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;

use super::ServerState;
use crate::model::{Link, ListKind, ProductId};
use crate::store::ShopStore;
use crate::sync::status::ShopStatus;

/// Products shown with their lists, per shop.
const SAMPLES: usize = 6;

#[derive(Template)]
#[template(path = "overview.html")]
struct Overview {
    shops: Vec<ShopView>,
}

struct ShopView {
    name: String,
    status: ShopStatus,
    queue: usize,
    lag: String,
    products: Vec<ProductView>,
}

struct ProductView {
    title: String,
    id: String,
    lists: Vec<(&'static str, Vec<LinkView>)>,
}

struct LinkView {
    title: String,
    reason: String,
}

/// `GET /`.
pub async fn overview(State(state): State<ServerState>) -> Response {
    let board = state.board.snapshot();
    let now = Utc::now();
    let shops = board
        .into_iter()
        .map(|(name, status)| {
            let endpoint = state.shops.get(&name);
            ShopView {
                queue: endpoint.map_or(0, |e| e.store.job_count()),
                lag: status
                    .sync_lag(now)
                    .map_or_else(|| "not synced yet".to_owned(), |s| format!("{s:.0} s")),
                products: endpoint.map(|e| samples(&e.store)).unwrap_or_default(),
                name,
                status,
            }
        })
        .collect();
    match (Overview { shops }).render() {
        Ok(html) => Html(html).into_response(),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
    }
}

/// A few products that have lists, with titles and reasons.
fn samples(store: &ShopStore) -> Vec<ProductView> {
    let title = |id: &ProductId| {
        store
            .get_product(id)
            .ok()
            .flatten()
            .map_or_else(|| id.to_string(), |p| p.title)
    };
    let links = |list: &[Link]| {
        list.iter()
            .take(4)
            .map(|link| LinkView {
                title: title(&link.product),
                reason: link.why.describe(),
            })
            .collect::<Vec<_>>()
    };
    store
        .all_recs()
        .filter_map(Result::ok)
        .filter(|(_, recs)| recs.has_lists() && !recs.cross_sell.is_empty())
        .take(SAMPLES)
        .map(|(id, recs)| ProductView {
            title: title(&id),
            id: id.to_string(),
            lists: ListKind::ALL
                .iter()
                .map(|&kind| (kind.as_str(), links(recs.list(kind))))
                .filter(|(_, links)| !links.is_empty())
                .collect(),
        })
        .collect()
}
