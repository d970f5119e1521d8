//! Push: our lists into WooCommerce's native `upsell_ids` / `cross_sell_ids` and our
//! meta keys (DESIGN §4 write modes).
//!
//! Only fields whose wanted content changed since we last wrote them are looked at
//! (content hash in the store's `written` records), so a second push of the same lists
//! sends nothing. For those, the products' current fields are read (100 a call, by
//! `include=`), [`plan`] merges them with ours, and the changes go out through
//! `POST /products/batch` in chunks of the configured size (WooCommerce takes at most
//! 100). Batch answers are read item by item: a refused item is reported by product and
//! error code while the rest are recorded; an item that failed on the server's side
//! (5xx) is sent once more. `dry_run` stops after deciding and reports the diff.

pub mod plan;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::config::{WriteConfig, WriteMode};
use crate::model::{ProductId, ProductRecs};
use crate::platform::retry::Sleeper;
use crate::platform::woocommerce::client::{WooClient, WooError};
use crate::platform::woocommerce::fields::{self, Field};
use crate::platform::woocommerce::wire::{BatchItem, WireBatch, WireMeta, WireProduct};
use crate::store::{ShopStore, StoreError, WrittenRecord};
use plan::Current;

pub use crate::sync::report::{DiffEntry, PushReport};

/// WooCommerce's limit of items per batch call (`woocommerce_rest_batch_items_limit`).
pub const MAX_BATCH: usize = 100;

/// How to push.
#[derive(Clone, Debug)]
pub struct PushOptions {
    /// Mode and lists.
    pub write: WriteConfig,
    /// Products per batch call (capped at [`MAX_BATCH`]).
    pub batch_size: usize,
    /// Time recorded with each write.
    pub now: DateTime<Utc>,
}

/// Why a push stopped.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// WooCommerce could not be reached or refused us as a whole.
    #[error(transparent)]
    WooCommerce(#[from] WooError),
    /// The store could not be read or written.
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

/// A field whose wanted content changed since we last wrote it, with that record.
#[derive(Clone, Debug)]
struct Stale {
    field: Field,
    written: Option<WrittenRecord>,
}

/// A product with changed fields.
struct Pending {
    product: ProductId,
    id: u64,
    stale: Vec<Stale>,
}

/// One product's update: the batch item and the records to keep once it is accepted.
#[derive(Clone, Debug)]
struct Update {
    product: ProductId,
    item: Value,
    records: Vec<(String, WrittenRecord)>,
}

/// The store's `written` key of a WooCommerce field.
fn written_key(field: &str) -> String {
    format!("woo.{field}")
}

/// Pushes every product's lists of `shop`. See the module doc.
pub async fn push<S: Sleeper + Clone + 'static>(
    client: &WooClient<S>,
    shop: &ShopStore,
    options: &PushOptions,
) -> Result<PushReport, PushError> {
    let mut report = PushReport {
        dry_run: options.write.mode == WriteMode::DryRun,
        ..PushReport::default()
    };
    let pending = changed_products(shop, options, &mut report)?;
    report.products_changed = pending.len();
    let mut updates = Vec::new();
    for chunk in pending.chunks(MAX_BATCH) {
        let current = read_current(client, chunk).await?;
        report.requests += 1;
        for pending in chunk {
            let Some(held) = current.get(&pending.id) else {
                report.problem(format!(
                    "product {}: no longer on WooCommerce; skipped",
                    pending.id
                ));
                continue;
            };
            if let Some(update) = decide_product(shop, pending, held, options, &mut report)? {
                updates.push(update);
            }
        }
    }
    if report.dry_run {
        return Ok(report);
    }
    let size = options.batch_size.clamp(1, MAX_BATCH);
    for batch in updates.chunks(size) {
        send_batch(client, shop, batch.to_vec(), &mut report).await?;
    }
    shop.flush()?;
    Ok(report)
}

/// Products with at least one field whose wanted content changed since last written.
fn changed_products(
    shop: &ShopStore,
    options: &PushOptions,
    report: &mut PushReport,
) -> Result<Vec<Pending>, PushError> {
    let mut pending = Vec::new();
    for product in shop.product_ids() {
        let product = match product {
            Ok(id) => id,
            Err(e) => {
                report.problem(format!("unreadable product id: {e}"));
                continue;
            }
        };
        let Ok(id) = product.as_str().parse::<u64>() else {
            report.problem(format!(
                "product {}: not a WooCommerce id; skipped",
                product.as_str()
            ));
            continue;
        };
        let recs = shop
            .get_recs(&product)?
            .unwrap_or_else(ProductRecs::default);
        let mut stale = Vec::new();
        for field in fields::desired(&product, &recs, &options.write) {
            let written = shop.written_hash(&product, &written_key(&field.name))?;
            if written
                .as_ref()
                .is_some_and(|w| w.hash == field.hash(options.write.mode))
            {
                report.unchanged += 1;
            } else {
                stale.push(Stale { field, written });
            }
        }
        if !stale.is_empty() {
            pending.push(Pending { product, id, stale });
        }
    }
    Ok(pending)
}

/// The fields of a product we read before deciding.
#[derive(Deserialize)]
struct HeldProduct {
    id: u64,
    #[serde(default)]
    upsell_ids: Vec<u64>,
    #[serde(default)]
    cross_sell_ids: Vec<u64>,
    #[serde(default)]
    meta_data: Vec<WireMeta>,
}

