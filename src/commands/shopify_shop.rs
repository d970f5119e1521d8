//! A client for a configured Shopify shop, with its own bucket mirror, for the `sync`
//! and `push` commands.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use crate::config::ShopifyConfig;
use crate::platform::retry::{RetryPolicy, SystemClock, TokioSleeper};
use crate::platform::shopify::bucket::CostBucket;
use crate::platform::shopify::client::{ClientSettings, ShopifyClient};

/// A client for `config`, reading the token from where the config says.
pub fn client(config: &ShopifyConfig) -> anyhow::Result<ShopifyClient<TokioSleeper>> {
    let token = config
        .access_token
        .resolve()
        .context("reading the Shopify access token")?;
    let base_url = config
        .admin_url
        .clone()
        .unwrap_or_else(|| format!("https://{}", config.shop_domain));
    let settings = ClientSettings {
        base_url,
        api_version: config.api_version.clone(),
        access_token: token,
        timeout: Duration::from_secs(config.timeout_seconds),
        retry: RetryPolicy::default(),
    };
    let bucket = CostBucket::new(Arc::new(SystemClock));
    Ok(ShopifyClient::new(settings, bucket, TokioSleeper)?)
}
