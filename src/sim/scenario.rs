//! Two simulated stores — Shopify and WooCommerce, each filled by the synthetic
//! generator — with a config for a daemon against both and a stream of realistic new
//! orders held back from the generated history. `demo`, the daemon's integration tests
//! and the webhook benchmark all run this one scenario.

use std::fmt::Write as _;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rand::distributions::Alphanumeric;
use rand::Rng;

use super::catalog::{generate, ShopSpec};
use super::shopify::{Fault, SimConfig, SimShopify, SimState};
use super::woocommerce::{SimWoo, SimWooConfig, SimWooState, WooFault};
use crate::model::Order;

/// The shop names in the scenario's config.
pub const SHOPIFY_SHOP: &str = "demo-shopify";
/// See [`SHOPIFY_SHOP`].
pub const WOO_SHOP: &str = "demo-woocommerce";

/// How big the stores are.
#[derive(Clone, Copy, Debug)]
pub struct ScenarioSpec {
    /// Same seed, same stores and stream.
    pub seed: u64,
    /// Products per store.
    pub products: usize,
    /// Orders in each store's history.
    pub orders: usize,
    /// New orders held back per store, to arrive later as webhooks.
    pub streamed: usize,
    /// The stores' clock at start. Their history ends an hour before it and the held-back
    /// orders follow a second apart, so two runs with the same spec hold the same orders
    /// at the same times (and compute the same lists), however long each run takes.
    pub now: DateTime<Utc>,
}

/// The running stores and the orders still to come.
pub struct Scenario {
    /// The simulated Shopify shop.
    pub shopify: SimShopify,
    /// The simulated WooCommerce store.
    pub woo: SimWoo,
    shopify_stream: Vec<Order>,
    woo_stream: Vec<Order>,
    sent: usize,
    /// Orders in the stores to edit, taken on the first [`Scenario::touch_next_order`].
    existing: Option<ExistingOrders>,
    touched: usize,
    secrets: Secrets,
}

/// The ids of the orders in both stores.
struct ExistingOrders {
    shopify: Vec<String>,
    woo: Vec<u64>,
}

/// Random secrets for one scenario run.
struct Secrets {
    shopify_token: String,
    shopify_webhook: String,
    woo_key: String,
    woo_secret: String,
    woo_webhook: String,
    admin: String,
}

impl Secrets {
    fn new() -> Self {
        Self {
            shopify_token: format!("shpat_{}", random_text(32)),
            shopify_webhook: random_text(40),
            woo_key: format!("ck_{}", random_text(40)),
            woo_secret: format!("cs_{}", random_text(40)),
            woo_webhook: random_text(40),
            admin: random_text(32),
        }
    }
}

