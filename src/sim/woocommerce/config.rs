//! What to simulate: the store's data, the API key and its permission, transport (http
//! or https), permalinks, an optional host rate limit, the clock and the site's time
//! zone. Defaults describe a fresh store on plain HTTP with a read/write key, like the
//! one the fixtures were captured from; tests override what they exercise.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use rand::Rng;

use crate::platform::retry::{Clock, SystemClock};
use crate::sim::catalog::{generate, ShopSpec, SyntheticShop};

/// What an API key may do (WooCommerce → Settings → Advanced → REST API).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyPermission {
    /// GET only; writes answer 401 "does not have write permissions".
    Read,
    /// Writes only; reads answer 401 "does not have read permissions".
    Write,
    /// Everything.
    ReadWrite,
}

impl KeyPermission {
    /// Whether a request with this HTTP method is allowed.
    #[must_use]
    pub fn allows(self, method: &str) -> bool {
        let read = matches!(method, "GET" | "HEAD");
        match self {
            Self::Read => read,
            Self::Write => !read,
            Self::ReadWrite => true,
        }
    }
}

/// A host's or WAF's request limit in front of WordPress (WooCommerce itself has none):
/// a token bucket refilled on the injected clock.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateLimit {
    /// Tokens restored per second.
    pub requests_per_second: f64,
    /// Bucket size: requests allowed in a burst.
    pub burst: u32,
}

/// Settings of a simulated WooCommerce store. Build with [`SimWooConfig::default`] and
/// the `with_*` methods, or set the public fields directly.
#[derive(Clone, Debug)]
#[allow(clippy::struct_excessive_bools)] // independent switches of a test fixture, each named
pub struct SimWooConfig {
    /// The catalog and order history to serve; `None` is an empty store.
    pub shop: Option<SyntheticShop>,
    /// The API key's consumer key (`ck_` + 40 hex).
    pub consumer_key: String,
    /// The API key's consumer secret (`cs_` + 40 hex).
    pub consumer_secret: String,
    /// What the key may do.
    pub permission: KeyPermission,
    /// Serve HTTPS with a self-signed certificate (Basic auth works only then).
    pub tls: bool,
    /// `/wp-json/` routes exist; without them only `?rest_route=` reaches the API, and
    /// WooCommerce never authenticates it.
    pub pretty_permalinks: bool,
    /// A host rate limit; `None` (like WooCommerce) never answers 429 by itself.
    pub rate_limit: Option<RateLimit>,
    /// Monotonic time for the rate limit and the shop's clock; a
    /// [`ManualClock`](crate::platform::retry::ManualClock) makes limit tests instant.
    pub clock: Arc<dyn Clock>,
    /// Wall-clock time at start; the shop's "now" is this plus the clock's elapsed time.
    pub now: DateTime<Utc>,
    /// Shift the synthetic order history so its last order falls just before `now`
    /// (the generator dates orders in 2025); `false` keeps the generator's dates.
    pub shift_history: bool,
    /// The site's UTC offset in hours: site-local `date_*` fields are GMT plus this
    /// (the fixture store ran Europe/Berlin, UTC+1 in November).
    pub site_utc_offset_hours: i32,
    /// Secret of webhooks registered without one.
    pub webhook_secret: String,
    /// Real time a queued webhook delivery waits before it is sent (WooCommerce's queue
    /// runner takes tens of seconds; a short wait keeps coalescing observable).
    pub webhook_delay: Duration,
    /// Share of the generator's customers who check out as guests (`customer_id` 0,
    /// identified only by their billing email).
    pub guest_share: f64,
    /// Make a few seeded simple products external and add a few grouped products, so
    /// every product type is served (which ones depends only on the shop); `false`
    /// maps the catalog one to one.
    pub mix_product_types: bool,
    /// Address to bind; port 0 picks a free one.
    pub addr: SocketAddr,
}

/// `prefix` followed by 40 random lowercase hex digits, like WooCommerce's keys.
fn random_key(prefix: &str) -> String {
    let mut rng = rand::thread_rng();
    let hex: String = (0..40)
        .map(|_| char::from_digit(rng.gen_range(0..16), 16).unwrap_or('0'))
        .collect();
    format!("{prefix}{hex}")
}

impl Default for SimWooConfig {
    fn default() -> Self {
        Self {
            shop: None,
            consumer_key: random_key("ck_"),
            consumer_secret: random_key("cs_"),
            permission: KeyPermission::ReadWrite,
            tls: false,
            pretty_permalinks: true,
            rate_limit: None,
            clock: Arc::new(SystemClock),
            now: Utc
                .with_ymd_and_hms(2026, 11, 21, 12, 0, 0)
                .single()
                .unwrap_or_default(),
            shift_history: true,
            site_utc_offset_hours: 1,
            webhook_secret: "sim-webhook-secret".to_owned(),
            webhook_delay: Duration::from_millis(20),
            guest_share: 0.3,
            mix_product_types: true,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        }
    }
}

impl SimWooConfig {
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

    /// Accepts only this key pair.
    #[must_use]
    pub fn with_keys(mut self, key: impl Into<String>, secret: impl Into<String>) -> Self {
        self.consumer_key = key.into();
        self.consumer_secret = secret.into();
        self
    }

    /// Gives the key `permission`.
    #[must_use]
    pub fn with_permission(mut self, permission: KeyPermission) -> Self {
        self.permission = permission;
        self
    }

    /// Serves HTTPS (`true`) or plain HTTP.
    #[must_use]
    pub fn with_tls(mut self, tls: bool) -> Self {
        self.tls = tls;
        self
    }

    /// Turns pretty permalinks on or off.
    #[must_use]
    pub fn with_pretty_permalinks(mut self, pretty: bool) -> Self {
        self.pretty_permalinks = pretty;
        self
    }

    /// Puts a host rate limit in front of the store.
    #[must_use]
    pub fn with_rate_limit(mut self, requests_per_second: f64, burst: u32) -> Self {
        self.rate_limit = Some(RateLimit {
            requests_per_second,
            burst,
        });
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

    /// Sets the share of guest customers.
    #[must_use]
    pub fn with_guest_share(mut self, share: f64) -> Self {
        self.guest_share = share;
        self
    }

    /// Maps the catalog one to one (no external or grouped products added).
    #[must_use]
    pub fn without_type_mix(mut self) -> Self {
        self.mix_product_types = false;
        self
    }

    /// Keeps the generator's order dates.
    #[must_use]
    pub fn without_history_shift(mut self) -> Self {
        self.shift_history = false;
        self
    }

    /// Sets how long queued webhook deliveries wait.
    #[must_use]
    pub fn with_webhook_delay(mut self, delay: Duration) -> Self {
        self.webhook_delay = delay;
        self
    }
}
