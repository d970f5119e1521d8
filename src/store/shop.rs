//! `ShopStore`: one shop's trees and the typed operations on them.
//!
//! Keys: product and order ids are their UTF-8 bytes, exactly as the platform gave them
//! (never parsed); checkpoints are keyed by name; written records by
//! `{product_id}\0{list}`; jobs by a big-endian `u64` so that key order is FIFO; the
//! customer → orders index as `customer_index.rs` describes; forgotten customers and
//! orders as `forgotten.rs` describes.

use std::collections::HashSet;

use sled::transaction::{TransactionError, Transactional};
use sled::{Batch, Db};

use super::error::StoreError;
use super::records::{self, Checkpoint, ShopHalt, StoredRule, WrittenRecord};
use super::table::Table;
use crate::model::{Order, OrderId, Product, ProductId, ProductRecs};
use crate::recommend::rules::Rules;

/// The trees every shop has, in `shop/{name}/{tree}`. `ShopStore::open` opens exactly
/// these (a test checks it); `Store::remove_shop` drops them.
pub const SHOP_TREES: [&str; 11] = [
    "products",
    "orders",
    "customer_orders",
    "checkpoints",
    "recommendations",
    "written",
    "rules",
    "jobs",
    "deliveries",
    "status",
    "forgotten",
];

/// The only key in the `rules` tree.
const RULES_KEY: &[u8] = b"rules";

/// The only key in the `status` tree.
const HALT_KEY: &[u8] = b"halt";

/// The sled tree name of one of a shop's trees.
pub fn tree_name(shop: &str, tree: &str) -> String {
    format!("shop/{shop}/{tree}")
}

/// One shop's data. Cheap to clone; clones share the same trees.
#[derive(Clone, Debug)]
pub struct ShopStore {
    name: String,
    db: Db,
    /// Product id → [`Product`].
    products: Table<Product>,
    /// Order id → [`Order`].
    pub(super) orders: Table<Order>,
    /// `{customer}\0{order id}` → nothing: see `customer_index.rs`.
    pub(super) customer_orders: Table<()>,
    /// Checkpoint name → [`Checkpoint`].
    checkpoints: Table<Checkpoint>,
    /// Product id → [`ProductRecs`].
    recommendations: Table<ProductRecs>,
    /// `{product_id}\0{list}` → [`WrittenRecord`].
    written: Table<WrittenRecord>,
    /// `"rules"` → the shop's rule set.
    rules: Table<Vec<StoredRule>>,
    /// Big-endian job id → opaque payload.
    jobs: Table<Vec<u8>>,
    /// Webhook delivery id → when it was queued (unix seconds), to drop redeliveries.
    deliveries: Table<i64>,
    /// `"halt"` → why the shop is stopped, when it is.
    status: Table<ShopHalt>,
    /// Forgotten customers and their orders → a time: see `forgotten.rs`.
    pub(super) forgotten: Table<i64>,
}

/// What [`ShopStore::enqueue_delivery`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Enqueued {
    /// Queued as this job.
    Job(u64),
    /// This delivery id was queued before: nothing was added.
    Duplicate,
}

impl ShopStore {
    /// Opens (creating if needed) every tree of shop `name`: the whole schema.
    pub(super) fn open(db: &Db, name: &str) -> Result<Self, StoreError> {
        let tree = |t: &str| db.open_tree(tree_name(name, t));
        let shop = Self {
            name: name.to_owned(),
            db: db.clone(),
            products: Table::new(tree("products")?),
            orders: Table::new(tree("orders")?),
            customer_orders: Table::with_key_display(tree("customer_orders")?, show_index_key),
            checkpoints: Table::new(tree("checkpoints")?),
            recommendations: Table::new(tree("recommendations")?),
            written: Table::new(tree("written")?),
            rules: Table::new(tree("rules")?),
            jobs: Table::with_key_display(tree("jobs")?, show_job_key),
            deliveries: Table::new(tree("deliveries")?),
            status: Table::new(tree("status")?),
            forgotten: Table::with_key_display(tree("forgotten")?, show_forgotten_key),
        };
        shop.ensure_customer_index()?;
        Ok(shop)
    }