/// Random letters and digits.
#[must_use]
pub fn random_text(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

impl Scenario {
    /// Generates both stores (the Shopify one from `seed`, the WooCommerce one from
    /// `seed + 1`) and serves them on loopback.
    pub async fn start(spec: ScenarioSpec) -> io::Result<Self> {
        let secrets = Secrets::new();
        let (shopify_shop, shopify_stream) = held_back(spec.seed, spec);
        let (woo_shop, woo_stream) = held_back(spec.seed + 1, spec);
        let shopify = SimShopify::start(
            SimConfig::default()
                .with_shop(shopify_shop)
                .with_token(&secrets.shopify_token)
                .with_now(spec.now),
        )
        .await?;
        let woo = SimWoo::start(
            SimWooConfig::default()
                .with_shop(woo_shop)
                .with_keys(&secrets.woo_key, &secrets.woo_secret)
                .with_now(spec.now),
        )
        .await?;
        Ok(Self {
            shopify,
            woo,
            shopify_stream,
            woo_stream,
            sent: 0,
            existing: None,
            touched: 0,
            secrets,
        })
    }

    /// The admin token in the written config.
    #[must_use]
    pub fn admin_token(&self) -> &str {
        &self.secrets.admin
    }

    /// Writes the daemon's config for both stores to `<dir>/config.toml`, with every
    /// secret in its own file under `<dir>/secrets/` (mode 0600), and returns its path.
    pub fn write_config(&self, dir: &Path, listen: SocketAddr) -> io::Result<PathBuf> {
        let secrets_dir = dir.join("secrets");
        std::fs::create_dir_all(&secrets_dir)?;
        let secret = |name: &str, value: &str| -> io::Result<String> {
            let path = secrets_dir.join(name);
            write_private(&path, value)?;
            Ok(format!("{{ file = {:?} }}", path.display().to_string()))
        };
        let mut toml = String::new();
        let _ = write!(
            toml,
            "# Written by upsell-sync for simulated stores.\n\n[daemon]\ndata_dir = {:?}\nlisten = \"{listen}\"\nadmin_token = {}\nschedule_minutes = 10\n\n# A tenth of the products get no written lists, so the metrics page can\n# measure the lift of the others against them.\n[recommender]\nholdout_percent = 10.0\n\n",
            dir.display().to_string(),
            secret("admin-token", &self.secrets.admin)?,
        );
        let _ = write!(
            toml,
            "[[shops]]\nname = \"{SHOPIFY_SHOP}\"\nplatform = \"shopify\"\nshop_domain = \"simulated-shop.myshopify.com\"\nadmin_url = \"{}\"\naccess_token = {}\nwebhook_secret = {}\n# Backfill with a bulk operation: paging 6,000 orders through a 100 points/s\n# bucket takes minutes.\nbulk_threshold_products = 0\n\n",
            self.shopify.base_url(),
            secret("shopify-token", &self.secrets.shopify_token)?,
            secret("shopify-webhook-secret", &self.secrets.shopify_webhook)?,
        );
        let _ = write!(
            toml,
            "[[shops]]\nname = \"{WOO_SHOP}\"\nplatform = \"woocommerce\"\nbase_url = \"{}\"\nconsumer_key = {}\nconsumer_secret = {}\nwebhook_secret = {}\nrequests_per_second = 100.0\nburst = 20\n",
            self.woo.base_url(),
            secret("woo-key", &self.secrets.woo_key)?,
            secret("woo-secret", &self.secrets.woo_secret)?,
            secret("woo-webhook-secret", &self.secrets.woo_webhook)?,
        );
        let path = dir.join("config.toml");
        std::fs::write(&path, toml)?;
        Ok(path)
    }

    /// Points both stores' webhooks at a daemon listening on `daemon`.
    pub fn subscribe(&self, daemon: SocketAddr) {
        self.shopify.state().subscribe_webhooks(
            format!("http://{daemon}/webhooks/shopify/{SHOPIFY_SHOP}"),
            self.secrets.shopify_webhook.as_bytes().to_vec(),
        );
        let url = format!("http://{daemon}/webhooks/woocommerce/{WOO_SHOP}");
        for topic in [
            "order.created",
            "order.updated",
            "product.updated",
            "product.deleted",
        ] {
            let _ = self
                .woo
                .state()
                .register_webhook(topic, &url, &self.secrets.woo_webhook);
        }
    }

    /// Places the next held-back order, alternating between the stores; `None` once
    /// both streams are used up. The stores send the webhooks.
    pub fn place_next_order(&mut self) -> Option<&'static str> {
        let (shopify_turn, index) = (self.sent % 2 == 0, self.sent / 2);
        let shop = if shopify_turn {
            let order = self.shopify_stream.get(index)?;
            let _ = self.shopify.state().add_order(order);
            SHOPIFY_SHOP
        } else {
            let order = self.woo_stream.get(index)?;
            let _ = self.woo.state().add_order(order);
            WOO_SHOP
        };
        // Counted only when placed, so `place_again` goes on alternating the stores.
        self.sent += 1;
        Some(shop)
    }

    /// Places a held-back order again, as a new order, cycling through both streams and
    /// alternating stores: webhooks keep coming once [`Self::place_next_order`] has used
    /// the streams up (the demo, soak runs). Each lap is timed one stream-length later.
    pub fn place_again(&mut self) -> &'static str {
        let (shopify_turn, index) = (self.sent % 2 == 0, self.sent / 2);
        self.sent += 1;
        let (stream, shop) = if shopify_turn {
            (&self.shopify_stream, SHOPIFY_SHOP)
        } else {
            (&self.woo_stream, WOO_SHOP)
        };
        let Some(original) = stream.get(index % stream.len().max(1)) else {
            return shop;
        };
        let lap = index / stream.len().max(1);
        let mut order = original.clone();
        order.created_at +=
            chrono::Duration::seconds(i64::try_from(lap * stream.len()).unwrap_or(0));
        if shopify_turn {
            let _ = self.shopify.state().add_order(&order);
        } else {
            let _ = self.woo.state().add_order(&order);
        }
        shop
    }

    /// Edits an order already in a store, alternating stores and cycling through their
    /// orders: one unit more on its first line in even laps, one fewer in odd ones, as a
    /// merchant editing orders for customers does. The platform sends the whole order
    /// again (Shopify `orders/updated`, WooCommerce `order.updated`), the daemon counts
    /// it again and re-ranks what it holds, and the number of orders stays the same. A
    /// soak with a steady order count runs on these, so the data does not grow under it.
    pub fn touch_next_order(&mut self) -> &'static str {
        let existing = self.existing.get_or_insert_with(|| ExistingOrders {
            shopify: self
                .shopify
                .state()
                .orders()
                .into_iter()
                .map(|o| o.gid)
                .collect(),
            woo: self
                .woo
                .state()
                .orders()
                .into_iter()
                .map(|o| o.id)
                .collect(),
        });
        let (shopify_turn, index) = (self.touched % 2 == 0, self.touched / 2);
        self.touched += 1;
        let lap_delta = |len: usize| if (index / len.max(1)) % 2 == 0 { 1 } else { -1 };
        if shopify_turn {
            let len = existing.shopify.len();
            if let Some(gid) = existing.shopify.get(index % len.max(1)) {
                let _ = self.shopify.state().add_units(gid, lap_delta(len));
            }
            SHOPIFY_SHOP
        } else {
            let len = existing.woo.len();
            if let Some(&id) = existing.woo.get(index % len.max(1)) {
                let _ = self.woo.state().add_units(id, lap_delta(len));
            }
            WOO_SHOP
        }
    }

    /// Orders edited so far by [`Self::touch_next_order`].
    #[must_use]
    pub fn touched(&self) -> usize {
        self.touched
    }

    /// A handle that makes both stores fail now and then (soak runs).
    #[must_use]
    pub fn faults(&self) -> FaultRounds {
        FaultRounds {
            shopify: self.shopify.state().clone(),
            woo: self.woo.state().clone(),
        }
    }

    /// Orders placed so far.
    #[must_use]
    pub fn placed(&self) -> usize {
        self.sent
    }
}

