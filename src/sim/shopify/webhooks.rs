//! Webhook deliveries as Shopify makes them (reference §6): once a test subscribes an
//! address, every change to the shop (handle edits, new orders, deletions, and the
//! daemon's own metafield writes, which Shopify echoes as products/update) becomes a
//! signed HTTPS-style POST of the REST-shaped record (`rest`), snapshotted when the
//! change happens.
//!
//! Each delivery is its own task: no ordering between deliveries, as with Shopify. An
//! attempt fails on a non-2xx answer (redirects are not followed), a transport error
//! or the timeout (5 s); failed attempts are retried after the configured delays (short
//! in the simulator where Shopify waits up to 4 h), keeping the original body, address,
//! `X-Shopify-Webhook-Id` and `X-Shopify-Event-Id`. A redelivery (a duplicate, which
//! Shopify sends now and then) keeps the event id under a new webhook id, so receivers
//! can test their dedupe.
//!
//! The outbox lives beside the records it reports on (`ShopData`), so an event is queued
//! under the same write lock as its change: no event is lost or reported twice.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::body::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;
use tokio::sync::watch;

use super::config::SimConfig;
use super::ids::parse_kind;
use super::rest;
use super::shared::lock;
use super::staged::uuid;
use super::state::ShopData;
use crate::platform::webhook_signature::sign;

/// `User-Agent` of Shopify's webhook sender.
const USER_AGENT: &str = "Shopify-Captain-Hook";

/// What the simulator's webhook sender has done since start.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WebhookCounters {
    /// Deliveries created (one per event while subscribed), redeliveries included.
    pub events: u64,
    /// Deliveries answered with a 2xx.
    pub delivered: u64,
    /// Attempts that failed (non-2xx, transport error, timeout), retried ones included.
    pub failed_attempts: u64,
    /// Deliveries abandoned after their last retry failed.
    pub given_up: u64,
}

/// How deliveries are sent; fixed when the server starts.
#[derive(Debug)]
pub(crate) struct Setup {
    /// Deliveries are spawned on it, also from bulk-mutation worker threads.
    pub runtime: tokio::runtime::Handle,
    pub http: reqwest::Client,
    /// Waits before the second, third, ... attempt.
    pub retry_delays: Vec<Duration>,
    pub shop_domain: String,
    /// The payload version, `X-Shopify-API-Version`.
    pub api_version: String,
    pub currency: String,
}

impl Setup {
    /// Delivery as `config` describes it, on the current runtime. The payload version
    /// is the forced answer version, else the newest supported one (apps subscribe
    /// with their current version).
    pub fn new(config: &SimConfig) -> std::io::Result<Self> {
        let timeout = config.webhook_timeout;
        let http = reqwest::Client::builder()
            .no_proxy()
            .connect_timeout(Duration::from_secs(1).min(timeout))
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(std::io::Error::other)?;
        let api_version = config
            .answer_version
            .clone()
            .or_else(|| config.api_versions.last().cloned())
            .unwrap_or_default();
        Ok(Self {
            runtime: tokio::runtime::Handle::current(),
            http,
            retry_delays: config.webhook_retry_delays.clone(),
            shop_domain: config.shop_domain.clone(),
            api_version,
            currency: config.currency.clone(),
        })
    }
}

/// The subscribed endpoint.
#[derive(Clone, Debug)]
struct Subscription {
    address: String,
    secret: Arc<[u8]>,
}

/// One delivery: what every attempt sends.
#[derive(Clone, Debug)]
struct Delivery {
    topic: &'static str,
    body: Bytes,
    address: String,
    secret: Arc<[u8]>,
    webhook_id: String,
    event_id: String,
    triggered_at: String,
}

/// Subscription, held deliveries, counters and deliveries in flight.
#[derive(Debug)]
pub(crate) struct Outbox {
    setup: OnceLock<Setup>,
    subscription: Mutex<Option<Subscription>>,
    held: AtomicBool,
    queue: Mutex<Vec<Delivery>>,
    last: Mutex<Option<Delivery>>,
    counters: Mutex<WebhookCounters>,
    in_flight: watch::Sender<usize>,
}

