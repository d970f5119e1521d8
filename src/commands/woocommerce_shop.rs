//! A client for a configured WooCommerce shop, with its own pacing, for the `sync` and
//! `push` commands.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use crate::config::WooCommerceConfig;
use crate::platform::retry::{RetryPolicy, SystemClock, TokioSleeper};
use crate::platform::woocommerce::client::{ClientSettings, WooClient};
use crate::platform::woocommerce::pacing::PacingSettings;

/// A client for `config`, reading the keys (and the extra CA, if any) from where the
/// config says.
pub fn client(config: &WooCommerceConfig) -> anyhow::Result<WooClient<TokioSleeper>> {
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
    let settings = ClientSettings {
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
