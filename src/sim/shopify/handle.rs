//! The test-facing handle on a running simulator: read the shop as the API would show
//! it, change it the way a merchant or a customer would (edits bump `updatedAt`, new
//! orders, cancellations and refunds, deletions, hand-curated metafields), read
//! counters, change scopes, queue faults, and receive the webhooks those changes fire. Every method is thread-safe and takes effect for the next request.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::model::{Order, OrderFlags, Product, ProductId, VariantId};

use super::bulk::BulkFailure;
use super::faults::{BulkDamage, Fault};
use super::ids::{gid, parse_kind};
use super::shared::{lock, read, write, Shared};
use super::state::{MetafieldRec, OrderRec, VariantRec};
use super::views::{metafield_view, order_model, product_model};
pub use super::views::{SimMetafield, SimOrder, SimProduct};
use super::webhooks::{self, Outbox, WebhookCounters};

/// What the simulator has seen and done since start (or the last reset).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// GraphQL requests received, faulted and unauthorized ones included.
    pub requests: u64,
    /// Requests by operation name (`"<anonymous>"` without one); only requests whose
    /// document parsed.
    pub requests_by_operation: BTreeMap<String, u64>,
    /// Requests refused with 401.
    pub unauthorized: u64,
    /// THROTTLED answers sent (forced ones included).
    pub throttled: u64,
    /// `MAX_COST_EXCEEDED` answers sent.
    pub max_cost_exceeded: u64,
    /// Sum of the actual cost of executed requests.
    pub points_consumed: u64,
    /// `metafieldsSet` executions (bulk mutation lines included).
    pub metafields_set_calls: u64,
    /// Metafields written by successful `metafieldsSet` calls, unchanged values included.
    pub metafields_written: u64,
    /// Metafields written with the value and type they already had (duplicate writes).
    pub unchanged_metafield_writes: u64,
    /// `metafieldsDelete` executions.
    pub metafields_delete_calls: u64,
    /// Metafields actually deleted.
    pub metafields_deleted: u64,
    /// Bulk operations started (queries and mutations).
    pub bulk_operations: u64,
    /// Lines executed by bulk mutations.
    pub bulk_mutation_lines: u64,
    /// Bulk result files downloaded.
    pub bulk_downloads: u64,
    /// Staged upload targets handed out.
    pub staged_targets: u64,
    /// Files uploaded to staged targets.
    pub staged_uploads: u64,
    /// Requests answered by a queued fault.
    pub faults_injected: u64,
}

impl Counters {
    /// Requests seen for operation `name`.
    #[must_use]
    pub fn requests_for(&self, name: &str) -> u64 {
        self.requests_by_operation.get(name).copied().unwrap_or(0)
    }
}

/// Thread-safe handle on a simulated shop.
#[derive(Clone, Debug)]
pub struct SimState {
    pub(crate) shared: Arc<Shared>,
}

impl SimState {
    /// The shop's current time.
    #[must_use]
    pub fn now(&self) -> DateTime<Utc> {
        self.shared.now()
    }

    /// Every product, in id order.
    #[must_use]
    pub fn products(&self) -> Vec<SimProduct> {
        let data = read(&self.shared.data);
        data.products
            .values()
            .map(|p| SimProduct {
                gid: gid("Product", p.num),
                source_id: p.source.clone(),
                created_at: p.created_at,
                product: product_model(&data, p),
            })
            .collect()
    }

    /// The GID of the product the generator called `source`.
    #[must_use]
    pub fn product_gid(&self, source: &ProductId) -> Option<String> {
        let data = read(&self.shared.data);
        data.product_num(source.as_str()).map(|n| gid("Product", n))
    }

    /// Every order (readable or not), in id order.
    #[must_use]
    pub fn orders(&self) -> Vec<SimOrder> {
        read(&self.shared.data)
            .orders
            .values()
            .map(order_model)
            .collect()
    }

