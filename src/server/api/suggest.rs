//! Suggestions for storefronts and emails:
//! - `POST /api/v1/shops/{shop}/cart`: ranked cross-sells for the whole cart, and the
//!   items that close the gap to a free-shipping threshold;
//! - `GET /api/v1/shops/{shop}/customers/{customer}/suggestions`: complements of what
//!   the customer bought minus what they own, and items due for replenishment.
//!
//! Both read only the lists and products they need (no catalog scan), so they answer
//! in about a millisecond on a 50k-product shop (`benches/cart.sh`).

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::Json;
use chrono::Utc;
use serde::Deserialize;

use super::{shop, ApiError};
use crate::model::{CustomerHash, Money, Product, ProductId, ProductRecs};
use crate::platform::customer_key::customer_key;
use crate::recommend::cart::{self, CartLine, CartSuggestions};
use crate::recommend::post_purchase::{self, PostPurchase};
use crate::server::ServerState;
use crate::store::ShopStore;

/// Suggestions per answer unless asked otherwise, and the most asked for.
const DEFAULT_LIMIT: usize = 8;
const MAX_LIMIT: usize = 50;
/// Items per cart the endpoint accepts.
const MAX_CART: usize = 100;
/// Recency half-life for a customer's purchases.
const HALF_LIFE_DAYS: f64 = 90.0;

/// The cart request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CartRequest {
    /// The cart's lines.
    pub items: Vec<CartLine>,
    /// The cart's subtotal as a decimal string; the items' prices when absent.
    pub subtotal: Option<String>,
    /// The shop's free-shipping threshold as a decimal string.
    pub free_shipping_threshold: Option<String>,
    /// Suggestions wanted (default 8, at most 50).
    pub limit: Option<usize>,
}

/// `POST /api/v1/shops/{shop}/cart`.
pub async fn cart(
    State(state): State<ServerState>,
    Path(name): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<CartSuggestions>, ApiError> {
    let endpoint = shop(&state, &name)?;
    let request: CartRequest =
        serde_json::from_slice(&body).map_err(|e| ApiError::invalid(format!("cart: {e}")))?;
    if request.items.is_empty() || request.items.len() > MAX_CART {
        return Err(ApiError::invalid(format!(
            "items: between 1 and {MAX_CART} lines"
        )));
    }
    let subtotal = money("subtotal", request.subtotal.as_deref())?;
    let threshold = money(
        "free_shipping_threshold",
        request.free_shipping_threshold.as_deref(),
    )?;
    let limit = limit(request.limit);
    let anchors: Vec<ProductId> = request.items.iter().map(|l| l.product.clone()).collect();
    let lists = load_lists(&endpoint.store, &anchors)?;
    let products = load_products(&endpoint.store, &anchors, &lists)?;
    Ok(Json(cart::suggest(
        &request.items,
        |id| lists.get(id),
        |id| products.get(id),
        subtotal,
        threshold,
        limit,
    )))
}

/// How many suggestions a customer request wants.
#[derive(Debug, Deserialize)]
pub struct CustomerQuery {
    /// Suggestions wanted (default 8, at most 50).
    pub limit: Option<usize>,
}

/// `GET /api/v1/shops/{shop}/customers/{customer}/suggestions`: `customer` is the
/// platform's customer id (Shopify numeric id or GID, WooCommerce numeric id or a guest's
/// email), hashed on arrival like the stored ones.
pub async fn customer(
    State(state): State<ServerState>,
    Path((name, customer)): Path<(String, String)>,
    Query(query): Query<CustomerQuery>,
) -> Result<Json<PostPurchase>, ApiError> {
    let endpoint = shop(&state, &name)?;
    let salt = state
        .salt
        .as_ref()
        .ok_or_else(|| ApiError::not_found("customer lookups need the install salt"))?;
    let key = customer_key(endpoint.platform, &customer)
        .map_err(|e| ApiError::invalid(format!("customer: {e}")))?;
    let orders = endpoint.store.orders_of(&CustomerHash::new(salt, &key))?;
    let bought: Vec<ProductId> = orders
        .iter()
        .flat_map(|o| o.lines.iter().map(|l| l.product.clone()))
        .collect();
    let lists = load_lists(&endpoint.store, &bought)?;
    Ok(Json(post_purchase::suggest(
        &orders,
        |id| lists.get(id),
        Utc::now(),
        HALF_LIFE_DAYS,
        limit(query.limit),
    )))
}

fn limit(asked: Option<usize>) -> usize {
    asked.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
}

/// An optional decimal amount; the field is named when it is not one.
fn money(field: &str, text: Option<&str>) -> Result<Option<Money>, ApiError> {
    text.map(|t| Money::parse(t).map_err(|e| ApiError::invalid(format!("{field}: {e}"))))
        .transpose()
}

/// The stored lists of `ids` (those that have any).
fn load_lists(
    store: &ShopStore,
    ids: &[ProductId],
) -> Result<HashMap<ProductId, ProductRecs>, ApiError> {
    let mut lists = HashMap::with_capacity(ids.len());
    for id in ids {
        if lists.contains_key(id) {
            continue;
        }
        if let Some(recs) = store.get_recs(id)? {
            lists.insert(id.clone(), recs);
        }
    }
    Ok(lists)
}

/// The cart's products and every product on the lists `cart::suggest` reads
/// (cross-sell, then [`cart::OTHER_KINDS`] for gap closers): all it may ask for.
fn load_products(
    store: &ShopStore,
    anchors: &[ProductId],
    lists: &HashMap<ProductId, ProductRecs>,
) -> Result<HashMap<ProductId, Product>, ApiError> {
    let linked = lists.values().flat_map(|recs| {
        std::iter::once(crate::model::ListKind::CrossSell)
            .chain(cart::OTHER_KINDS)
            .flat_map(move |kind| recs.list(kind).iter().map(|link| &link.product))
    });
    let mut products = HashMap::new();
    for id in anchors.iter().chain(linked) {
        if products.contains_key(id) {
            continue;
        }
        if let Some(product) = store.get_product(id)? {
            products.insert(id.clone(), product);
        }
    }
    Ok(products)
}