/// Current linked ids and our meta of up to 100 products, by id.
async fn read_current<S: Sleeper + Clone + 'static>(
    client: &WooClient<S>,
    chunk: &[Pending],
) -> Result<HashMap<u64, Current>, WooError> {
    let include: Vec<String> = chunk.iter().map(|p| p.id.to_string()).collect();
    let query = [
        ("include", include.join(",")),
        ("per_page", MAX_BATCH.to_string()),
        ("status", "any".to_owned()),
        (
            "_fields",
            "id,upsell_ids,cross_sell_ids,meta_data".to_owned(),
        ),
    ];
    let listing = client
        .get::<Vec<HeldProduct>>("current linked products", "/products", &query)
        .await?;
    Ok(listing
        .body
        .into_iter()
        .map(|p| {
            let meta = p
                .meta_data
                .into_iter()
                .filter(|m| m.key.starts_with(fields::META_PREFIX))
                .map(|m| (m.key, m.value))
                .collect();
            let current = Current {
                upsell_ids: p.upsell_ids,
                cross_sell_ids: p.cross_sell_ids,
                meta,
            };
            (p.id, current)
        })
        .collect())
}

/// Decides each changed field of one product: the update to send, if any. Fields that
/// already hold what we want are recorded as written at once.
fn decide_product(
    shop: &ShopStore,
    pending: &Pending,
    held: &Current,
    options: &PushOptions,
    report: &mut PushReport,
) -> Result<Option<Update>, PushError> {
    let mode = match options.write.mode {
        WriteMode::DryRun => WriteMode::Merge,
        mode => mode,
    };
    let mut item = serde_json::Map::new();
    item.insert("id".to_owned(), json!(pending.id));
    let mut meta = Vec::new();
    let mut records = Vec::new();
    for Stale { field, written } in &pending.stale {
        let decision = plan::decide(field, held, written.as_ref(), mode, options.now);
        let key = written_key(&field.name);
        let Some(value) = decision.send else {
            report.already_there += 1;
            if !report.dry_run {
                shop.set_written(&pending.product, &key, &decision.record)?;
            }
            continue;
        };
        report.diff.push(DiffEntry {
            product: pending.id.to_string(),
            field: field.name.clone(),
            before: decision.before.clone(),
            after: decision.after.clone(),
        });
        if field.is_meta() {
            meta.push(json!({"key": field.name, "value": value}));
        } else {
            item.insert(field.name.clone(), value);
        }
        records.push((key, decision.record));
    }
    if records.is_empty() {
        return Ok(None);
    }
    if !meta.is_empty() {
        item.insert("meta_data".to_owned(), Value::Array(meta));
    }
    Ok(Some(Update {
        product: pending.product.clone(),
        item: Value::Object(item),
        records,
    }))
}

/// Sends one batch; items WooCommerce failed on its side are sent once more.
async fn send_batch<S: Sleeper + Clone + 'static>(
    client: &WooClient<S>,
    shop: &ShopStore,
    mut batch: Vec<Update>,
    report: &mut PushReport,
) -> Result<(), PushError> {
    for round in 0..2 {
        if batch.is_empty() {
            return Ok(());
        }
        let body = json!({"update": batch.iter().map(|u| &u.item).collect::<Vec<_>>()});
        let answer: WireBatch<WireProduct> = client
            .post("products batch", "/products/batch", &body)
            .await?;
        report.requests += 1;
        let mut again = Vec::new();
        let mut results = answer.update.into_iter();
        for update in batch {
            match results.next() {
                Some(BatchItem::Done(product)) => {
                    if came_back_as_sent(&update, &product, report) {
                        record(shop, &update, report)?;
                    }
                }
                Some(BatchItem::Failed { error, .. })
                    if round == 0 && error.data.status.is_none_or(|s| s >= 500) =>
                {
                    again.push(update);
                }
                Some(BatchItem::Failed { id, error }) => report.problem(format!(
                    "product {id}: WooCommerce refused the update: {} ({}{})",
                    error.message,
                    error.code,
                    error
                        .data
                        .status
                        .map(|s| format!(", HTTP {s}"))
                        .unwrap_or_default()
                )),
                None => report.problem(format!(
                    "product {}: missing from the batch answer; will be sent again next push",
                    update.product.as_str()
                )),
            }
        }
        batch = again;
    }
    for update in batch {
        report.problem(format!(
            "product {}: WooCommerce failed the update twice; will be sent again next push",
            update.product.as_str()
        ));
    }
    Ok(())
}

/// Keeps the written records of an accepted update.
fn record(shop: &ShopStore, update: &Update, report: &mut PushReport) -> Result<(), PushError> {
    for (key, record) in &update.records {
        shop.set_written(&update.product, key, record)?;
    }
    // Every record is one field sent; a meta key sent as null was deleted.
    let deleted = update
        .item
        .get("meta_data")
        .and_then(Value::as_array)
        .map_or(0, |m| m.iter().filter(|e| e["value"].is_null()).count());
    report.set += update.records.len() - deleted;
    report.deleted += deleted;
    Ok(())
}

/// WooCommerce answers a batch item with the whole product: a linked list that did not
/// come back as sent means the write did not take (reference §7: a bad value in a batch
/// silently clears the list). Reported and not recorded, so the next push tries again.
fn came_back_as_sent(update: &Update, product: &WireProduct, report: &mut PushReport) -> bool {
    let mut as_sent = true;
    for (name, got) in [
        (fields::UPSELL_IDS, &product.upsell_ids),
        (fields::CROSS_SELL_IDS, &product.cross_sell_ids),
    ] {
        let Some(sent) = update.item.get(name) else {
            continue;
        };
        let sent: Vec<u64> = serde_json::from_value(sent.clone()).unwrap_or_default();
        if &sent != got {
            report.problem(format!(
                "product {}: {name} came back as {got:?}, not as sent {sent:?}",
                product.id
            ));
            as_sent = false;
        }
    }
    as_sent
}
