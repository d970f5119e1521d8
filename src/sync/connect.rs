//! A configured shop's platform client behind one type, so the daemon's per-shop
//! pipeline pulls, pushes and reads API usage the same way for Shopify and WooCommerce.
//! Secrets are read here, from where the config says, and go nowhere else.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::Utc;

use crate::config::{PlatformConfig, ShopConfig, ShopifyConfig, WooCommerceConfig, WriteConfig};
use crate::model::InstallSalt;
use crate::platform::retry::{RetryPolicy, SystemClock, TokioSleeper};
use crate::platform::shopify::bucket::CostBucket;
use crate::platform::shopify::client::{self as shopify, ShopifyClient};
use crate::platform::woocommerce::client::{self as woo, WooClient};
use crate::platform::woocommerce::pacing::PacingSettings;
use crate::store::ShopStore;
use crate::sync::report::{PullReport, PushReport};
use crate::sync::{shopify as shopify_sync, woocommerce as woo_sync};

/// A client for a Shopify shop, reading the token from where the config says.
pub fn shopify_client(config: &ShopifyConfig) -> anyhow::Result<ShopifyClient<TokioSleeper>> {
    let token = config
        .access_token
        .resolve()
        .context("reading the Shopify access token")?;
    let base_url = config
        .admin_url
        .clone()
        .unwrap_or_else(|| format!("https://{}", config.shop_domain));
    let settings = shopify::ClientSettings {
        base_url,
        api_version: config.api_version.clone(),
        access_token: token,
        timeout: Duration::from_secs(config.timeout_seconds),
        retry: RetryPolicy::default(),
    };
    let bucket = CostBucket::new(Arc::new(SystemClock));
    Ok(ShopifyClient::new(settings, bucket, TokioSleeper)?)
}

/// A client for a WooCommerce store, reading the keys (and the extra CA, if any) from
/// where the config says.
pub fn woocommerce_client(config: &WooCommerceConfig) -> anyhow::Result<WooClient<TokioSleeper>> {
    let consumer_key = config
        .consumer_key
        .resolve()
        .context("reading the WooCommerce consumer key")?;
    let consumer_secret = config
        .consumer_secret
        .resolve()
        .context("reading the WooCommerce consumer secret")?;
    let root_certificate_pem = config
        .ca_file
        .as_ref()
        .map(|path| {
            std::fs::read(path).with_context(|| format!("reading ca_file {}", path.display()))
        })
        .transpose()?;
    let settings = woo::ClientSettings {
        base_url: config.base_url.clone(),
        consumer_key,
        consumer_secret,
        auth: config.auth,
        timeout: Duration::from_secs(config.timeout_seconds),
        retry: RetryPolicy::default(),
        pacing: PacingSettings {
            requests_per_second: config.requests_per_second,
            burst: config.burst,
            max_concurrency: config.max_concurrency,
        },
        root_certificate_pem,
    };
    Ok(WooClient::new(
        settings,
        Arc::new(SystemClock),
        TokioSleeper,
    )?)
}

/// API use so far, in the same terms for both platforms (for status and `/metrics`).
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct ApiUsage {
    /// HTTP requests sent, retries included.
    pub requests: u64,
    /// Requests repeated after a failure.
    pub retries: u64,
    /// Refusals for going too fast: THROTTLED (Shopify) or 429 (WooCommerce).
    pub throttled: u64,
    /// 503 answers (WooCommerce hosts).
    pub unavailable: u64,
    /// Cost points spent (Shopify; 0 for WooCommerce).
    pub points_spent: u64,
}

/// One shop's platform client and the settings its pulls and pushes need.
#[derive(Clone)]
pub enum ShopClient {
    /// A Shopify shop.
    Shopify(ShopifyClient<TokioSleeper>, Box<ShopifyConfig>),
    /// A WooCommerce store.
    WooCommerce(WooClient<TokioSleeper>, Box<WooCommerceConfig>),
}

impl ShopClient {
    /// A client for `shop`; fails when a secret cannot be read or a setting is unusable.
    pub fn connect(shop: &ShopConfig) -> anyhow::Result<Self> {
        Ok(match &shop.platform {
            PlatformConfig::Shopify(config) => {
                Self::Shopify(shopify_client(config)?, Box::new(config.clone()))
            }
            PlatformConfig::WooCommerce(config) => {
                Self::WooCommerce(woocommerce_client(config)?, Box::new(config.clone()))
            }
        })
    }

    /// The platform's name, for logs and labels.
    #[must_use]
    pub fn platform(&self) -> &'static str {
        match self {
            Self::Shopify(..) => "shopify",
            Self::WooCommerce(..) => "woocommerce",
        }
    }

    /// An incremental pull (a full one when `full`, or when nothing was synced yet).
    pub async fn pull(
        &self,
        store: &ShopStore,
        salt: &InstallSalt,
        full: bool,
    ) -> anyhow::Result<PullReport> {
        Ok(match self {
            Self::Shopify(client, config) => {
                let options = shopify_sync::pull::PullOptions {
                    full,
                    bulk_threshold: config.bulk_threshold_products,
                    overlap: chrono::Duration::minutes(i64::from(config.overlap_minutes)),
                    poll: Duration::from_secs(1),
                    now: Utc::now(),
                };
                shopify_sync::pull::pull(client, store, salt, &options).await?
            }
            Self::WooCommerce(client, config) => {
                let options = woo_sync::pull::PullOptions {
                    full,
                    overlap: chrono::Duration::minutes(i64::from(config.overlap_minutes)),
                    sale_statuses: config.sale_statuses.clone(),
                    concurrency: config.max_concurrency,
                };
                woo_sync::pull::pull(client, store, salt, &options).await?
            }
        })
    }

    /// Writes what changed since the last push.
    pub async fn push(&self, store: &ShopStore, write: &WriteConfig) -> anyhow::Result<PushReport> {
        Ok(match self {
            Self::Shopify(client, config) => {
                let options = shopify_sync::push::PushOptions {
                    write: write.clone(),
                    namespace: config.metafield_namespace.clone(),
                    search_discovery: config.write_search_discovery,
                    bulk_threshold: usize::try_from(config.bulk_write_threshold)
                        .unwrap_or(usize::MAX),
                    poll: Duration::from_secs(1),
                    now: Utc::now(),
                };
                shopify_sync::push::push(client, store, &options).await?
            }
            Self::WooCommerce(client, config) => {
                let options = woo_sync::push::PushOptions {
                    write: write.clone(),
                    batch_size: config.batch_size,
                    now: Utc::now(),
                };
                woo_sync::push::push(client, store, &options).await?
            }
        })
    }

    /// API use so far.
    #[must_use]
    pub fn usage(&self) -> ApiUsage {
        match self {
            Self::Shopify(client, _) => {
                let stats = client.stats();
                ApiUsage {
                    requests: stats.requests,
                    retries: stats.retries,
                    throttled: stats.throttled,
                    unavailable: 0,
                    points_spent: stats.bucket.points_spent,
                }
            }
            Self::WooCommerce(client, _) => {
                let stats = client.stats();
                ApiUsage {
                    requests: stats.requests,
                    retries: stats.retries,
                    throttled: stats.rate_limited,
                    unavailable: stats.unavailable,
                    points_spent: 0,
                }
            }
        }
    }
}
