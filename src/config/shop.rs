//! One `[[shops]]` entry: what every shop has (name, schedule, write override) and
//! what its platform needs. The TOML entry picks its platform with
//! `platform = "shopify"` or `platform = "woocommerce"`; see `parse.rs` for why that
//! tag is read by hand rather than by serde's internally tagged enums.

use std::time::Duration;

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

use super::secret::SecretRef;
use super::write::WriteOverride;

/// One shop to sync.
#[derive(Clone, Debug, PartialEq)]
pub struct ShopConfig {
    /// Unique, `[a-z0-9_-]`, at most 64 characters; used in URLs and store keys.
    pub name: String,
    /// A disabled shop is neither synced nor written, but its data is kept.
    pub enabled: bool,
    /// Overrides `daemon.schedule_minutes` for this shop.
    pub schedule_minutes: Option<u32>,
    /// Overrides `[write]` key by key for this shop.
    pub write: WriteOverride,
    /// The platform and its settings.
    pub platform: PlatformConfig,
}

/// A shop's platform and the settings only that platform has.
#[derive(Clone, Debug, PartialEq)]
pub enum PlatformConfig {
    /// `platform = "shopify"`.
    Shopify(ShopifyConfig),
    /// `platform = "woocommerce"`.
    WooCommerce(WooCommerceConfig),
}

impl PlatformConfig {
    /// The value of `platform` in the config.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::Shopify(_) => "shopify",
            Self::WooCommerce(_) => "woocommerce",
        }
    }

    /// Where the secret that signs the shop's webhooks is, if configured.
    #[must_use]
    pub fn webhook_secret(&self) -> Option<&SecretRef> {
        match self {
            Self::Shopify(c) => c.webhook_secret.as_ref(),
            Self::WooCommerce(c) => c.webhook_secret.as_ref(),
        }
    }
}

/// A Shopify store reached through the Admin GraphQL API.
#[derive(Clone, Debug, PartialEq)]
pub struct ShopifyConfig {
    /// `your-store.myshopify.com` (not the storefront's own domain).
    pub shop_domain: String,
    /// Admin API version, `YYYY-MM`.
    pub api_version: String,
    /// Admin API access token.
    pub access_token: SecretRef,
    /// The app's client secret, which signs webhooks; without it webhooks are refused.
    pub webhook_secret: Option<SecretRef>,
    /// Namespace of our own product metafields.
    pub metafield_namespace: String,
    /// Also write the Search & Discovery `related_products` / `complementary_products`
    /// metafields that themes show natively.
    pub write_search_discovery: bool,
    /// First syncs of more products than this use bulk operations.
    pub bulk_threshold_products: u64,
    /// Incremental syncs re-read this many minutes before the last checkpoint.
    pub overlap_minutes: u32,
    /// Pushes changing more metafields than this go through a bulk mutation.
    pub bulk_write_threshold: u64,
    /// Timeout of one HTTP request.
    pub timeout_seconds: u64,
    /// Where the Admin API is reached instead of `https://{shop_domain}`: a proxy, or the
    /// simulated store in tests. `None` in production.
    pub admin_url: Option<String>,
}

/// How requests to a WooCommerce store are authenticated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WooAuth {
    /// Basic over https, OAuth 1.0a over http (the only method WooCommerce accepts there).
    #[default]
    Auto,
    /// HTTP Basic with the consumer key and secret.
    Basic,
    /// OAuth 1.0a one-legged signatures.
    #[serde(rename = "oauth1")]
    OAuth1,
}

/// A WooCommerce store reached through the REST API v3.
#[derive(Clone, Debug, PartialEq)]
pub struct WooCommerceConfig {
    /// The site's root URL; the client appends `/wp-json/wc/v3`.
    pub base_url: String,
    /// REST API consumer key (`ck_...`).
    pub consumer_key: SecretRef,
    /// REST API consumer secret (`cs_...`).
    pub consumer_secret: SecretRef,
    /// Secret of the webhooks we register; without it webhooks are refused.
    pub webhook_secret: Option<SecretRef>,
    /// How requests are authenticated.
    pub auth: WooAuth,
    /// Order statuses that count as sales.
    pub sale_statuses: Vec<String>,
    /// Sustained request rate.
    pub requests_per_second: f64,
    /// Requests allowed at once above the sustained rate.
    pub burst: u32,
    /// Requests in flight at once.
    pub max_concurrency: usize,
    /// Products per `POST /products/batch` call (WooCommerce's limit is 100).
    pub batch_size: usize,
    /// Incremental syncs re-read this many minutes before the last checkpoint.
    pub overlap_minutes: u32,
    /// Timeout of one HTTP request.
    pub timeout_seconds: u64,
    /// A PEM file with an extra certificate authority to trust, for a store whose https
    /// certificate is self-signed or from an internal CA. `None`: the system's roots.
    pub ca_file: Option<std::path::PathBuf>,
}