    /// The shop's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Makes everything written so far durable.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        Ok(())
    }

    // ---- products ----

    /// Stores a product, replacing the previous version.
    pub fn put_product(&self, product: &Product) -> Result<(), StoreError> {
        self.products.insert(id_key(&product.id.0), product)
    }

    /// The product with this id.
    pub fn get_product(&self, id: &ProductId) -> Result<Option<Product>, StoreError> {
        self.products.get(id_key(&id.0))
    }

    /// Removes a product; returns whether it was there.
    pub fn remove_product(&self, id: &ProductId) -> Result<bool, StoreError> {
        self.products.remove(id_key(&id.0))
    }

    /// Every later change to the products, as `(id, Some(product))` or `(id, None)`
    /// for a removal; values that cannot be decoded are skipped. Subscribe before
    /// reading the tree so nothing falls between the two.
    pub fn watch_products(&self) -> impl Iterator<Item = (ProductId, Option<Product>)> + Send {
        let table = self.products.clone();
        table
            .tree()
            .watch_prefix(Vec::<u8>::new())
            .filter_map(move |event| match event {
                sled::Event::Insert { key, value } => {
                    let product = table.decode(&key, &value).ok()?;
                    Some((product.id.clone(), Some(product)))
                }
                sled::Event::Remove { key } => Some((
                    ProductId::new(String::from_utf8_lossy(&key).into_owned()),
                    None,
                )),
            })
    }

    /// Every product in id byte order, decoded one at a time.
    pub fn products(&self) -> impl Iterator<Item = Result<Product, StoreError>> {
        self.products.entries().map(|entry| entry.map(|(_, p)| p))
    }

    /// Every product id, without decoding the products.
    pub fn product_ids(&self) -> impl Iterator<Item = Result<ProductId, StoreError>> {
        text_ids(&self.products, ProductId::new)
    }

    /// Number of products (counted by a scan).
    #[must_use]
    pub fn product_count(&self) -> usize {
        self.products.len()
    }

    // ---- orders ----

    // `put_order`, `remove_order`, `orders_of` and `remove_customer` keep the customer
    // index current: they live in `customer_index.rs`.

    /// The order with this id.
    pub fn get_order(&self, id: &OrderId) -> Result<Option<Order>, StoreError> {
        self.orders.get(id_key(&id.0))
    }

    /// Every order in id byte order, decoded one at a time.
    pub fn orders(&self) -> impl Iterator<Item = Result<Order, StoreError>> {
        self.orders.entries().map(|entry| entry.map(|(_, o)| o))
    }

    /// Every order id, without decoding the orders.
    pub fn order_ids(&self) -> impl Iterator<Item = Result<OrderId, StoreError>> {
        text_ids(&self.orders, OrderId::new)
    }

    /// Number of orders (counted by a scan).
    #[must_use]
    pub fn order_count(&self) -> usize {
        self.orders.len()
    }

    // ---- checkpoints ----

    /// The checkpoint called `name` (e.g. `"products"`), if one was saved.
    pub fn checkpoint(&self, name: &str) -> Result<Option<Checkpoint>, StoreError> {
        self.checkpoints.get(name.as_bytes())
    }

    /// Saves the checkpoint called `name`. Call only once the data it covers is stored;
    /// [`flush`](Self::flush) first if it must survive a crash together with that data.
    pub fn set_checkpoint(&self, name: &str, checkpoint: &Checkpoint) -> Result<(), StoreError> {
        self.checkpoints.insert(name.as_bytes(), checkpoint)
    }

    // ---- recommendations ----

    /// Stores the computed lists of one product.
    pub fn put_recs(&self, id: &ProductId, recs: &ProductRecs) -> Result<(), StoreError> {
        self.recommendations.insert(id_key(&id.0), recs)
    }

    /// The computed lists of one product.
    pub fn get_recs(&self, id: &ProductId) -> Result<Option<ProductRecs>, StoreError> {
        self.recommendations.get(id_key(&id.0))
    }

    /// Removes one product's lists; returns whether there were any.
    pub fn remove_recs(&self, id: &ProductId) -> Result<bool, StoreError> {
        self.recommendations.remove(id_key(&id.0))
    }

    /// Every product's lists, in id byte order.
    pub fn all_recs(&self) -> impl Iterator<Item = Result<(ProductId, ProductRecs), StoreError>> {
        let table = self.recommendations.clone();
        self.recommendations.entries().map(move |entry| {
            let (key, recs) = entry?;
            let id = text_id(&key).ok_or_else(|| table.corrupt(&key, "key is not UTF-8"))?;
            Ok((ProductId::new(id), recs))
        })
    }

    /// Replaces the whole set of lists in one atomic batch: readers and a crash see either
    /// the old set or the new one. Returns how many old entries were dropped.
    pub fn replace_all_recs<'a>(
        &self,
        recs: impl IntoIterator<Item = (&'a ProductId, &'a ProductRecs)>,
    ) -> Result<usize, StoreError> {
        let mut batch = Batch::default();
        let mut keep = HashSet::new();
        for (id, product_recs) in recs {
            let key = id_key(&id.0);
            batch.insert(key, self.recommendations.encode(key, product_recs)?);
            keep.insert(key.to_vec());
        }
        let mut dropped = 0;
        for key in self.recommendations.keys() {
            let key = key?;
            if !keep.contains(key.as_ref()) {
                batch.remove(key);
                dropped += 1;
            }
        }
        self.recommendations.tree().apply_batch(batch)?;
        Ok(dropped)
    }

    // ---- written ----

    /// What we last wrote to list `list` (e.g. `"cross_sell"`) of product `id`.
    pub fn written_hash(
        &self,
        id: &ProductId,
        list: &str,
    ) -> Result<Option<WrittenRecord>, StoreError> {
        self.written.get(&written_key(id, list))
    }

    /// Every written record of product `id`, by list key.
    pub fn written_for(&self, id: &ProductId) -> Result<Vec<(String, WrittenRecord)>, StoreError> {
        let mut prefix = id.as_str().as_bytes().to_vec();
        prefix.push(0);
        let mut found = Vec::new();
        for entry in self.written.tree().scan_prefix(&prefix) {
            let (key, bytes) = entry?;
            let record = self.written.decode(&key, &bytes)?;
            let list = String::from_utf8_lossy(&key[prefix.len()..]).into_owned();
            found.push((list, record));
        }
        Ok(found)
    }

    /// Records what was written to list `list` of product `id`.
    pub fn set_written(
        &self,
        id: &ProductId,
        list: &str,
        record: &WrittenRecord,
    ) -> Result<(), StoreError> {
        self.written.insert(&written_key(id, list), record)
    }

    /// Forgets every written record of product `id` (when the product is deleted);
    /// returns how many there were.
    pub fn clear_written(&self, id: &ProductId) -> Result<usize, StoreError> {
        let mut prefix = id_key(&id.0).to_vec();
        prefix.push(0);
        let mut batch = Batch::default();
        let mut removed = 0;
        for key in self.written.tree().scan_prefix(&prefix).keys() {
            batch.remove(key?);
            removed += 1;
        }
        self.written.tree().apply_batch(batch)?;
        Ok(removed)
    }

    // ---- rules ----

    /// The shop's merchant rules (empty until set).
    pub fn rules(&self) -> Result<Rules, StoreError> {
        Ok(self
            .rules
            .get(RULES_KEY)?
            .map(records::load_rules)
            .unwrap_or_default())
    }

    /// Replaces the shop's merchant rules.
    pub fn set_rules(&self, rules: &Rules) -> Result<(), StoreError> {
        self.rules.insert(RULES_KEY, &records::store_rules(rules))
    }

    // ---- jobs ----

    /// Appends a job to the durable queue; returns its id. Ids only grow, also across
    /// restarts, so the queue is first in, first out.
    pub fn push_job(&self, payload: &[u8]) -> Result<u64, StoreError> {
        let id = self.db.generate_id()?;
        self.jobs.insert(&id.to_be_bytes(), &payload.to_vec())?;
        Ok(id)
    }

    /// Up to `limit` oldest jobs, oldest first. They stay queued until acknowledged.
    pub fn pending_jobs(&self, limit: usize) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        self.jobs
            .entries()
            .take(limit)
            .map(|entry| {
                let (key, payload) = entry?;
                let id = <[u8; 8]>::try_from(key.as_ref())
                    .map_err(|_| self.jobs.corrupt(&key, "job key is not 8 bytes"))?;
                Ok((u64::from_be_bytes(id), payload))
            })
            .collect()
    }

    /// Removes a finished job; returns whether it was queued.
    pub fn ack_job(&self, id: u64) -> Result<bool, StoreError> {
        self.jobs.remove(&id.to_be_bytes())
    }

    /// Number of queued jobs.
    #[must_use]
    pub fn job_count(&self) -> usize {
        self.jobs.len()
    }

    /// Queues a webhook delivery as a job unless its `delivery_id` was queued before,
    /// atomically: a crash leaves either both the job and the id or neither, so a
    /// redelivery after a crash is queued again rather than dropped as a duplicate.
    /// Deliveries without an id (nothing to recognise them by) are always queued.
    /// Not durable until [`flush`](Self::flush).
    pub fn enqueue_delivery(
        &self,
        delivery_id: Option<&str>,
        payload: &[u8],
        received_at: i64,
    ) -> Result<Enqueued, StoreError> {
        let Some(delivery_id) = delivery_id else {
            return self.push_job(payload).map(Enqueued::Job);
        };
        let id = self.db.generate_id()?;
        let job_key = id.to_be_bytes();
        let job = self.jobs.encode(&job_key, &payload.to_vec())?;
        let seen = self
            .deliveries
            .encode(delivery_id.as_bytes(), &received_at)?;
        let outcome =
            (self.jobs.tree(), self.deliveries.tree()).transaction(|(jobs, deliveries)| {
                if deliveries.get(delivery_id.as_bytes())?.is_some() {
                    return Ok(Enqueued::Duplicate);
                }
                deliveries.insert(delivery_id.as_bytes(), seen.as_slice())?;
                jobs.insert(&job_key, job.as_slice())?;
                Ok(Enqueued::Job(id))
            });
        outcome.map_err(|e: TransactionError<()>| match e {
            TransactionError::Storage(e) => StoreError::from(e),
            TransactionError::Abort(()) => unreachable!("the transaction never aborts"),
        })
    }

    /// Forgets delivery ids queued before `before` (unix seconds); returns how many.
    /// Platforms redeliver for hours (Shopify: 8 tries over 4 hours), not for days.
    pub fn prune_deliveries(&self, before: i64) -> Result<usize, StoreError> {
        let mut batch = Batch::default();
        let mut pruned = 0;
        for entry in self.deliveries.entries() {
            let (key, received_at) = entry?;
            if received_at < before {
                batch.remove(key);
                pruned += 1;
            }
        }
        self.deliveries.tree().apply_batch(batch)?;
        Ok(pruned)
    }

    // ---- status ----

    /// Why the shop is stopped, if it is (uninstalled, redacted).
    pub fn halt(&self) -> Result<Option<ShopHalt>, StoreError> {
        self.status.get(HALT_KEY)
    }

    /// Stops the shop for good (until [`resume`](Self::resume)); its data is kept.
    pub fn set_halt(&self, halt: &ShopHalt) -> Result<(), StoreError> {
        self.status.insert(HALT_KEY, halt)
    }

    /// Lets a stopped shop sync again; returns whether it was stopped.
    pub fn resume(&self) -> Result<bool, StoreError> {
        self.status.remove(HALT_KEY)
    }

    /// Deletes everything stored for the shop but its status and the forgotten customers
    /// (privacy: shop redact): should the shop be resumed and synced again, those stay
    /// forgotten. The trees stay open, so handles held elsewhere remain valid.
    pub fn clear_data(&self) -> Result<(), StoreError> {
        self.products.tree().clear()?;
        self.orders.tree().clear()?;
        self.reset_customer_index()?;
        self.checkpoints.tree().clear()?;
        self.recommendations.tree().clear()?;
        self.written.tree().clear()?;
        self.rules.tree().clear()?;
        self.jobs.tree().clear()?;
        self.deliveries.tree().clear()?;
        Ok(())
    }
}

