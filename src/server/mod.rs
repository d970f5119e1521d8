//! The daemon's HTTP side (axum): webhooks in; the admin pages, the JSON API,
//! `/healthz`, `/readyz` and `/metrics` out. Handlers never compute lists or call a
//! platform: a webhook is verified, queued durably and answered; a rule change is
//! stored and queued as a recompute; everything else reads the store and the board.
//!
//! Module map: `routes` (every route, open or behind the token), `webhooks` (the two
//! webhook endpoints), `durable` (group commit before answering), `health`, `metrics`
//! (Prometheus text), `auth` (the admin token), `views` (what pages and API show),
//! `search` (the product index), `admin` (HTML pages), `api` (JSON), `chart` (SVG).

pub mod admin;
pub mod api;
mod auth;
pub mod chart;
mod durable;
mod health;
mod metrics;
pub mod routes;
pub mod search;
pub mod views;
mod webhooks;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use axum::Router;
use tokio::sync::Notify;

use crate::config::Secret;
use crate::model::InstallSalt;
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
    /// The product search index, built on first use.
    search: Arc<OnceLock<search::ProductIndex>>,
}

impl ShopEndpoint {
    /// An endpoint for a shop of `platform` (`PlatformConfig::name`).
    #[must_use]
    pub fn new(
        platform: &'static str,
        store: ShopStore,
        webhook_secret: Option<Secret>,
        wake: Arc<Notify>,
    ) -> Self {
        Self {
            platform,
            store,
            webhook_secret,
            wake,
            search: Arc::default(),
        }
    }

    /// The shop's product search index (built from the store on first use, then kept
    /// current from the store's change feed).
    #[must_use]
    pub fn search(&self) -> &search::ProductIndex {
        self.search
            .get_or_init(|| search::ProductIndex::follow(&self.store))
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
    /// Hashes customer ids given to the API like the stored ones.
    pub salt: Option<InstallSalt>,
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
            salt: None,
        }
    }

    /// With the install salt, for customer lookups.
    #[must_use]
    pub fn with_salt(mut self, salt: InstallSalt) -> Self {
        self.salt = Some(salt);
        self
    }

    /// Marks the daemon ready (`/readyz` answers 200 from now on).
    pub fn set_ready(&self) {
        self.ready.store(true, Ordering::SeqCst);
    }
}

/// Every route of [`routes`]: the open ones as they are, the protected ones behind
/// the admin token.
pub fn router(state: ServerState) -> Router {
    let mut protected = Router::new();
    for route in routes::protected() {
        protected = protected.route(route.path, route.handler);
    }
    let protected = protected.route_layer(axum::middleware::from_fn_with_state(
        state.clone(),
        auth::require_token,
    ));
    let mut open = Router::new();
    for route in routes::open() {
        open = open.route(route.path, route.handler);
    }
    open.merge(protected).with_state(state)
}
