//! `GET /products?shop=&q=&page=` (search) and `GET /shops/{shop}/products/{id}`
//! (every list with its reasons, what the platform holds, the holdout, the rules).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::{error_page, page, shop_names};
use crate::server::api::products::{load_detail, PER_PAGE};
use crate::server::api::ApiError;
use crate::server::search::Page;
use crate::server::views::ProductDetail;
use crate::server::ServerState;

#[derive(Template)]
#[template(path = "products.html")]
struct Search {
    shops: Vec<String>,
    shop: String,
    q: String,
    page: Option<Page>,
}

#[derive(Template)]
#[template(path = "product.html")]
struct Detail {
    d: ProductDetail,
}

/// Search parameters; the first shop when none is named.
#[derive(Deserialize)]
pub struct SearchQuery {
    shop: Option<String>,
    #[serde(default)]
    q: String,
    page: Option<usize>,
}

/// `GET /products`.
pub async fn search(
    State(state): State<ServerState>,
    Query(query): Query<SearchQuery>,
) -> Response {
    let shops = shop_names(&state);
    let name = query
        .shop
        .or_else(|| shops.first().cloned())
        .unwrap_or_default();
    let found = match state.shops.get(&name) {
        Some(endpoint) => Some(endpoint.search().search(
            &query.q,
            query.page.unwrap_or(1),
            PER_PAGE,
        )),
        None if shops.is_empty() => None,
        None => {
            return error_page(&ApiError::not_found(format!(
                "no shop named {name:?} is configured"
            )))
        }
    };
    page(&Search {
        shops,
        shop: name,
        q: query.q,
        page: found,
    })
}

/// `GET /shops/{shop}/products/{id}`.
pub async fn detail(
    State(state): State<ServerState>,
    Path((name, id)): Path<(String, String)>,
) -> Response {
    match load_detail(&state, &name, &id) {
        Ok(d) => page(&Detail { d }),
        Err(error) => error_page(&error),
    }
}
