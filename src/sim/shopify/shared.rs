//! State shared by the HTTP handlers, bulk-operation workers and the test handle, and
//! lock helpers that survive a poisoned lock (a panicking test must not turn every
//! later request into a second panic).

use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use tempfile::TempDir;

use crate::platform::retry::Clock;

/// Where product image files are served, as Shopify's CDN names them.
pub(crate) const IMAGE_PATH: &str = "/cdn/shop/files/";
use crate::sim::catalog::{PlantedTruth, SyntheticShop};

use super::bucket::Bucket;
use super::bulk::BulkRegistry;
use super::config::SimConfig;
use super::faults::FaultQueue;
use super::handle::Counters;
use super::staged::StagedRegistry;
use super::state::ShopData;

/// Settings fixed at start.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub access_token: String,
    pub api_versions: Vec<String>,
    pub answer_version: Option<String>,
    pub max_query_cost: u64,
    pub bulk_polls_to_complete: u32,
    pub bulk_interleave: usize,
    pub shop_name: String,
    pub shop_domain: String,
    pub currency: String,
}

/// Everything one simulated shop holds.
pub(crate) struct Shared {
    pub settings: Settings,
    clock: Arc<dyn Clock>,
    started: Instant,
    start_now: DateTime<Utc>,
    pub data: RwLock<ShopData>,
    pub bucket: Mutex<Bucket>,
    pub counters: Mutex<Counters>,
    pub scopes: RwLock<Vec<String>>,
    pub faults: Mutex<FaultQueue>,
    pub bulk: Mutex<BulkRegistry>,
    pub staged: Mutex<StagedRegistry>,
    /// Bulk results and staged uploads; removed with the simulator.
    pub dir: TempDir,
    base_url: OnceLock<String>,
}

impl std::fmt::Debug for Shared {
    /// Only what identifies the shop: its records can run to hundreds of megabytes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("base_url", &self.base_url())
            .field("shop_domain", &self.settings.shop_domain)
            .finish_non_exhaustive()
    }
}

impl Shared {
    /// Builds the shop described by `config`.
    pub fn new(config: SimConfig) -> std::io::Result<Arc<Self>> {
        let started = config.clock.now();
        let shop = config.shop.unwrap_or_else(|| SyntheticShop {
            products: Vec::new(),
            orders: Vec::new(),
            truth: PlantedTruth::default(),
        });
        let data = ShopData::seed(shop, config.now, config.shift_history);
        let bucket = Bucket::new(config.bucket_max, config.restore_rate, started);
        Ok(Arc::new(Self {
            settings: Settings {
                access_token: config.access_token,
                api_versions: config.api_versions,
                answer_version: config.answer_version,
                max_query_cost: config.max_query_cost,
                bulk_polls_to_complete: config.bulk_polls_to_complete,
                bulk_interleave: config.bulk_interleave,
                shop_name: config.shop_name,
                shop_domain: config.shop_domain,
                currency: config.currency,
            },
            clock: config.clock,
            started,
            start_now: config.now,
            data: RwLock::new(data),
            bucket: Mutex::new(bucket),
            counters: Mutex::new(Counters::default()),
            scopes: RwLock::new(config.scopes),
            faults: Mutex::new(FaultQueue::default()),
            bulk: Mutex::new(BulkRegistry::default()),
            staged: Mutex::new(StagedRegistry::default()),
            dir: tempfile::Builder::new().prefix("sim-shopify-").tempdir()?,
            base_url: OnceLock::new(),
        }))
    }

    /// The monotonic clock's reading.
    pub fn instant(&self) -> Instant {
        self.clock.now()
    }

    /// The shop's wall-clock time: the configured start plus the clock's elapsed time.
    pub fn now(&self) -> DateTime<Utc> {
        let elapsed = self.clock.now().saturating_duration_since(self.started);
        self.start_now + Duration::from_std(elapsed).unwrap_or_else(|_| Duration::zero())
    }

    /// Whether `scope` is granted (a `write_` scope implies its `read_`).
    pub fn has_scope(&self, scope: &str) -> bool {
        let scopes = read(&self.scopes);
        scopes.iter().any(|s| s == scope)
            || scope.strip_prefix("read_").is_some_and(|rest| {
                scopes
                    .iter()
                    .any(|s| s.strip_prefix("write_") == Some(rest))
            })
    }

    /// Where the server listens, e.g. `http://127.0.0.1:4242`.
    pub fn base_url(&self) -> &str {
        self.base_url
            .get()
            .map_or("http://127.0.0.1", String::as_str)
    }

    /// Records the listening address once known; product images are served under it.
    pub fn set_base_url(&self, url: String) {
        write(&self.data).image_base = format!("{url}{IMAGE_PATH}");
        let _ = self.base_url.set(url);
    }

    /// Applies `f` to the counters.
    pub fn count(&self, f: impl FnOnce(&mut Counters)) {
        f(&mut lock(&self.counters));
    }
}

pub(crate) use crate::sim::plumbing::{lock, read, write};
