//! The test-facing handle on a running simulator: read the shop as the API would show
//! it, change it the way a merchant or a customer would (edits bump `updatedAt`, new
//! orders, deletions, hand-curated metafields), read counters, change scopes and queue
//! faults. Every method is thread-safe and takes effect for the next request.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::model::{Order, Product, ProductId, VariantId};

use super::bulk::BulkFailure;
use super::faults::Fault;
use super::ids::{gid, parse_kind};
use super::shared::{lock, read, write, Shared};
use super::state::{MetafieldRec, VariantRec};
use super::views::{metafield_view, order_model, product_model};
pub use super::views::{SimMetafield, SimOrder, SimProduct};

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
        read(&self.shared.data)
            .products
            .values()
            .map(|p| SimProduct {
                gid: gid("Product", p.num),
                source_id: p.source.clone(),
                created_at: p.created_at,
                product: product_model(p),
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
        let mut model = product_model(record);
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
            record.updated_at = now;
        }
        true
    }

    /// Places an order (its `created_at` as given; products and variants by GID or by
    /// the generator's ids). Returns the order's GID.
    #[must_use]
    pub fn add_order(&self, order: &Order) -> String {
        let now = self.shared.now();
        let num = write(&self.shared.data).add_order(order, now);
        gid("Order", num)
    }

    /// Deletes a product; `nodes` answers `null` for it and line items lose it.
    #[must_use]
    pub fn delete_product(&self, product_gid: &str) -> bool {
        parse_kind(product_gid, "Product")
            .is_some_and(|n| write(&self.shared.data).delete_product(n))
    }

    /// Sets a metafield by hand (a merchant curating a list), without validation.
    /// Returns the metafield's GID, or `None` if the product does not exist.
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
        lock(&self.shared.counters).clone()
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
        lock(&self.shared.faults).push(fault);
    }

    /// Queues `fault` for each of the next `times` requests.
    pub fn push_faults(&self, fault: &Fault, times: usize) {
        let mut queue = lock(&self.shared.faults);
        for _ in 0..times {
            queue.push(fault.clone());
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

    /// A bulk operation as `bulkOperation(id:)` would answer it, without counting a poll.
    #[must_use]
    pub fn bulk_operation(&self, id: &str) -> Option<Value> {
        let num = parse_kind(id, "BulkOperation")?;
        let owned = lock(&self.shared.bulk).answer(num, &self.shared)?;
        Some(super::owned::owned_json(&owned))
    }
}