impl ShopConfig {
    /// An enabled shop with no overrides.
    pub fn new(name: impl Into<String>, platform: PlatformConfig) -> Self {
        Self {
            name: name.into(),
            enabled: true,
            schedule_minutes: None,
            write: WriteOverride::default(),
            platform,
        }
    }
}

impl ShopifyConfig {
    /// A store with every optional setting at its default.
    pub fn new(shop_domain: impl Into<String>, access_token: SecretRef) -> Self {
        Self {
            shop_domain: shop_domain.into(),
            api_version: defaults::api_version(),
            access_token,
            webhook_secret: None,
            metafield_namespace: defaults::metafield_namespace(),
            write_search_discovery: true,
            bulk_threshold_products: defaults::bulk_threshold_products(),
            overlap_minutes: defaults::overlap_minutes(),
            bulk_write_threshold: defaults::bulk_write_threshold(),
            timeout_seconds: defaults::timeout_seconds(),
            admin_url: None,
        }
    }

    /// The overlap window of incremental syncs.
    #[must_use]
    pub fn overlap(&self) -> Duration {
        Duration::from_secs(u64::from(self.overlap_minutes) * 60)
    }
}

impl WooCommerceConfig {
    /// A store with every optional setting at its default.
    pub fn new(
        base_url: impl Into<String>,
        consumer_key: SecretRef,
        consumer_secret: SecretRef,
    ) -> Self {
        Self {
            base_url: base_url.into(),
            consumer_key,
            consumer_secret,
            webhook_secret: None,
            auth: WooAuth::Auto,
            sale_statuses: defaults::sale_statuses(),
            requests_per_second: defaults::requests_per_second(),
            burst: defaults::burst(),
            max_concurrency: defaults::max_concurrency(),
            batch_size: defaults::batch_size(),
            overlap_minutes: defaults::overlap_minutes(),
            timeout_seconds: defaults::timeout_seconds(),
            ca_file: None,
        }
    }

    /// Whether `base_url` is plain http.
    #[must_use]
    pub fn is_plain_http(&self) -> bool {
        self.base_url
            .get(..7)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("http://"))
    }

    /// The method actually used: `auto` resolved by the URL's scheme.
    #[must_use]
    pub fn effective_auth(&self) -> WooAuth {
        match self.auth {
            WooAuth::Auto if self.is_plain_http() => WooAuth::OAuth1,
            WooAuth::Auto => WooAuth::Basic,
            chosen => chosen,
        }
    }

    /// The overlap window of incremental syncs.
    #[must_use]
    pub fn overlap(&self) -> Duration {
        Duration::from_secs(u64::from(self.overlap_minutes) * 60)
    }

    /// Timeout of one HTTP request.
    #[must_use]
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_seconds)
    }
}

/// Defaults shared by the constructors and the TOML reader, as documented in
/// `config.example.toml`.
mod defaults {
    pub(super) fn yes() -> bool {
        true
    }
    pub(super) fn api_version() -> String {
        "2026-07".to_owned()
    }
    pub(super) fn metafield_namespace() -> String {
        "upsell_sync".to_owned()
    }
    pub(super) fn bulk_threshold_products() -> u64 {
        5000
    }
    pub(super) fn bulk_write_threshold() -> u64 {
        2000
    }
    pub(super) fn overlap_minutes() -> u32 {
        10
    }
    pub(super) fn sale_statuses() -> Vec<String> {
        vec!["processing".to_owned(), "completed".to_owned()]
    }
    pub(super) fn requests_per_second() -> f64 {
        5.0
    }
    pub(super) fn burst() -> u32 {
        10
    }
    pub(super) fn max_concurrency() -> usize {
        4
    }
    pub(super) fn batch_size() -> usize {
        100
    }
    pub(super) fn timeout_seconds() -> u64 {
        30
    }
}

