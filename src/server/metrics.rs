//! `/metrics`: Prometheus text, built from the status board and the job queues at each
//! scrape (prometheus-client does the encoding). Every series is labelled by shop.

use std::sync::atomic::AtomicU64;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use chrono::Utc;
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use super::ServerState;
use crate::sync::status::ShopStatus;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ShopLabels {
    shop: String,
    platform: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    shop: String,
    outcome: String,
}

type Counters = Family<ShopLabels, Counter>;
type Gauges = Family<ShopLabels, Gauge<f64, AtomicU64>>;

/// A counter per shop: name, help, and how to read it from a status.
type CounterSpec = (&'static str, &'static str, fn(&ShopStatus) -> u64);

const COUNTERS: [CounterSpec; 9] = [
    (
        "upsell_sync_api_requests",
        "HTTP requests sent to the platform, retries included",
        |s| s.usage.requests,
    ),
    (
        "upsell_sync_api_retries",
        "Platform requests repeated after a failure",
        |s| s.usage.retries,
    ),
    (
        "upsell_sync_api_throttled",
        "Refusals for going too fast: Shopify THROTTLED or WooCommerce 429",
        |s| s.usage.throttled,
    ),
    (
        "upsell_sync_api_unavailable",
        "503 answers from the platform",
        |s| s.usage.unavailable,
    ),
    (
        "upsell_sync_api_points_spent",
        "Shopify query cost points spent",
        |s| s.usage.points_spent,
    ),
    (
        "upsell_sync_push_fields",
        "Platform fields written or deleted by pushes",
        |s| s.fields_written,
    ),
    (
        "upsell_sync_push_requests",
        "Requests sent by pushes",
        |s| s.push_requests,
    ),
    (
        "upsell_sync_errors",
        "Errors recorded (pull, compute, push, webhook jobs)",
        |s| s.errors_total,
    ),
    (
        "upsell_sync_jobs_applied",
        "Webhook jobs that changed the store",
        |s| s.jobs_applied,
    ),
];

/// The scrape.
pub async fn metrics(State(state): State<ServerState>) -> impl IntoResponse {
    match render(&state) {
        Ok(text) => (
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            text,
        ),
        Err(error) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            error.to_string(),
        ),
    }
}

fn render(state: &ServerState) -> Result<String, std::fmt::Error> {
    let mut registry = Registry::default();
    let snapshot = state.board.snapshot();
    let now = Utc::now();
    for (name, help, read) in COUNTERS {
        let family = Counters::default();
        registry.register(name, help, family.clone());
        for (shop, status) in &snapshot {
            family
                .get_or_create(&labels(shop, status))
                .inc_by(read(status));
        }
    }
    let gauge = |registry: &mut Registry, name: &str, help: &str| {
        let family = Gauges::default();
        registry.register(name, help, family.clone());
        family
    };
    let queue = gauge(
        &mut registry,
        "upsell_sync_queue_depth",
        "Webhook jobs waiting in the shop's queue",
    );
    let lag = gauge(
        &mut registry,
        "upsell_sync_sync_lag_seconds",
        "Seconds since the last successful pull",
    );
    let failing = gauge(
        &mut registry,
        "upsell_sync_failures",
        "Failed passes in a row (0 when healthy)",
    );
    let stopped = gauge(
        &mut registry,
        "upsell_sync_stopped",
        "1 when the shop is stopped (uninstalled, redacted)",
    );
    let products = gauge(
        &mut registry,
        "upsell_sync_products",
        "Products in the store",
    );
    let orders = gauge(&mut registry, "upsell_sync_orders", "Orders counted");
    for (shop, status) in &snapshot {
        let labels = labels(shop, status);
        if let Some(endpoint) = state.shops.get(shop) {
            queue
                .get_or_create(&labels)
                .set(endpoint.store.job_count() as f64);
        }
        if let Some(seconds) = status.sync_lag(now) {
            lag.get_or_create(&labels).set(seconds);
        }
        failing
            .get_or_create(&labels)
            .set(f64::from(status.failures));
        stopped
            .get_or_create(&labels)
            .set(if status.halted.is_some() { 1.0 } else { 0.0 });
        products.get_or_create(&labels).set(status.products as f64);
        orders.get_or_create(&labels).set(status.orders as f64);
    }
    let webhooks = Family::<OutcomeLabels, Counter>::default();
    registry.register(
        "upsell_sync_webhooks",
        "Webhook deliveries by outcome (accepted, duplicate, unauthorized, too_large, bad_request, ping, store_error)",
        webhooks.clone(),
    );
    for (shop, status) in &snapshot {
        for (outcome, count) in &status.webhooks {
            let labels = OutcomeLabels {
                shop: shop.clone(),
                outcome: (*outcome).to_owned(),
            };
            webhooks.get_or_create(&labels).inc_by(*count);
        }
    }
    let mut text = String::new();
    encode(&mut text, &registry)?;
    Ok(text)
}

fn labels(shop: &str, status: &ShopStatus) -> ShopLabels {
    ShopLabels {
        shop: shop.to_owned(),
        platform: status.platform.to_owned(),
    }
}
