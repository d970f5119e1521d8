//! Tests of the simulator over HTTP, the way the daemon's client talks to it: a real
//! server on `127.0.0.1:0`, requests with reqwest, time from a `ManualClock`.

mod auth;
mod bulk;
mod bulk_mutation;
mod faults;
mod metafields;
mod queries;
mod throttle;

use std::sync::Arc;

use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::{json, Value};

use super::{SimConfig, SimShopify};
use crate::platform::retry::ManualClock;

pub(super) const VERSION: &str = "2026-10";
pub(super) const TOKEN: &str = "shpat_test";

pub(super) const PRODUCTS: &str = include_str!("../../../../graphql/shopify/products.graphql");
pub(super) const ORDERS: &str = include_str!("../../../../graphql/shopify/orders.graphql");
pub(super) const PRODUCT_IDS: &str =
    include_str!("../../../../graphql/shopify/product_ids.graphql");
pub(super) const PRODUCT_METAFIELDS: &str =
    include_str!("../../../../graphql/shopify/product_metafields.graphql");
pub(super) const PRODUCTS_COUNT: &str =
    include_str!("../../../../graphql/shopify/products_count.graphql");
pub(super) const ORDERS_COUNT: &str =
    include_str!("../../../../graphql/shopify/orders_count.graphql");
pub(super) const METAFIELDS_SET: &str =
    include_str!("../../../../graphql/shopify/metafields_set.graphql");
pub(super) const METAFIELDS_DELETE: &str =
    include_str!("../../../../graphql/shopify/metafields_delete.graphql");
pub(super) const APP_SCOPES: &str = include_str!("../../../../graphql/shopify/app_scopes.graphql");
pub(super) const SHOP_INFO: &str = include_str!("../../../../graphql/shopify/shop_info.graphql");
pub(super) const RUN_QUERY: &str =
    include_str!("../../../../graphql/shopify/bulk_operation_run_query.graphql");
pub(super) const RUN_MUTATION: &str =
    include_str!("../../../../graphql/shopify/bulk_operation_run_mutation.graphql");
pub(super) const POLL: &str = include_str!("../../../../graphql/shopify/bulk_operation.graphql");
pub(super) const CANCEL: &str =
    include_str!("../../../../graphql/shopify/bulk_operation_cancel.graphql");
pub(super) const STAGED: &str =
    include_str!("../../../../graphql/shopify/staged_uploads_create.graphql");
pub(super) const BULK_PRODUCTS: &str =
    include_str!("../../../../graphql/shopify/bulk/products.graphql");
pub(super) const BULK_ORDERS: &str =
    include_str!("../../../../graphql/shopify/bulk/orders.graphql");

/// A running simulator, its clock and an HTTP client.
pub(super) struct Harness {
    pub sim: SimShopify,
    pub clock: ManualClock,
    pub http: reqwest::Client,
}

/// A small generated shop with a manual clock.
pub(super) fn small() -> SimConfig {
    SimConfig::default()
        .with_generated(11, 100, 400)
        .with_token(TOKEN)
}

impl Harness {
    pub async fn start(config: SimConfig) -> Self {
        let clock = ManualClock::new();
        let sim = SimShopify::start(config.with_clock(Arc::new(clock.clone())))
            .await
            .expect("simulator starts");
        Self {
            sim,
            clock,
            http: reqwest::Client::new(),
        }
    }

    pub async fn small() -> Self {
        Self::start(small()).await
    }

    /// Posts a raw body with the right token.
    pub async fn raw(&self, body: Value) -> (StatusCode, HeaderMap, String) {
        let response = self
            .http
            .post(self.sim.graphql_url(VERSION))
            .header("X-Shopify-Access-Token", TOKEN)
            .json(&body)
            .send()
            .await
            .expect("request sent");
        let status = response.status();
        let headers = response.headers().clone();
        (status, headers, response.text().await.expect("body"))
    }

    /// Runs `query` with `variables`; the JSON answer of an HTTP 200.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        let (status, _, body) = self
            .raw(json!({"query": query, "variables": variables}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        serde_json::from_str(&body).expect("JSON answer")
    }

    /// Downloads a URL the simulator handed out.
    pub async fn download(&self, url: &str) -> String {
        let response = self.http.get(url).send().await.expect("download");
        assert_eq!(response.status(), StatusCode::OK);
        response.text().await.expect("file")
    }
}

/// The non-empty lines of a JSONL file, parsed.
pub(super) fn jsonl(text: &str) -> Vec<Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}