/// A `platform = "shopify"` entry as written. Keys shared by all shops are repeated in
/// both entry types because `deny_unknown_fields` cannot be combined with `flatten`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ShopifyEntry {
    name: String,
    /// Read by hand before this entry; listed so that it is a known key.
    #[serde(rename = "platform")]
    _platform: IgnoredAny,
    #[serde(default = "defaults::yes")]
    enabled: bool,
    schedule_minutes: Option<u32>,
    #[serde(default)]
    write: WriteOverride,
    shop_domain: String,
    #[serde(default = "defaults::api_version")]
    api_version: String,
    access_token: SecretRef,
    webhook_secret: Option<SecretRef>,
    #[serde(default = "defaults::metafield_namespace")]
    metafield_namespace: String,
    #[serde(default = "defaults::yes")]
    write_search_discovery: bool,
    #[serde(default = "defaults::bulk_threshold_products")]
    bulk_threshold_products: u64,
    #[serde(default = "defaults::overlap_minutes")]
    overlap_minutes: u32,
    #[serde(default = "defaults::bulk_write_threshold")]
    bulk_write_threshold: u64,
    #[serde(default = "defaults::timeout_seconds")]
    timeout_seconds: u64,
    admin_url: Option<String>,
}

/// A `platform = "woocommerce"` entry as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WooCommerceEntry {
    name: String,
    /// Read by hand before this entry; listed so that it is a known key.
    #[serde(rename = "platform")]
    _platform: IgnoredAny,
    #[serde(default = "defaults::yes")]
    enabled: bool,
    schedule_minutes: Option<u32>,
    #[serde(default)]
    write: WriteOverride,
    base_url: String,
    consumer_key: SecretRef,
    consumer_secret: SecretRef,
    webhook_secret: Option<SecretRef>,
    #[serde(default)]
    auth: WooAuth,
    #[serde(default = "defaults::sale_statuses")]
    sale_statuses: Vec<String>,
    #[serde(default = "defaults::requests_per_second")]
    requests_per_second: f64,
    #[serde(default = "defaults::burst")]
    burst: u32,
    #[serde(default = "defaults::max_concurrency")]
    max_concurrency: usize,
    #[serde(default = "defaults::batch_size")]
    batch_size: usize,
    #[serde(default = "defaults::overlap_minutes")]
    overlap_minutes: u32,
    #[serde(default = "defaults::timeout_seconds")]
    timeout_seconds: u64,
    ca_file: Option<std::path::PathBuf>,
}

impl From<ShopifyEntry> for ShopConfig {
    fn from(e: ShopifyEntry) -> Self {
        let platform = PlatformConfig::Shopify(ShopifyConfig {
            shop_domain: e.shop_domain,
            api_version: e.api_version,
            access_token: e.access_token,
            webhook_secret: e.webhook_secret,
            metafield_namespace: e.metafield_namespace,
            write_search_discovery: e.write_search_discovery,
            bulk_threshold_products: e.bulk_threshold_products,
            overlap_minutes: e.overlap_minutes,
            bulk_write_threshold: e.bulk_write_threshold,
            timeout_seconds: e.timeout_seconds,
            admin_url: e.admin_url,
        });
        Self {
            enabled: e.enabled,
            schedule_minutes: e.schedule_minutes,
            write: e.write,
            ..Self::new(e.name, platform)
        }
    }
}

impl From<WooCommerceEntry> for ShopConfig {
    fn from(e: WooCommerceEntry) -> Self {
        let platform = PlatformConfig::WooCommerce(WooCommerceConfig {
            base_url: e.base_url,
            consumer_key: e.consumer_key,
            consumer_secret: e.consumer_secret,
            webhook_secret: e.webhook_secret,
            auth: e.auth,
            sale_statuses: e.sale_statuses,
            requests_per_second: e.requests_per_second,
            burst: e.burst,
            max_concurrency: e.max_concurrency,
            batch_size: e.batch_size,
            overlap_minutes: e.overlap_minutes,
            timeout_seconds: e.timeout_seconds,
            ca_file: e.ca_file,
        });
        Self {
            enabled: e.enabled,
            schedule_minutes: e.schedule_minutes,
            write: e.write,
            ..Self::new(e.name, platform)
        }
    }
}