    /// Edits a product as a merchant would; `updatedAt` becomes now. Variants are
    /// matched by position; added ones get new ids. `false` if there is no such product.
    pub fn update_product(&self, product_gid: &str, edit: impl FnOnce(&mut Product)) -> bool {
        let now = self.shared.now();
        let mut data = write(&self.shared.data);
        let Some(num) = parse_kind(product_gid, "Product") else {
            return false;
        };
        let Some(record) = data.products.get(&num) else {
            return false;
        };
        let mut model = product_model(&data, record);
        let image_before = model.image_url.clone();
        edit(&mut model);
        let old: Vec<(u64, VariantId)> = record
            .variants
            .iter()
            .map(|v| (v.num, v.source.clone()))
            .collect();
        let mut variants = Vec::with_capacity(model.variants.len());
        for (i, v) in model.variants.into_iter().enumerate() {
            let (vnum, source) = old.get(i).cloned().unwrap_or_else(|| {
                let n = data.next_variant_num();
                (n, VariantId::new(gid("ProductVariant", n)))
            });
            variants.push(VariantRec {
                num: vnum,
                source,
                title: v.title,
                sku: v.sku,
                price: v.price,
                compare_at: v.compare_at_price,
                available: v.available,
                inventory: v.inventory_quantity,
            });
        }
        for (vnum, _) in old.iter().skip(variants.len()) {
            data.variant_owner.remove(vnum);
        }
        for v in &variants {
            data.variant_owner.insert(v.num, num);
        }
        if let Some(record) = data.products.get_mut(&num) {
            record.title = model.title;
            record.handle = model.handle;
            record.product_type = model.product_type;
            record.tags = model.tags;
            record.vendor = model.vendor;
            record.status = model.status;
            record.variants = variants;
            if model.image_url != image_before {
                record.image = model.image_url;
            }
            record.updated_at = now;
        }
        webhooks::product_event(&data, "products/update", num, now);
        true
    }

    /// Places an order (its `created_at` as given; products and variants by GID or by
    /// the generator's ids) and fires orders/create. Returns the order's GID.
    #[must_use]
    pub fn add_order(&self, order: &Order) -> String {
        let now = self.shared.now();
        let mut data = write(&self.shared.data);
        let num = data.add_order(order, now);
        // Placed now, whatever its creation time says: Shopify's `updated_at` is the
        // moment of the last change, which incremental syncs rely on.
        if let Some(record) = data.orders.get_mut(&num) {
            record.updated_at = now;
        }
        webhooks::order_event(&data, "orders/create", num, now);
        gid("Order", num)
    }

    /// Changes an order's flags as the merchant would (cancel, refund, mark as test);
    /// `updatedAt` becomes now. Fires orders/cancelled when this cancels it, else
    /// orders/updated. `false` if there is no such order.
    pub fn update_order(&self, order_gid: &str, edit: impl FnOnce(&mut OrderFlags)) -> bool {
        self.edit_order(order_gid, |record, now| {
            let was_cancelled = record.cancelled_at.is_some();
            let mut flags = OrderFlags {
                cancelled: was_cancelled,
                test: record.test,
                refunded: record.refunded,
            };
            edit(&mut flags);
            record.cancelled_at = match (was_cancelled, flags.cancelled) {
                (false, true) => Some(now),
                (_, false) => None,
                (true, true) => record.cancelled_at,
            };
            record.test = flags.test;
            record.refunded = flags.refunded;
            Some(if flags.cancelled && !was_cancelled {
                "orders/cancelled"
            } else {
                "orders/updated"
            })
        })
    }

    /// An order edit (Shopify's order editing), as for a customer who wants one more or
    /// one fewer: the first line's quantity changes by `delta`, never below one;
    /// `updatedAt` becomes now and orders/updated fires. `false` if there is no such
    /// order or it has no lines.
    #[must_use]
    pub fn add_units(&self, order_gid: &str, delta: i32) -> bool {
        self.edit_order(order_gid, |record, _| {
            let line = record.lines.first_mut()?;
            line.quantity = line.quantity.saturating_add_signed(delta).max(1);
            Some("orders/updated")
        })
    }

