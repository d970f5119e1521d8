//! The daemon's HTTP side (axum): webhooks in, and read-only views out — `/healthz`,
//! `/readyz`, `/metrics` and the admin overview. Handlers never compute or call a
//! platform: a webhook is verified, queued durably and answered; everything else reads
//! the store and the status board.
//!
//! Module map: `webhooks` (the two webhook endpoints), `durable` (group commit before
//! answering), `health`, `metrics` (Prometheus text), `auth` (the admin token) and
//! `admin` (the overview page).

mod admin;
mod auth;
mod durable;
mod health;
mod metrics;
mod webhooks;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;
use tokio::sync::Notify;

use crate::config::{PlatformConfig, Secret};
use crate::store::{ShopStore, Store};
use crate::sync::status::StatusBoard;

pub use durable::Flusher;

/// What the server knows of one configured shop.
#[derive(Clone)]
pub struct ShopEndpoint {
    /// `shopify` or `woocommerce`.
    pub platform: &'static str,
    /// The shop's trees (its job queue among them).
    pub store: ShopStore,
    /// The webhook signing secret; without one every delivery is refused.
    pub webhook_secret: Option<Secret>,
    /// Wakes the shop's pipeline when a job is queued.
    pub wake: Arc<Notify>,
}

impl ShopEndpoint {
    /// An endpoint for a shop of `platform`.
    #[must_use]
    pub fn new(
        platform: &PlatformConfig,
        store: ShopStore,
        webhook_secret: Option<Secret>,
        wake: Arc<Notify>,
    ) -> Self {
        Self {
            platform: platform.name(),
            store,
            webhook_secret,
            wake,
        }
    }
}

/// Everything the handlers share.
#[derive(Clone)]
pub struct ServerState {
    /// Enabled shops by name.
    pub shops: Arc<HashMap<String, ShopEndpoint>>,
    /// The whole store (for group commits).
    pub flusher: Flusher,
    /// Pipelines' status.
    pub board: StatusBoard,
    /// Largest webhook body accepted.
    pub body_limit: usize,
    /// The admin token; admin pages are closed without one.
    pub admin_token: Option<Secret>,
    /// Set once every pipeline has started.
    pub ready: Arc<AtomicBool>,
}

impl ServerState {
    /// State for `shops`, with a flusher for `store`.
    #[must_use]
    pub fn new(
        store: &Store,
        shops: HashMap<String, ShopEndpoint>,
        board: StatusBoard,
        body_limit: usize,
        admin_token: Option<Secret>,
    ) -> Self {
        Self {
            shops: Arc::new(shops),
            flusher: Flusher::start(store.clone()),
            board,
            body_limit,
            admin_token,
            ready: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Marks the daemon ready (`/readyz` answers 200 from now on).
    pub fn set_ready(&self) {
        self.ready.store(true, Ordering::SeqCst);
    }
}

/// Every route. Webhooks carry their own signature; health and `/metrics` are open,
/// like most exporters (counts, never data; the listener stays on loopback by default);
/// admin pages need the token.
pub fn router(state: ServerState) -> Router {
    let admin = Router::new().route("/", get(admin::overview)).route_layer(
        axum::middleware::from_fn_with_state(state.clone(), auth::require_token),
    );
    Router::new()
        .route("/webhooks/shopify/{shop}", post(webhooks::shopify))
        .route("/webhooks/woocommerce/{shop}", post(webhooks::woocommerce))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::metrics))
        .merge(admin)
        .with_state(state)
}