/// The key of a platform id: its bytes, unparsed.
fn id_key(id: &str) -> &[u8] {
    id.as_bytes()
}

/// An id back from its key, or `None` when the key is not UTF-8.
fn text_id(key: &[u8]) -> Option<String> {
    std::str::from_utf8(key).ok().map(str::to_owned)
}

/// `{product_id}\0{list}`.
fn written_key(id: &ProductId, list: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(id.0.len() + 1 + list.len());
    key.extend_from_slice(id_key(&id.0));
    key.push(0);
    key.extend_from_slice(list.as_bytes());
    key
}

/// A job key in errors: its id when it is 8 bytes, hex otherwise.
fn show_job_key(key: &[u8]) -> String {
    match <[u8; 8]>::try_from(key) {
        Ok(id) => format!("job {}", u64::from_be_bytes(id)),
        Err(_) => format!("0x{}", hex::encode(key)),
    }
}

/// An index key in errors: the customer's hex, then the order id.
fn show_index_key(key: &[u8]) -> String {
    match (key.get(..16), key.get(17..)) {
        (Some(customer), Some(order)) => format!(
            "customer {} order {}",
            hex::encode(customer),
            String::from_utf8_lossy(order)
        ),
        _ => format!("0x{}", hex::encode(key)),
    }
}

/// A forgotten-tree key in errors: `customer <hex>` or `order <id>`.
fn show_forgotten_key(key: &[u8]) -> String {
    match key.split_first() {
        Some((b'c', hash)) => format!("customer {}", hex::encode(hash)),
        Some((b'o', id)) => format!("order {}", String::from_utf8_lossy(id)),
        _ => format!("0x{}", hex::encode(key)),
    }
}

/// The ids of `table` as `make` builds them, without decoding the values.
fn text_ids<T: serde::Serialize + serde::de::DeserializeOwned, I>(
    table: &Table<T>,
    make: fn(String) -> I,
) -> impl Iterator<Item = Result<I, StoreError>> {
    let owner = table.clone();
    table.keys().map(move |key| {
        let key = key?;
        text_id(&key)
            .map(make)
            .ok_or_else(|| owner.corrupt(&key, "key is not UTF-8"))
    })
}