    /// Lets `edit` change order `order_gid`; when it answers a webhook topic, the order's
    /// `updatedAt` becomes now and the topic fires. `false` if there is no such order or
    /// `edit` answered `None` (and changed nothing).
    fn edit_order(
        &self,
        order_gid: &str,
        edit: impl FnOnce(&mut OrderRec, DateTime<Utc>) -> Option<&'static str>,
    ) -> bool {
        let now = self.shared.now();
        let mut data = write(&self.shared.data);
        let Some(num) = parse_kind(order_gid, "Order") else {
            return false;
        };
        let Some(record) = data.orders.get_mut(&num) else {
            return false;
        };
        let Some(topic) = edit(record, now) else {
            return false;
        };
        record.updated_at = now;
        webhooks::order_event(&data, topic, num, now);
        true
    }

    /// Deletes a product (firing products/delete); `nodes` answers `null` for it and
    /// line items lose it.
    #[must_use]
    pub fn delete_product(&self, product_gid: &str) -> bool {
        let Some(num) = parse_kind(product_gid, "Product") else {
            return false;
        };
        let mut data = write(&self.shared.data);
        let deleted = data.delete_product(num);
        if deleted {
            webhooks::product_deleted(&data, num, self.shared.now());
        }
        deleted
    }

    /// Sets a metafield by hand (a merchant curating a list), without validation, and
    /// fires products/update. Returns the metafield's GID, or `None` if the product
    /// does not exist.
    #[must_use]
    pub fn set_metafield(
        &self,
        owner: &str,
        namespace: &str,
        key: &str,
        kind: &str,
        value: &str,
    ) -> Option<String> {
        let now = self.shared.now();
        let mut data = write(&self.shared.data);
        let num = parse_kind(owner, "Product").filter(|n| data.products.contains_key(n))?;
        let fresh = data.next_metafield_num();
        let product = data.products.get_mut(&num)?;
        let existing = product
            .metafields
            .iter_mut()
            .find(|m| m.namespace == namespace && m.key == key);
        let record = if let Some(existing) = existing {
            kind.clone_into(&mut existing.kind);
            value.clone_into(&mut existing.value);
            existing.updated_at = now;
            existing.num
        } else {
            product.metafields.push(MetafieldRec {
                num: fresh,
                namespace: namespace.to_owned(),
                key: key.to_owned(),
                kind: kind.to_owned(),
                value: value.to_owned(),
                created_at: now,
                updated_at: now,
            });
            fresh
        };
        webhooks::product_event(&data, "products/update", num, now);
        Some(gid("Metafield", record))
    }

    /// Every metafield of a product, in creation order.
    #[must_use]
    pub fn metafields(&self, owner: &str) -> Vec<SimMetafield> {
        let data = read(&self.shared.data);
        parse_kind(owner, "Product")
            .and_then(|n| data.products.get(&n))
            .map(|p| p.metafields.iter().map(metafield_view).collect())
            .unwrap_or_default()
    }

    /// The counters so far.
    #[must_use]
    pub fn counters(&self) -> Counters {
        let mut counters = lock(&self.shared.counters).clone();
        counters.unchanged_metafield_writes = read(&self.shared.data).unchanged_metafield_writes;
        counters
    }

    /// Zeroes the counters.
    pub fn reset_counters(&self) {
        *lock(&self.shared.counters) = Counters::default();
    }

    /// The granted scopes.
    #[must_use]
    pub fn scopes(&self) -> Vec<String> {
        read(&self.shared.scopes).clone()
    }

    /// Grants exactly `scopes`.
    pub fn set_scopes<S: Into<String>>(&self, scopes: impl IntoIterator<Item = S>) {
        *write(&self.shared.scopes) = scopes.into_iter().map(Into::into).collect();
    }

