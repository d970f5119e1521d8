//! The JSON API under `/api/v1/`: the admin pages' data for scripts and storefront
//! widgets, behind the same token. Every answer is JSON; errors are
//! `{"error": "<what went wrong, naming the field>"}` with a fitting status.
//!
//! Module map: `shops` (status), `products` (search and detail), `rules` (merchant
//! rules), `metrics` (measured lift), `suggest` (cart and post-purchase suggestions).

pub mod metrics;
pub mod products;
pub mod rules;
pub mod shops;
pub mod suggest;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::{ServerState, ShopEndpoint};
use crate::store::StoreError;

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    /// An error with `status` and a message in words.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    /// 404 for something that does not exist.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// 422 for a request that names something wrong.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }

    /// The status.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The message.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        tracing::error!(error = %error, "store error answering the API");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, format!("store: {error}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.message });
        (self.status, Json(body)).into_response()
    }
}

/// The endpoint of shop `name`, or 404.
pub fn shop<'a>(state: &'a ServerState, name: &str) -> Result<&'a ShopEndpoint, ApiError> {
    state
        .shops
        .get(name)
        .ok_or_else(|| ApiError::not_found(format!("no shop named {name:?} is configured")))
}