/// Faults for both stores in rounds, cycling through what a real platform or the proxy
/// in front of it produces: a 503, a 429, a connection reset, truncated JSON, and a
/// throttle (Shopify) or an HTML error page (WooCommerce).
#[derive(Clone, Debug)]
pub struct FaultRounds {
    shopify: SimState,
    woo: SimWooState,
}

impl FaultRounds {
    /// How many different rounds there are before they repeat.
    pub const KINDS: usize = 5;

    /// Makes each store fail its next request with round `round`'s fault.
    pub fn inject(&self, round: usize) {
        let (shopify, woo) = match round % Self::KINDS {
            0 => (Fault::Status(503), WooFault::Status(503)),
            1 => (
                Fault::TooManyRequests {
                    retry_after_secs: 1,
                },
                WooFault::TooManyRequests {
                    retry_after_secs: None,
                },
            ),
            2 => (Fault::ResetMidBody, WooFault::ResetMidBody),
            3 => (Fault::MalformedJson, WooFault::MalformedJson),
            _ => (Fault::Throttled, WooFault::HtmlErrorPage),
        };
        self.shopify.push_fault(shopify);
        self.woo.push_fault(woo);
    }
}

/// A generated shop without its newest `spec.streamed` orders, and those orders, re-timed
/// a second apart from where the stores' shifted history ends (an hour before `now`).
fn held_back(seed: u64, spec: ScenarioSpec) -> (crate::sim::SyntheticShop, Vec<Order>) {
    let mut shop = generate(&ShopSpec::new(
        seed,
        spec.products,
        spec.orders + spec.streamed,
    ));
    shop.orders.sort_by_key(|o| o.created_at);
    let mut stream = shop
        .orders
        .split_off(shop.orders.len() - spec.streamed.min(shop.orders.len()));
    let history_end = spec.now - chrono::Duration::hours(1);
    for (k, order) in (1..).zip(&mut stream) {
        order.created_at = history_end + chrono::Duration::seconds(k);
    }
    (shop, stream)
}

/// Writes a file only its owner can read.
fn write_private(path: &Path, value: &str) -> io::Result<()> {
    use std::io::Write as _;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    options.open(path)?.write_all(value.as_bytes())
}
