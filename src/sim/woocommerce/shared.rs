//! State shared by the HTTP handlers, the webhook sender and the test handle, and lock
//! helpers that survive a poisoned lock (a panicking test must not turn every later
//! request into a second panic).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::Notify;

use crate::platform::retry::Clock;
use crate::sim::catalog::{PlantedTruth, SyntheticShop};

use super::auth::NonceStore;
use super::config::{KeyPermission, SimWooConfig};
use super::faults::WooFault;
use super::handle::WooCounters;
use super::rate_limit::TokenBucket;
use super::seed::{seed, whole_seconds, SeedOptions};
use super::state::ShopData;
use super::views::View;

/// Settings fixed at start.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub consumer_key: String,
    pub consumer_secret: String,
    pub tls: bool,
    pub pretty_permalinks: bool,
    pub site_utc_offset_hours: i32,
    pub webhook_secret: String,
    pub webhook_delay: Duration,
    pub guest_share: f64,
}

/// Everything one simulated store holds.
pub(crate) struct Shared {
    pub settings: Settings,
    clock: Arc<dyn Clock>,
    started: Instant,
    start_now: DateTime<Utc>,
    pub data: RwLock<ShopData>,
    pub permission: Mutex<KeyPermission>,
    pub counters: Mutex<WooCounters>,
    /// Queued faults: `(route, fault)`, a fault with a route label (`GET /products`)
    /// waits for a request of that route.
    pub faults: Mutex<std::collections::VecDeque<(Option<String>, WooFault)>>,
    /// Batch update items to refuse, by product id, each with the HTTP status its
    /// per-item error carries; each is consumed by one refusal.
    pub refused_items: Mutex<std::collections::HashMap<u64, std::collections::VecDeque<u16>>>,
    pub limiter: Mutex<Option<TokenBucket>>,
    pub nonces: Mutex<NonceStore>,
    pub in_flight: AtomicU64,
    /// Wakes the webhook sender.
    pub webhook_wake: Notify,
    /// While set, queued deliveries wait (tests observe coalescing or send by hand).
    pub webhooks_held: AtomicBool,
    /// Sends webhook deliveries and pings.
    pub http: reqwest::Client,
    base_url: OnceLock<String>,
}

impl std::fmt::Debug for Shared {
    /// Only what identifies the store: its records can be large.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("base_url", &self.base_url())
            .finish_non_exhaustive()
    }
}

impl Shared {
    /// Builds the store described by `config`.
    pub fn new(config: SimWooConfig) -> std::io::Result<Arc<Self>> {
        let started = config.clock.now();
        let shop = config.shop.unwrap_or_else(|| SyntheticShop {
            products: Vec::new(),
            orders: Vec::new(),
            truth: PlantedTruth::default(),
        });
        let now = whole_seconds(config.now);
        let options = SeedOptions {
            now,
            shift_history: config.shift_history,
            guest_share: config.guest_share,
            mix_types: config.mix_product_types,
        };
        let data = seed(&shop, &options);
        let limiter = config
            .rate_limit
            .map(|limit| TokenBucket::new(limit, started));
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(10))
            .pool_max_idle_per_host(0)
            .build()
            .map_err(std::io::Error::other)?;
        Ok(Arc::new(Self {
            settings: Settings {
                consumer_key: config.consumer_key,
                consumer_secret: config.consumer_secret,
                tls: config.tls,
                pretty_permalinks: config.pretty_permalinks,
                site_utc_offset_hours: config.site_utc_offset_hours,
                webhook_secret: config.webhook_secret,
                webhook_delay: config.webhook_delay,
                guest_share: config.guest_share,
            },
            clock: config.clock,
            started,
            start_now: now,
            data: RwLock::new(data),
            permission: Mutex::new(config.permission),
            counters: Mutex::new(WooCounters::default()),
            faults: Mutex::new(std::collections::VecDeque::new()),
            refused_items: Mutex::new(std::collections::HashMap::new()),
            limiter: Mutex::new(limiter),
            nonces: Mutex::new(NonceStore::default()),
            in_flight: AtomicU64::new(0),
            webhook_wake: Notify::new(),
            webhooks_held: AtomicBool::new(false),
            http,
            base_url: OnceLock::new(),
        }))
    }

    /// The monotonic clock's reading.
    pub fn instant(&self) -> Instant {
        self.clock.now()
    }

    /// The store's wall-clock time (whole seconds, as WordPress stores dates).
    pub fn now(&self) -> DateTime<Utc> {
        let elapsed = self.clock.now().saturating_duration_since(self.started);
        let elapsed =
            chrono::Duration::from_std(elapsed).unwrap_or_else(|_| chrono::Duration::zero());
        whole_seconds(self.start_now + elapsed)
    }

    /// The site's home URL without trailing slash, e.g. `http://127.0.0.1:4242`.
    pub fn base_url(&self) -> &str {
        self.base_url
            .get()
            .map_or("http://127.0.0.1", String::as_str)
    }

    /// Records the listening address once known.
    pub fn set_base_url(&self, url: String) {
        let _ = self.base_url.set(url);
    }

    /// A renderer over `data`.
    pub fn view<'a>(&'a self, data: &'a ShopData) -> View<'a> {
        View {
            base: self.base_url(),
            pretty: self.settings.pretty_permalinks,
            offset: self.settings.site_utc_offset_hours,
            data,
        }
    }

    /// Runs `f` under the write lock, then wakes the webhook sender if it queued
    /// deliveries.
    pub fn write<T>(&self, f: impl FnOnce(&mut ShopData) -> T) -> T {
        let (out, pending) = {
            let mut data = write(&self.data);
            let out = f(&mut data);
            (out, data.hooks.pending_len())
        };
        if pending > 0 {
            self.webhook_wake.notify_one();
        }
        out
    }

    /// Applies `f` to the counters.
    pub fn count(&self, f: impl FnOnce(&mut WooCounters)) {
        f(&mut lock(&self.counters));
    }

    /// Marks a request as started; the guard marks it done, even if the request is
    /// dropped half-way (a client timeout).
    pub fn enter(self: &Arc<Self>) -> InFlight {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.count(|c| c.max_in_flight = c.max_in_flight.max(now));
        InFlight(Arc::clone(self))
    }
}

/// A request being served.
pub(crate) struct InFlight(Arc<Shared>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

pub(crate) use crate::sim::plumbing::{lock, read, write};
