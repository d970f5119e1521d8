//! Opening a configured Shopify shop for the `sync` and `push` commands: its config,
//! its store trees and a client with its own bucket mirror.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use super::workspace::Workspace;
use crate::config::{PlatformConfig, ShopConfig, ShopifyConfig};
use crate::platform::retry::{RetryPolicy, SystemClock, TokioSleeper};
use crate::platform::shopify::bucket::CostBucket;
use crate::platform::shopify::client::{ClientSettings, ShopifyClient};

/// The configured shops to work on: `only` or every enabled one.
pub fn chosen_shops<'a>(
    workspace: &'a Workspace,
    only: Option<&str>,
) -> anyhow::Result<Vec<&'a ShopConfig>> {
    let shops = &workspace.config.shops;
    if let Some(name) = only {
        let shop = shops.iter().find(|s| s.name == name).with_context(|| {
            let known: Vec<&str> = shops.iter().map(|s| s.name.as_str()).collect();
            format!("no shop {name:?} in the config; configured shops: {known:?}")
        })?;
        return Ok(vec![shop]);
    }
    let enabled: Vec<&ShopConfig> = shops.iter().filter(|s| s.enabled).collect();
    anyhow::ensure!(
        !enabled.is_empty(),
        "the config has no enabled [[shops]] entry (see config.example.toml)"
    );
    Ok(enabled)
}

/// The Shopify settings of `shop`, or an error saying which platform it is.
pub fn shopify_config(shop: &ShopConfig) -> anyhow::Result<&ShopifyConfig> {
    match &shop.platform {
        PlatformConfig::Shopify(config) => Ok(config),
        other @ PlatformConfig::WooCommerce(_) => anyhow::bail!(
            "shop {:?} is a {} store; this command handles Shopify shops only",
            shop.name,
            other.name()
        ),
    }
}

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

/// A runtime for one command.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}
