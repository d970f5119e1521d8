//! `GET /api/v1/shops` and `GET /api/v1/shops/{shop}`: sync state, counts, API budget,
//! queue and last errors.

use axum::extract::{Path, State};
use axum::Json;

use super::{shop, ApiError};
use crate::server::views::ShopSummary;
use crate::server::ServerState;

/// Every shop, by name.
#[must_use]
pub fn summaries(state: &ServerState) -> Vec<ShopSummary> {
    state
        .board
        .snapshot()
        .iter()
        .map(|(name, status)| ShopSummary::new(name, status, state.shops.get(name)))
        .collect()
}

/// `GET /api/v1/shops`.
pub async fn list(State(state): State<ServerState>) -> Json<Vec<ShopSummary>> {
    Json(summaries(&state))
}

/// `GET /api/v1/shops/{shop}`.
pub async fn one(
    State(state): State<ServerState>,
    Path(name): Path<String>,
) -> Result<Json<ShopSummary>, ApiError> {
    let endpoint = shop(&state, &name)?;
    let status = state
        .board
        .shop(&name)
        .ok_or_else(|| ApiError::not_found(format!("shop {name:?} has not started")))?;
    Ok(Json(ShopSummary::new(&name, &status, Some(endpoint))))
}
