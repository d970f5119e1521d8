//! What to simulate: the shop's data, credentials, API versions, scopes, rate limits,
//! clock, bulk-operation pacing and webhook retries. Defaults describe a Standard-plan shop with a fresh
//! custom app; tests override what they exercise.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};

use crate::platform::retry::{Clock, SystemClock};
use crate::sim::catalog::{generate, ShopSpec, SyntheticShop};

/// Settings of a simulated shop. Build with [`SimConfig::default`] and the `with_*`
/// methods, or set the public fields directly.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// The catalog and order history to serve; `None` is an empty shop.
    pub shop: Option<SyntheticShop>,
    /// The only `X-Shopify-Access-Token` accepted.
    pub access_token: String,
    /// API versions the shop still serves, oldest first.
    pub api_versions: Vec<String>,
    /// Version to report in `X-Shopify-API-Version` regardless of the request; `None`
    /// echoes a supported request and "falls forward" to the oldest supported otherwise.
    pub answer_version: Option<String>,
    /// Access scopes granted to the app.
    pub scopes: Vec<String>,
    /// Bucket size in cost points (Standard plan: 2,000).
    pub bucket_max: f64,
    /// Points restored per second (Standard plan: 100).
    pub restore_rate: f64,
    /// The largest requested cost of a single query (1,000 on every plan).
    pub max_query_cost: u64,
    /// Monotonic time for the bucket; a [`ManualClock`](crate::platform::retry::ManualClock)
    /// makes throttling tests instant.
    pub clock: Arc<dyn Clock>,
    /// Wall-clock time at start; the shop's "now" is this plus the clock's elapsed time.
    pub now: DateTime<Utc>,
    /// Shift the synthetic order history so its last order falls just before `now`
    /// (the generator dates orders in 2025); `false` keeps the generator's dates.
    pub shift_history: bool,
    /// Status polls (`bulkOperation(id:)`) before a bulk operation reports its end.
    pub bulk_polls_to_complete: u32,
    /// With `groupObjects: false`, how many later root lines may come before a root's
    /// children (0 writes children right after their parent).
    pub bulk_interleave: usize,
    /// Shop name answered by `shop { name }`.
    pub shop_name: String,
    /// Permanent `*.myshopify.com` domain.
    pub shop_domain: String,
    /// Shop currency (ISO 4217).
    pub currency: String,
    /// Address to bind; port 0 picks a free one.
    pub addr: SocketAddr,
    /// Waits before each retry of a failed webhook delivery. Shopify retries 8 times
    /// over 4 hours; the default 0.2 s, 0.5 s, 1 s keeps tests fast.
    pub webhook_retry_delays: Vec<Duration>,
    /// Total time a webhook receiver has to answer (Shopify: 5 s).
    pub webhook_timeout: Duration,
}

/// Scopes a recommendations app asks for.
pub const DEFAULT_SCOPES: [&str; 4] = [
    "read_products",
    "write_products",
    "read_orders",
    "read_all_orders",
];

/// Versions in support on 2026-11-21 (reference §1), oldest first.
pub const DEFAULT_VERSIONS: [&str; 4] = ["2026-01", "2026-04", "2026-07", "2026-10"];

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            shop: None,
            access_token: "shpat_simulated".to_owned(),
            api_versions: DEFAULT_VERSIONS.iter().map(|v| (*v).to_owned()).collect(),
            answer_version: None,
            scopes: DEFAULT_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
            bucket_max: 2000.0,
            restore_rate: 100.0,
            max_query_cost: 1000,
            clock: Arc::new(SystemClock),
            now: Utc
                .with_ymd_and_hms(2026, 11, 21, 12, 0, 0)
                .single()
                .unwrap_or_default(),
            shift_history: true,
            bulk_polls_to_complete: 2,
            bulk_interleave: 1,
            shop_name: "Simulated Shop".to_owned(),
            shop_domain: "simulated-shop.myshopify.com".to_owned(),
            currency: "USD".to_owned(),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            webhook_retry_delays: [200, 500, 1000]
                .into_iter()
                .map(Duration::from_millis)
                .collect(),
            webhook_timeout: Duration::from_secs(5),
        }
    }
}

impl SimConfig {
    /// Serves `shop`.
    #[must_use]
    pub fn with_shop(mut self, shop: SyntheticShop) -> Self {
        self.shop = Some(shop);
        self
    }

    /// Serves a synthetic shop generated from `seed` with about `products` products and
    /// exactly `orders` orders.
    #[must_use]
    pub fn with_generated(self, seed: u64, products: usize, orders: usize) -> Self {
        self.with_shop(generate(&ShopSpec::new(seed, products, orders)))
    }

    /// Accepts only `token`.
    #[must_use]
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.access_token = token.into();
        self
    }

    /// Grants exactly `scopes`.
    #[must_use]
    pub fn with_scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// A bucket of `max` points restoring `rate` points per second.
    #[must_use]
    pub fn with_bucket(mut self, max: f64, rate: f64) -> Self {
        self.bucket_max = max;
        self.restore_rate = rate;
        self
    }

    /// Reads time from `clock`.
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Starts the shop's wall clock at `now`.
    #[must_use]
    pub fn with_now(mut self, now: DateTime<Utc>) -> Self {
        self.now = now;
        self
    }

    /// Retries failed webhook deliveries after each of `delays`.
    #[must_use]
    pub fn with_webhook_retries(mut self, delays: impl IntoIterator<Item = Duration>) -> Self {
        self.webhook_retry_delays = delays.into_iter().collect();
        self
    }
}