impl Default for Outbox {
    fn default() -> Self {
        Self {
            setup: OnceLock::new(),
            subscription: Mutex::new(None),
            held: AtomicBool::new(false),
            queue: Mutex::new(Vec::new()),
            last: Mutex::new(None),
            counters: Mutex::new(WebhookCounters::default()),
            in_flight: watch::channel(0).0,
        }
    }
}

impl Outbox {
    /// Fixes how deliveries are sent (once; later calls are ignored).
    pub fn configure(&self, setup: Setup) {
        let _ = self.setup.set(setup);
    }

    /// Sends every later event to `address`, signed with `secret` (replacing any earlier
    /// subscription).
    pub fn subscribe(&self, address: String, secret: Vec<u8>) {
        *lock(&self.subscription) = Some(Subscription {
            address,
            secret: secret.into(),
        });
    }

    /// Stops creating deliveries; those already created still run.
    pub fn unsubscribe(&self) {
        *lock(&self.subscription) = None;
    }

    fn subscribed(&self) -> bool {
        lock(&self.subscription).is_some()
    }

    /// Holds new deliveries (`true`), or sends the held ones and stops holding.
    pub fn hold(self: &Arc<Self>, hold: bool) {
        self.held.store(hold, Ordering::SeqCst);
        if !hold {
            for delivery in std::mem::take(&mut *lock(&self.queue)) {
                self.spawn(delivery);
            }
        }
    }

    /// Deliveries held.
    pub fn pending(&self) -> usize {
        lock(&self.queue).len()
    }

    /// Sends the held deliveries now, retries included; how many got a 2xx.
    pub async fn deliver_pending(self: &Arc<Self>) -> usize {
        let held = std::mem::take(&mut *lock(&self.queue));
        let runs = held.into_iter().map(|delivery| {
            let busy = Busy::start(self);
            async move { deliver(&busy.0, &delivery).await }
        });
        futures::future::join_all(runs)
            .await
            .into_iter()
            .filter(|ok| *ok)
            .count()
    }

    /// Sends the last delivery again as Shopify's duplicates come: same event id, body
    /// and trigger time, a new webhook id. `false` if no delivery was created yet.
    pub fn redeliver_last(self: &Arc<Self>) -> bool {
        let Some(mut delivery) = lock(&self.last).clone() else {
            return false;
        };
        delivery.webhook_id = uuid();
        self.dispatch(delivery);
        true
    }

    /// The counters so far.
    pub fn counters(&self) -> WebhookCounters {
        lock(&self.counters).clone()
    }

    /// Waits until no delivery is being sent (held ones do not count).
    pub async fn settled(&self) {
        let mut in_flight = self.in_flight.subscribe();
        let _ = in_flight.wait_for(|n| *n == 0).await;
    }

    /// Creates a delivery of `body` on `topic`, if subscribed.
    fn emit(self: &Arc<Self>, topic: &'static str, body: &Value, now: DateTime<Utc>) {
        let Some(subscription) = lock(&self.subscription).clone() else {
            return;
        };
        let delivery = Delivery {
            topic,
            body: Bytes::from(serde_json::to_vec(body).unwrap_or_default()),
            address: subscription.address,
            secret: subscription.secret,
            webhook_id: uuid(),
            event_id: uuid(),
            triggered_at: now.to_rfc3339_opts(SecondsFormat::Nanos, true),
        };
        *lock(&self.last) = Some(delivery.clone());
        self.dispatch(delivery);
    }

    /// Holds or sends a delivery.
    fn dispatch(self: &Arc<Self>, delivery: Delivery) {
        self.count(|c| c.events += 1);
        if self.held.load(Ordering::SeqCst) {
            lock(&self.queue).push(delivery);
        } else {
            self.spawn(delivery);
        }
    }

