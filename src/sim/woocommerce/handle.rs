//! The test-facing handle on a running store: read it as the API would show it, change
//! it the way a merchant or a customer would (every change bumps `date_modified` and
//! fires the webhooks WooCommerce would), read counters, queue faults and drive webhook
//! deliveries. Every method is thread-safe and takes effect for the next request.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::model::{Order, ProductId};

use super::config::KeyPermission;
use super::delivery::{self, handle_webhook};
use super::faults::WooFault;
use super::meta;
use super::product_write::register_terms;
pub use super::records::{
    SimWooLine, SimWooMeta, SimWooOrder, SimWooProduct, SimWooVariation, SimWooWebhook,
};
use super::seed::order_from_model;
use super::shared::{lock, read, Shared};

/// What the simulator has seen and done since start (or the last reset).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WooCounters {
    /// Requests received, rate-limited, faulted and unauthorized ones included.
    pub requests: u64,
    /// Requests by route, e.g. `GET /products`, `PUT /products/{id}`,
    /// `POST /products/batch` (only requests that matched a route).
    pub requests_by_route: BTreeMap<String, u64>,
    /// Answers with status 401.
    pub unauthorized: u64,
    /// 429 answers sent by the rate limit.
    pub rate_limited: u64,
    /// Requests answered (or delayed, or dropped) by a queued fault.
    pub faults_injected: u64,
    /// Batch requests executed.
    pub batch_calls: u64,
    /// Batch items applied (created, updated or deleted without error).
    pub batch_items: u64,
    /// Batch updates that changed nothing but the modification date (duplicate writes).
    pub unchanged_updates: u64,
    /// The most requests being served at once.
    pub max_in_flight: u64,
    /// Webhook deliveries sent (answered or not).
    pub webhook_deliveries: u64,
    /// Webhook pings sent.
    pub webhook_pings: u64,
}

impl WooCounters {
    /// Requests seen for `route` (e.g. `GET /products`).
    #[must_use]
    pub fn requests_for(&self, route: &str) -> u64 {
        self.requests_by_route.get(route).copied().unwrap_or(0)
    }
}

/// Thread-safe handle on a simulated store.
#[derive(Clone, Debug)]
pub struct SimWooState {
    pub(crate) shared: Arc<Shared>,
}

impl SimWooState {
    /// The store's current time (whole seconds).
    #[must_use]
    pub fn now(&self) -> DateTime<Utc> {
        self.shared.now()
    }

    /// The API key.
    #[must_use]
    pub fn consumer_key(&self) -> &str {
        &self.shared.settings.consumer_key
    }

    /// The API key's secret.
    #[must_use]
    pub fn consumer_secret(&self) -> &str {
        &self.shared.settings.consumer_secret
    }

    /// Changes what the key may do.
    pub fn set_permission(&self, permission: KeyPermission) {
        *lock(&self.shared.permission) = permission;
    }

    /// Every product (trash included), in id order.
    #[must_use]
    pub fn products(&self) -> Vec<SimWooProduct> {
        read(&self.shared.data).products.values().cloned().collect()
    }

    /// Product `id`.
    #[must_use]
    pub fn product(&self, id: u64) -> Option<SimWooProduct> {
        read(&self.shared.data).products.get(&id).cloned()
    }

    /// `GET /products/{id}` exactly as the API answers it (variation ids too).
    #[must_use]
    pub fn product_json(&self, id: u64) -> Option<Value> {
        let data = read(&self.shared.data);
        self.shared.view(&data).product_by_id(id)
    }

    /// `GET /orders/{id}` exactly as the API answers it.
    #[must_use]
    pub fn order_json(&self, id: u64) -> Option<Value> {
        let data = read(&self.shared.data);
        let order = data.orders.get(&id)?;
        Some(self.shared.view(&data).order(order))
    }

    /// The generator's id of product `id`.
    #[must_use]
    pub fn source_product(&self, id: u64) -> Option<ProductId> {
        read(&self.shared.data)
            .products
            .get(&id)
            .and_then(|p| p.source_id.clone())
    }