    /// Revokes one scope.
    pub fn revoke_scope(&self, scope: &str) {
        write(&self.shared.scopes).retain(|s| s != scope);
    }

    /// Queues `fault` for the next GraphQL request (after those already queued).
    pub fn push_fault(&self, fault: Fault) {
        lock(&self.shared.faults).push(None, fault);
    }

    /// Queues `fault` for each of the next `times` requests.
    pub fn push_faults(&self, fault: &Fault, times: usize) {
        let mut queue = lock(&self.shared.faults);
        for _ in 0..times {
            queue.push(None, fault.clone());
        }
    }

    /// Queues `fault` for each of the next `times` requests of the GraphQL operation
    /// `operation` (e.g. `Products`); requests of other operations pass it by.
    pub fn push_faults_for(&self, operation: &str, fault: &Fault, times: usize) {
        let mut queue = lock(&self.shared.faults);
        for _ in 0..times {
            queue.push(Some(operation), fault.clone());
        }
    }

    /// Faults still queued.
    #[must_use]
    pub fn pending_faults(&self) -> usize {
        lock(&self.shared.faults).len()
    }

    /// Drops every queued fault, bulk failures included.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Makes the next bulk operation fail as described.
    pub fn fail_next_bulk(&self, failure: BulkFailure) {
        lock(&self.shared.faults).bulk.push_back(failure);
    }

    /// Damages the next bulk query (after those already damaged): canceled, or its
    /// file spoilt.
    pub fn damage_next_bulk(&self, damage: BulkDamage) {
        lock(&self.shared.faults).bulk_damage.push_back(damage);
    }

    /// Delivers webhooks to `address` (the daemon's endpoint, e.g.
    /// `http://127.0.0.1:PORT/webhooks/shopify/main`), signed with `secret` (the app's
    /// client secret): from now on every product or order change, deletion and
    /// metafield write fires its topic. Replaces an earlier subscription.
    pub fn subscribe_webhooks(&self, address: impl Into<String>, secret: impl Into<Vec<u8>>) {
        self.outbox().subscribe(address.into(), secret.into());
    }

    /// Stops creating deliveries; those already created still run.
    pub fn unsubscribe_webhooks(&self) {
        self.outbox().unsubscribe();
    }

    /// Holds new deliveries (`true`), or sends the held ones and stops holding.
    pub fn hold_webhooks(&self, hold: bool) {
        self.outbox().hold(hold);
    }

    /// Deliveries held by [`hold_webhooks`](Self::hold_webhooks).
    #[must_use]
    pub fn pending_webhooks(&self) -> usize {
        self.outbox().pending()
    }

    /// Sends the held deliveries now and waits for them (retries included); returns
    /// how many were answered with a 2xx.
    pub async fn deliver_pending_webhooks(&self) -> usize {
        self.outbox().deliver_pending().await
    }

    /// Sends the last delivery again, as Shopify's duplicates arrive: the same body and
    /// `X-Shopify-Event-Id` under a new `X-Shopify-Webhook-Id`. `false` if there was none.
    #[must_use]
    pub fn redeliver_last_webhook(&self) -> bool {
        self.outbox().redeliver_last()
    }

    /// Waits until no webhook delivery is being sent or retried (held ones aside).
    pub async fn webhooks_settled(&self) {
        self.outbox().settled().await;
    }

    /// What the webhook sender has done so far.
    #[must_use]
    pub fn webhook_counters(&self) -> WebhookCounters {
        self.outbox().counters()
    }

    fn outbox(&self) -> Arc<Outbox> {
        Arc::clone(&read(&self.shared.data).outbox)
    }

    /// A bulk operation as `bulkOperation(id:)` would answer it, without counting a poll.
    #[must_use]
    pub fn bulk_operation(&self, id: &str) -> Option<Value> {
        let num = parse_kind(id, "BulkOperation")?;
        let owned = lock(&self.shared.bulk).answer(num, &self.shared)?;
        Some(super::owned::owned_json(&owned))
    }
}