    /// Sends a delivery in a task of its own (held until the server has started).
    fn spawn(self: &Arc<Self>, delivery: Delivery) {
        let Some(setup) = self.setup.get() else {
            lock(&self.queue).push(delivery);
            return;
        };
        let busy = Busy::start(self);
        setup.runtime.spawn(async move {
            deliver(&busy.0, &delivery).await;
        });
    }

    fn count(&self, f: impl FnOnce(&mut WebhookCounters)) {
        f(&mut lock(&self.counters));
    }
}

/// A delivery in flight; counted from creation to the end of its last attempt.
struct Busy(Arc<Outbox>);

impl Busy {
    fn start(outbox: &Arc<Outbox>) -> Self {
        outbox.in_flight.send_modify(|n| *n += 1);
        Self(Arc::clone(outbox))
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.in_flight.send_modify(|n| *n = n.saturating_sub(1));
    }
}

/// Every attempt of one delivery until one gets a 2xx or the retries run out.
async fn deliver(outbox: &Outbox, delivery: &Delivery) -> bool {
    let Some(setup) = outbox.setup.get() else {
        return false;
    };
    let waits = std::iter::once(Duration::ZERO).chain(setup.retry_delays.iter().copied());
    for wait in waits {
        tokio::time::sleep(wait).await;
        if attempt(setup, delivery).await {
            outbox.count(|c| c.delivered += 1);
            return true;
        }
        outbox.count(|c| c.failed_attempts += 1);
    }
    outbox.count(|c| c.given_up += 1);
    false
}

/// One POST; whether it was answered with a 2xx.
async fn attempt(setup: &Setup, d: &Delivery) -> bool {
    setup
        .http
        .post(&d.address)
        .header("content-type", "application/json")
        .header("user-agent", USER_AGENT)
        .header("x-shopify-topic", d.topic)
        .header("x-shopify-hmac-sha256", sign(&d.secret, &d.body))
        .header("x-shopify-shop-domain", &setup.shop_domain)
        .header("x-shopify-api-version", &setup.api_version)
        .header("x-shopify-webhook-id", &d.webhook_id)
        .header("x-shopify-event-id", &d.event_id)
        .header("x-shopify-triggered-at", &d.triggered_at)
        .body(d.body.clone())
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
}

/// products/create or products/update for product `num`, as it is now.
pub(crate) fn product_event(data: &ShopData, topic: &'static str, num: u64, now: DateTime<Utc>) {
    if !data.outbox.subscribed() {
        return;
    }
    if let Some(product) = data.products.get(&num) {
        data.outbox
            .emit(topic, &rest::product(product, data.image_url(product)), now);
    }
}

/// products/delete for product `num`.
pub(crate) fn product_deleted(data: &ShopData, num: u64, now: DateTime<Utc>) {
    data.outbox
        .emit("products/delete", &rest::deleted(num), now);
}

/// An orders/* topic for order `num`, as it is now.
pub(crate) fn order_event(data: &ShopData, topic: &'static str, num: u64, now: DateTime<Utc>) {
    if !data.outbox.subscribed() {
        return;
    }
    let currency = data
        .outbox
        .setup
        .get()
        .map_or("USD", |s| s.currency.as_str());
    if let Some(order) = data.orders.get(&num) {
        data.outbox
            .emit(topic, &rest::order(data, order, currency), now);
    }
}

/// products/update for every product a metafield write named (`ownerId` of `inputs`):
/// Shopify reports metafield changes as product changes, so the daemon sees its own
/// writes come back.
pub(crate) fn metafield_owners_updated(data: &ShopData, inputs: &[Value], now: DateTime<Utc>) {
    if !data.outbox.subscribed() {
        return;
    }
    let mut owners: Vec<u64> = inputs
        .iter()
        .filter_map(|input| input.get("ownerId")?.as_str())
        .filter_map(|owner| parse_kind(owner, "Product"))
        .collect();
    owners.sort_unstable();
    owners.dedup();
    for num in owners {
        product_event(data, "products/update", num, now);
    }
}

#[cfg(test)]
mod tests;
