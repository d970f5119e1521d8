//! `GET /api/v1/shops/{shop}/products?q=&page=&per_page=` (search by title, handle,
//! SKU or id) and `GET /api/v1/shops/{shop}/products/{id}` (lists with explanations,
//! what the platform holds, holdout, rules). Ids with `/` (Shopify GIDs) are sent
//! percent-encoded.

use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;

use super::{shop, ApiError};
use crate::model::ProductId;
use crate::server::search::Page;
use crate::server::views::ProductDetail;
use crate::server::ServerState;

/// Results per page unless asked otherwise.
pub const PER_PAGE: usize = 25;

/// Search parameters.
#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    /// Words that must all appear in the title, handle, a SKU or the id.
    #[serde(default)]
    pub q: String,
    /// 1-based page.
    pub page: Option<usize>,
    /// Results per page (at most 200).
    pub per_page: Option<usize>,
}

/// `GET /api/v1/shops/{shop}/products`.
pub async fn search(
    State(state): State<ServerState>,
    Path(name): Path<String>,
    Query(query): Query<SearchQuery>,
) -> Result<Json<Page>, ApiError> {
    let endpoint = shop(&state, &name)?;
    Ok(Json(endpoint.search().search(
        &query.q,
        query.page.unwrap_or(1),
        query.per_page.unwrap_or(PER_PAGE),
    )))
}

/// `GET /api/v1/shops/{shop}/products/{id}`.
pub async fn detail(
    State(state): State<ServerState>,
    Path((name, id)): Path<(String, String)>,
) -> Result<Json<ProductDetail>, ApiError> {
    load_detail(&state, &name, &id).map(Json)
}

/// Product `id` of shop `name`, or 404 naming what is missing.
pub fn load_detail(state: &ServerState, name: &str, id: &str) -> Result<ProductDetail, ApiError> {
    let endpoint = shop(state, name)?;
    ProductDetail::load(name, &endpoint.store, &ProductId::new(id.to_owned()))?
        .ok_or_else(|| ApiError::not_found(format!("shop {name:?} has no product {id:?}")))
}
