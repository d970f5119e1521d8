//! `GET /`: every shop's sync state, counts, API budget, queue and last errors, and a
//! few products with their lists and the reason for every link.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::page;
use crate::model::{Link, ListKind, ProductId};
use crate::server::api::shops::summaries;
use crate::server::views::ShopSummary;
use crate::server::ServerState;
use crate::store::ShopStore;

/// Products shown with their lists, per shop.
const SAMPLES: usize = 6;

#[derive(Template)]
#[template(path = "overview.html")]
struct Overview {
    shops: Vec<ShopSummary>,
    samples: Vec<Sample>,
}

struct Sample {
    shop: String,
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
    let shops = summaries(&state);
    let samples = shops
        .iter()
        .filter_map(|shop| {
            let endpoint = state.shops.get(&shop.name)?;
            Some(Sample {
                shop: shop.name.clone(),
                products: samples(&endpoint.store),
            })
        })
        .collect();
    page(&Overview { shops, samples })
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