    /// The WooCommerce id of the product the generator called `source`.
    #[must_use]
    pub fn product_id_of(&self, source: &ProductId) -> Option<u64> {
        read(&self.shared.data).product_id_of(source.as_str())
    }

    /// Every order, in id order.
    #[must_use]
    pub fn orders(&self) -> Vec<SimWooOrder> {
        read(&self.shared.data).orders.values().cloned().collect()
    }

    /// Order `id`.
    #[must_use]
    pub fn order(&self, id: u64) -> Option<SimWooOrder> {
        read(&self.shared.data).orders.get(&id).cloned()
    }

    /// Edits a product as a merchant would; `date_modified` becomes now and
    /// `product.updated` fires. `false` if there is no such product.
    pub fn update_product(&self, id: u64, edit: impl FnOnce(&mut SimWooProduct)) -> bool {
        let now = self.shared.now();
        self.shared.write(|data| {
            let Some(mut product) = data.products.get(&id).cloned() else {
                return false;
            };
            edit(&mut product);
            register_terms(data, &product);
            data.edit_product(id, now, |p| *p = product)
        })
    }

    /// Replaces the upsell and cross-sell lists by hand (stored as given).
    #[must_use]
    pub fn set_linked_ids(&self, id: u64, upsells: Vec<u64>, cross_sells: Vec<u64>) -> bool {
        self.update_product(id, |p| {
            p.upsell_ids = upsells;
            p.cross_sell_ids = cross_sells;
        })
    }

    /// Sets meta `key` as a REST write without `id` would (`None` deletes it).
    #[must_use]
    pub fn set_meta(&self, id: u64, key: &str, value: Option<Value>) -> bool {
        let now = self.shared.now();
        self.shared.write(|data| {
            let fresh = data.next_meta_id();
            data.edit_product(id, now, |p| {
                meta::set_key(&mut p.meta, key, value, fresh);
            })
        })
    }

    /// Moves a product to the trash (like DELETE without `force`).
    #[must_use]
    pub fn trash_product(&self, id: u64) -> bool {
        let now = self.shared.now();
        self.shared.write(|data| data.trash_product(id, now))
    }

    /// Deletes a product for good (like DELETE with `force=true`).
    #[must_use]
    pub fn delete_product(&self, id: u64) -> bool {
        self.shared.write(|data| data.delete_product(id).is_some())
    }

    /// Places a model order (its `created_at` as given; products and variants by the
    /// generator's ids or WooCommerce ids). Returns the order id.
    #[must_use]
    pub fn add_order(&self, order: &Order) -> u64 {
        let now = self.shared.now();
        let share = self.shared.settings.guest_share;
        self.shared.write(|data| {
            let mut record = order_from_model(data, order, share, now);
            record.date_modified_gmt = now.max(record.date_created_gmt);
            data.insert_order(record)
        })
    }

    /// Adds an order as given (id 0 or a taken id gets a fresh one; lines are completed
    /// from the catalog). Returns the order id.
    #[must_use]
    pub fn insert_order(&self, order: SimWooOrder) -> u64 {
        self.shared.write(|data| data.insert_order(order))
    }

    /// Changes an order's status (`order.updated` fires).
    #[must_use]
    pub fn set_order_status(&self, id: u64, status: &str) -> bool {
        let now = self.shared.now();
        self.shared
            .write(|data| data.edit_order(id, now, |o| status.clone_into(&mut o.status)))
    }

    /// Edits an order as a merchant does for a customer who wants one more (or one
    /// fewer): the first line's quantity changes by `delta`, never below one;
    /// `date_modified_gmt` becomes now and `order.updated` fires. `false` if there is
    /// no such order or it has no lines.
    #[must_use]
    pub fn add_units(&self, id: u64, delta: i32) -> bool {
        let now = self.shared.now();
        self.shared.write(|data| {
            let has_lines = data.orders.get(&id).is_some_and(|o| !o.lines.is_empty());
            has_lines
                && data.edit_order(id, now, |order| {
                    let line = &mut order.lines[0];
                    line.quantity = line.quantity.saturating_add_signed(delta).max(1);
                })
        })
    }

