//! The typed TOML config: `[daemon]`, `[recommender]`, `[write]` and one `[[shops]]`
//! entry per Shopify or WooCommerce store. `config.example.toml` documents every key
//! with its default.
//!
//! Loading is parse, then pure validation; neither does network I/O nor reads
//! secrets. Unknown keys, wrong types, missing values and bad values are errors that
//! name the file, the line and the key path. Secrets are references to environment
//! variables or files ([`SecretRef`]), read only when [`SecretRef::resolve`] is called.

mod error;
mod parse;
mod secret;
mod shop;
mod summary;
mod validate;
mod write;

#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::recommend::Params;

pub use error::{ConfigError, Problem};
pub use secret::{Secret, SecretRef};
pub use shop::{PlatformConfig, ShopConfig, ShopifyConfig, WooAuth, WooCommerceConfig};
pub use write::{WriteConfig, WriteList, WriteMode, WriteOverride};

/// The whole config. `Default` is a valid config with no shops.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    /// Process-wide settings.
    pub daemon: DaemonConfig,
    /// How lists are computed.
    pub recommender: Params,
    /// How lists are written back, unless a shop overrides it.
    pub write: WriteConfig,
    /// The shops to sync, in file order.
    pub shops: Vec<ShopConfig>,
}

/// The `[daemon]` section.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DaemonConfig {
    /// Where the store and the install salt live.
    pub data_dir: PathBuf,
    /// The install salt (customer ids are hashed with it); see [`Self::salt_path`].
    pub salt_file: Option<PathBuf>,
    /// Address of the webhooks, admin UI, API and metrics listener.
    pub listen: SocketAddr,
    /// Token for the admin UI and API; they stay closed without one.
    pub admin_token: Option<SecretRef>,
    /// Log line format.
    pub log_format: LogFormat,
    /// Largest webhook body accepted.
    pub webhook_body_limit_bytes: usize,
    /// Minutes between scheduled syncs of a shop, unless the shop overrides it.
    pub schedule_minutes: u32,
    /// How long shutdown may take before tasks are abandoned.
    pub shutdown_timeout_seconds: u64,
}

impl Default for DaemonConfig {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("/var/lib/upsell-sync"),
            salt_file: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 8787)),
            admin_token: None,
            log_format: LogFormat::Auto,
            webhook_body_limit_bytes: 1_048_576,
            schedule_minutes: 60,
            shutdown_timeout_seconds: 10,
        }
    }
}

impl DaemonConfig {
    /// The install salt's file: `salt_file`, or `<data_dir>/install-salt`.
    #[must_use]
    pub fn salt_path(&self) -> PathBuf {
        self.salt_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("install-salt"))
    }

    /// How long shutdown may take.
    #[must_use]
    pub fn shutdown_timeout(&self) -> Duration {
        Duration::from_secs(self.shutdown_timeout_seconds)
    }
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// Pretty on a terminal, JSON otherwise (e.g. under systemd).
    #[default]
    Auto,
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line.
    Json,
}

impl LogFormat {
    /// The name used in the config.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Pretty => "pretty",
            Self::Json => "json",
        }
    }
}

impl Config {
    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml_str(&text, &path.display().to_string())
    }

    /// Parses and validates config text; `source_name` (usually the file name) starts
    /// every error message.
    pub fn from_toml_str(text: &str, source_name: &str) -> Result<Self, ConfigError> {
        let document = parse::Document::parse(text, source_name)?;
        let config = document.config()?;
        let problems = validate::problems(&config);
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(ConfigError::Invalid {
                source_name: source_name.to_owned(),
                problems: document.place(problems),
            })
        }
    }

    /// Checks a config built in code, as loading does (no lines to point at).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let problems = validate::problems(self);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::Invalid {
                source_name: "config".to_owned(),
                problems,
            })
        }
    }

    /// A valid config for tests: the defaults plus one Shopify shop (`shopify-test`)
    /// and one WooCommerce shop (`woo-test`, on `http://127.0.0.1:8080`) whose secrets
    /// are the environment variables `TEST_SHOPIFY_TOKEN`, `TEST_WOO_KEY` and
    /// `TEST_WOO_SECRET`.
    #[must_use]
    pub fn default_for_tests() -> Self {
        let shopify = ShopifyConfig::new(
            "shopify-test.myshopify.com",
            SecretRef::env("TEST_SHOPIFY_TOKEN"),
        );
        let woo = WooCommerceConfig::new(
            "http://127.0.0.1:8080",
            SecretRef::env("TEST_WOO_KEY"),
            SecretRef::env("TEST_WOO_SECRET"),
        );
        Self {
            shops: vec![
                ShopConfig::new("shopify-test", PlatformConfig::Shopify(shopify)),
                ShopConfig::new("woo-test", PlatformConfig::WooCommerce(woo)),
            ],
            ..Self::default()
        }
    }

    /// The shop called `name`.
    #[must_use]
    pub fn shop(&self, name: &str) -> Option<&ShopConfig> {
        self.shops.iter().find(|shop| shop.name == name)
    }

    /// A shop's effective write settings: `[write]` with the shop's override applied.
    #[must_use]
    pub fn write_for(&self, shop: &ShopConfig) -> WriteConfig {
        self.write.with_override(&shop.write)
    }

    /// Time between a shop's scheduled syncs.
    #[must_use]
    pub fn schedule_for(&self, shop: &ShopConfig) -> Duration {
        let minutes = shop
            .schedule_minutes
            .unwrap_or(self.daemon.schedule_minutes);
        Duration::from_secs(u64::from(minutes) * 60)
    }

    /// Every secret reference with its key path, e.g. `shops[0].access_token`.
    #[must_use]
    pub fn secret_refs(&self) -> Vec<(String, &SecretRef)> {
        let mut refs = Vec::new();
        if let Some(token) = &self.daemon.admin_token {
            refs.push(("daemon.admin_token".to_owned(), token));
        }
        for (i, shop) in self.shops.iter().enumerate() {
            let named = match &shop.platform {
                PlatformConfig::Shopify(s) => vec![
                    ("access_token", Some(&s.access_token)),
                    ("webhook_secret", s.webhook_secret.as_ref()),
                ],
                PlatformConfig::WooCommerce(w) => vec![
                    ("consumer_key", Some(&w.consumer_key)),
                    ("consumer_secret", Some(&w.consumer_secret)),
                    ("webhook_secret", w.webhook_secret.as_ref()),
                ],
            };
            for (field, secret) in named {
                if let Some(secret) = secret {
                    refs.push((format!("shops[{i}].{field}"), secret));
                }
            }
        }
        refs
    }

    /// A human summary for `check-config`: where data lives, what is listened on, each
    /// shop, the write settings, which secrets come from where (by name only) and the
    /// main recommender settings.
    #[must_use]
    pub fn summary(&self) -> String {
        summary::render(self)
    }
}

/// Loads the config at `path` and returns its summary; `check-config` prints it.
pub fn check_config(path: &Path) -> Result<String, ConfigError> {
    let config = Config::load(path)?;
    Ok(format!(
        "{} is valid.\n\n{}",
        path.display(),
        config.summary()
    ))
}