    /// Queues `fault` for the next request (after those already queued).
    pub fn push_fault(&self, fault: WooFault) {
        lock(&self.shared.faults).push_back((None, fault));
    }

    /// Queues `fault` for each of the next `times` requests.
    pub fn push_faults(&self, fault: &WooFault, times: usize) {
        let mut queue = lock(&self.shared.faults);
        for _ in 0..times {
            queue.push_back((None, fault.clone()));
        }
    }

    /// Queues `fault` for each of the next `times` requests of `route`, labelled as
    /// [`WooCounters::requests_for`] counts them (`GET /products`, `POST /products/batch`);
    /// requests of other routes pass it by.
    pub fn push_faults_for(&self, route: &str, fault: &WooFault, times: usize) {
        let mut queue = lock(&self.shared.faults);
        for _ in 0..times {
            queue.push_back((Some(route.to_owned()), fault.clone()));
        }
    }

    /// Faults still queued.
    #[must_use]
    pub fn pending_faults(&self) -> usize {
        lock(&self.shared.faults).len()
    }

    /// Makes the next batch update of product `id` fail on its own with a per-item error
    /// of HTTP `status` (the rest of the batch runs): a 4xx as a plugin's validation
    /// refusing the product, a 5xx as a database error. Calls queue up.
    pub fn refuse_batch_update(&self, id: u64, status: u16) {
        lock(&self.shared.refused_items)
            .entry(id)
            .or_default()
            .push_back(status);
    }

    /// Drops every queued fault.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// The counters so far.
    #[must_use]
    pub fn counters(&self) -> WooCounters {
        lock(&self.shared.counters).clone()
    }

    /// Zeroes the counters.
    pub fn reset_counters(&self) {
        *lock(&self.shared.counters) = WooCounters::default();
    }

    /// Registers an active webhook without pinging it; returns its id. An empty
    /// `secret` uses the configured `webhook_secret`.
    #[must_use]
    pub fn register_webhook(&self, topic: &str, delivery_url: &str, secret: &str) -> u64 {
        let secret = if secret.is_empty() {
            &self.shared.settings.webhook_secret
        } else {
            secret
        };
        let webhook = handle_webhook(topic, delivery_url, secret, self.shared.now());
        self.shared.write(|data| data.hooks.register(webhook))
    }

    /// Every webhook, in id order.
    #[must_use]
    pub fn webhooks(&self) -> Vec<SimWooWebhook> {
        read(&self.shared.data)
            .hooks
            .webhooks
            .values()
            .cloned()
            .collect()
    }

    /// Holds queued deliveries (`true`) or lets the queue runner send them again.
    pub fn hold_webhooks(&self, hold: bool) {
        self.shared.webhooks_held.store(hold, Ordering::SeqCst);
        if !hold {
            self.shared.webhook_wake.notify_one();
        }
    }

    /// Deliveries waiting (one per webhook and resource).
    #[must_use]
    pub fn pending_deliveries(&self) -> usize {
        read(&self.shared.data).hooks.pending_len()
    }

    /// Sends every queued delivery now; returns how many were sent.
    pub async fn deliver_pending(&self) -> usize {
        delivery::flush(&self.shared).await
    }

    /// Sends one delivery of `resource_id` to `webhook_id` now (dropping a queued one);
    /// the receiver's status (0 for a transport failure), `None` if the webhook is
    /// unknown or inactive.
    pub async fn deliver_now(&self, webhook_id: u64, resource_id: u64) -> Option<u16> {
        self.shared
            .write(|data| data.hooks.take_one(webhook_id, resource_id));
        delivery::deliver(&self.shared, webhook_id, resource_id).await
    }

    /// Webhook deliveries sent so far.
    #[must_use]
    pub fn deliveries_sent(&self) -> u64 {
        self.counters().webhook_deliveries
    }
}
