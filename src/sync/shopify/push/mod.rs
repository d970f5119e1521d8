//! Push: our lists into Shopify product metafields (DESIGN §4 write modes).
//!
//! Only metafields whose wanted content changed since we last wrote them are looked at
//! (content hash in the store's `written` records), so a second push of the same lists
//! costs no call at all. For those, the current values are read (25 products a call),
//! [`plan::decide`] merges them with ours, and the changes go out as `metafieldsSet`
//! calls of 25 with the digests read (a merchant's edit in between makes the write
//! fail instead of being overwritten; it is picked up on the next push), or as one bulk
//! mutation above the configured number of changes. Deletes clear emptied lists.
//! `dry_run` stops after deciding and reports the diff.

pub mod plan;

use std::collections::HashMap;
use std::io::BufRead;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::config::{WriteConfig, WriteMode};
use crate::model::{ProductId, ProductRecs};
use crate::platform::retry::Sleeper;
use crate::platform::shopify::bulk;
use crate::platform::shopify::client::{ShopifyClient, ShopifyError, UserError};
use crate::platform::shopify::metafields::{self, Desired};
use crate::platform::shopify::ops::{
    metafields_delete, metafields_set, product_metafields, MetafieldsDelete, MetafieldsSet,
    ProductMetafields, BULK_METAFIELDS_SET_MUTATION, PRODUCT_METAFIELDS_MAX_IDS,
};
use crate::store::{ShopStore, StoreError, WrittenRecord};
pub use crate::sync::report::{DiffEntry, PushReport};
use plan::{Action, Current, Decision};

/// `metafieldsSet` takes at most this many metafields per call.
pub const SET_BATCH: usize = 25;

/// How to push.
#[derive(Clone, Debug)]
pub struct PushOptions {
    /// Mode and lists.
    pub write: WriteConfig,
    /// Our metafield namespace.
    pub namespace: String,
    /// Also write the Search & Discovery lists.
    pub search_discovery: bool,
    /// More metafield writes than this go through one bulk mutation.
    pub bulk_threshold: usize,
    /// First pause between bulk polls.
    pub poll: Duration,
    /// Time recorded with each write.
    pub now: DateTime<Utc>,
}

/// Why a push stopped.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// Shopify could not be reached or refused us as a whole.
    #[error(transparent)]
    Shopify(#[from] ShopifyError),
    /// The store could not be read or written.
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

/// A metafield to write or delete, with the record to keep once it is done.
#[derive(Clone, Debug)]
struct Change {
    product: ProductId,
    desired: Desired,
    decision: Decision,
}

impl Change {
    fn list_key(&self) -> String {
        metafield_key(&self.desired.namespace, &self.desired.key)
    }
}

/// A metafield whose wanted content changed since we last wrote it, with that record.
#[derive(Clone, Debug)]
struct Stale {
    desired: Desired,
    /// `namespace.key`, the store's `written` key and the key of Shopify's current values.
    key: String,
    written: Option<WrittenRecord>,
}

/// `namespace.key`: how a metafield is named in the store and in the push report.
fn metafield_key(namespace: &str, key: &str) -> String {
    format!("{namespace}.{key}")
}

/// Pushes every product's lists of `shop`. See the module doc.
pub async fn push<S: Sleeper + Clone + 'static>(
    client: &ShopifyClient<S>,
    shop: &ShopStore,
    options: &PushOptions,
) -> Result<PushReport, PushError> {
    let mut report = PushReport {
        dry_run: options.write.mode == WriteMode::DryRun,
        ..PushReport::default()
    };
    let pending = changed_products(shop, options, &mut report)?;
    report.products_changed = pending.len();
    let mut changes = Vec::new();
    for chunk in pending.chunks(PRODUCT_METAFIELDS_MAX_IDS) {
        let current = read_current(client, chunk, &options.namespace).await?;
        for (product, stale) in chunk {
            let Some(held) = current.get(product.as_str()) else {
                report.problem(format!(
                    "{}: no longer on Shopify; skipped",
                    product.as_str()
                ));
                continue;
            };
            decide_product(
                shop,
                product,
                stale,
                held,
                options,
                &mut report,
                &mut changes,
            )?;
        }
    }
    if report.dry_run {
        return Ok(report);
    }
    let (sets, deletes): (Vec<Change>, Vec<Change>) = changes
        .into_iter()
        .partition(|c| matches!(c.decision.action, Action::Set { .. }));
    if sets.len() > options.bulk_threshold {
        bulk_set(client, shop, sets, options, &mut report).await?;
    } else {
        for batch in sets.chunks(SET_BATCH) {
            set_batch(client, shop, batch.to_vec(), &mut report).await?;
        }
    }
    for batch in deletes.chunks(SET_BATCH) {
        delete_batch(client, shop, batch, &mut report).await?;
    }
    shop.flush()?;
    Ok(report)
}

/// Products with at least one metafield whose wanted content changed since last written,
/// with those metafields (each written record is read here, once).
fn changed_products(
    shop: &ShopStore,
    options: &PushOptions,
    report: &mut PushReport,
) -> Result<Vec<(ProductId, Vec<Stale>)>, PushError> {
    let mut pending = Vec::new();
    for id in shop.product_ids() {
        let id = match id {
            Ok(id) => id,
            Err(e) => {
                report.problem(format!("unreadable product id: {e}"));
                continue;
            }
        };
        let recs = shop.get_recs(&id)?.unwrap_or_else(ProductRecs::default);
        let wanted = metafields::desired(
            &recs,
            &options.namespace,
            &options.write,
            options.search_discovery,
        );
        let mut stale = Vec::new();
        for desired in wanted {
            let key = metafield_key(&desired.namespace, &desired.key);
            let written = shop.written_hash(&id, &key)?;
            if written
                .as_ref()
                .is_some_and(|w| w.hash == plan::desired_hash(&desired))
            {
                report.unchanged += 1;
            } else {
                stale.push(Stale {
                    desired,
                    key,
                    written,
                });
            }
        }
        if !stale.is_empty() {
            pending.push((id, stale));
        }
    }
    Ok(pending)
}

/// Decides each changed metafield of one product; records those already right.
fn decide_product(
    shop: &ShopStore,
    product: &ProductId,
    stale: &[Stale],
    held: &HashMap<String, Current>,
    options: &PushOptions,
    report: &mut PushReport,
    changes: &mut Vec<Change>,
) -> Result<(), PushError> {
    let mode = match options.write.mode {
        WriteMode::DryRun => WriteMode::Merge,
        mode => mode,
    };
    for Stale {
        desired,
        key,
        written,
    } in stale
    {
        let decision = plan::decide(desired, held.get(key), written.as_ref(), mode, options.now);
        if decision.action == Action::Keep {
            report.already_there += 1;
            if !report.dry_run {
                shop.set_written(product, key, &decision.record)?;
            }
            continue;
        }
        report.diff.push(DiffEntry {
            product: product.as_str().to_owned(),
            field: key.clone(),
            before: decision.before.clone(),
            after: decision.after.clone(),
        });
        changes.push(Change {
            product: product.clone(),
            desired: desired.clone(),
            decision,
        });
    }
    Ok(())
}

#[derive(Deserialize)]
struct NodesData {
    nodes: Vec<Option<ProductNode>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProductNode {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    ours: Option<MetafieldNodes>,
    #[serde(default)]
    related_products: Option<WireMetafield>,
    #[serde(default)]
    complementary_products: Option<WireMetafield>,
}

#[derive(Deserialize)]
struct MetafieldNodes {
    nodes: Vec<WireMetafield>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireMetafield {
    namespace: String,
    key: String,
    #[serde(rename = "type")]
    kind: String,
    value: String,
    #[serde(default)]
    compare_digest: Option<String>,
}

/// Current metafields of up to 25 products, by product GID then `namespace.key`.
async fn read_current<S: Sleeper>(
    client: &ShopifyClient<S>,
    chunk: &[(ProductId, Vec<Stale>)],
    namespace: &str,
) -> Result<HashMap<String, HashMap<String, Current>>, ShopifyError> {
    let variables = product_metafields::Variables {
        ids: chunk.iter().map(|(id, _)| id.as_str().to_owned()).collect(),
        namespace: namespace.to_owned(),
        metafields_first: product_metafields::Variables::default_metafieldsFirst(),
    };
    let first = u32::try_from(variables.metafields_first.max(0)).unwrap_or(u32::MAX);
    let per_product = 6 + first;
    let estimate = per_product.saturating_mul(chunk.len() as u32);
    let data: NodesData = client
        .run_as::<ProductMetafields, _>(variables, estimate)
        .await?;
    let mut out = HashMap::new();
    for node in data.nodes.into_iter().flatten() {
        let Some(id) = node.id else { continue };
        let all = node
            .ours
            .map(|o| o.nodes)
            .unwrap_or_default()
            .into_iter()
            .chain(node.related_products)
            .chain(node.complementary_products);
        let held = all
            .map(|m| {
                let current = Current {
                    kind: m.kind,
                    value: m.value,
                    compare_digest: m.compare_digest,
                };
                (metafield_key(&m.namespace, &m.key), current)
            })
            .collect();
        out.insert(id, held);
    }
    Ok(out)
}

fn set_input(change: &Change) -> Option<metafields_set::MetafieldsSetInput> {
    let Action::Set {
        kind,
        value,
        compare_digest,
    } = &change.decision.action
    else {
        return None;
    };
    Some(metafields_set::MetafieldsSetInput {
        owner_id: change.product.as_str().to_owned(),
        namespace: Some(change.desired.namespace.clone()),
        key: change.desired.key.clone(),
        type_: Some(kind.clone()),
        value: value.clone(),
        compare_digest: compare_digest.clone(),
    })
}

/// Writes up to 25 metafields. Shopify saves all or nothing: inputs it refuses are
/// reported and the rest sent once more without them.
async fn set_batch<S: Sleeper>(
    client: &ShopifyClient<S>,
    shop: &ShopStore,
    mut batch: Vec<Change>,
    report: &mut PushReport,
) -> Result<(), PushError> {
    for _ in 0..2 {
        if batch.is_empty() {
            return Ok(());
        }
        let inputs: Vec<_> = batch.iter().filter_map(set_input).collect();
        let variables = metafields_set::Variables { metafields: inputs };
        let data = client.run::<MetafieldsSet>(variables, 10).await?;
        let payload = data
            .metafields_set
            .map(|p| p.user_errors)
            .unwrap_or_default();
        if payload.is_empty() {
            for change in &batch {
                shop.set_written(&change.product, &change.list_key(), &change.decision.record)?;
            }
            report.set += batch.len();
            return Ok(());
        }
        let mut refused = vec![false; batch.len()];
        for error in payload {
            // The input is named by the field path (`metafields.3.value`); `elementIndex`
            // points into a list value instead.
            let index = error
                .field
                .as_ref()
                .filter(|f| f.first().map(String::as_str) == Some("metafields"))
                .and_then(|f| f.get(1))
                .and_then(|i| i.parse::<usize>().ok());
            let user_error = UserError::new(
                error.field,
                error.message,
                error.code.map(|c| format!("{c:?}")),
            );
            let conflict = matches!(
                user_error.code.as_deref(),
                Some("STALE_OBJECT" | "INVALID_COMPARE_DIGEST")
            );
            let Some(i) = index.filter(|i| *i < batch.len()) else {
                // Not tied to one input: the whole batch is refused.
                report.problem(format!("metafieldsSet refused a batch: {user_error}"));
                return Ok(());
            };
            refused[i] = true;
            if conflict {
                report.conflicts += 1;
            }
            let change = &batch[i];
            report.problem(format!(
                "{} {}: {user_error}",
                change.product.as_str(),
                change.list_key()
            ));
        }
        batch = batch
            .into_iter()
            .zip(refused)
            .filter(|(_, r)| !r)
            .map(|(c, _)| c)
            .collect();
    }
    Ok(())
}

async fn delete_batch<S: Sleeper>(
    client: &ShopifyClient<S>,
    shop: &ShopStore,
    batch: &[Change],
    report: &mut PushReport,
) -> Result<(), PushError> {
    let metafields = batch
        .iter()
        .map(|c| metafields_delete::MetafieldIdentifierInput {
            owner_id: c.product.as_str().to_owned(),
            namespace: c.desired.namespace.clone(),
            key: c.desired.key.clone(),
        })
        .collect();
    let data = client
        .run::<MetafieldsDelete>(metafields_delete::Variables { metafields }, 10)
        .await?;
    let errors = data
        .metafields_delete
        .map(|p| p.user_errors)
        .unwrap_or_default();
    if errors.is_empty() {
        for change in batch {
            shop.set_written(&change.product, &change.list_key(), &change.decision.record)?;
        }
        report.deleted += batch.len();
    } else {
        for error in errors {
            report.problem(format!(
                "metafieldsDelete: {}",
                UserError::new(error.field, error.message, None)
            ));
        }
    }
    Ok(())
}

/// One bulk mutation for a large push: lines of 25 metafields, each line's answer
/// checked, and written records kept only for lines Shopify accepted.
async fn bulk_set<S: Sleeper + Clone + 'static>(
    client: &ShopifyClient<S>,
    shop: &ShopStore,
    sets: Vec<Change>,
    options: &PushOptions,
    report: &mut PushReport,
) -> Result<(), PushError> {
    let batches: Vec<Vec<Change>> = sets.chunks(SET_BATCH).map(<[Change]>::to_vec).collect();
    let mut jsonl = Vec::new();
    for batch in &batches {
        let variables = metafields_set::Variables {
            metafields: batch.iter().filter_map(set_input).collect(),
        };
        serde_json::to_writer(&mut jsonl, &variables).map_err(|e| ShopifyError::Malformed {
            operation: "bulk push",
            attempts: 0,
            reason: e.to_string(),
        })?;
        jsonl.push(b'\n');
    }
    let id = bulk::start_mutation(client, BULK_METAFIELDS_SET_MUTATION, jsonl).await?;
    report.bulk_operation = Some(id.clone());
    let outcome = bulk::wait_for(client, id, options.poll).await?;
    let Some(url) = outcome.data_url().map(str::to_owned) else {
        report.problem(format!(
            "bulk push {} ended {} without results",
            outcome.id, outcome.status
        ));
        return Ok(());
    };
    let results = bulk::download(client, &url, read_result_lines).await?;
    let mut accepted = vec![false; batches.len()];
    for line in results {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        let Some(index) = value
            .get("__lineNumber")
            .and_then(serde_json::Value::as_u64)
        else {
            continue;
        };
        let errors = value
            .pointer("/data/metafieldsSet/userErrors")
            .and_then(serde_json::Value::as_array);
        let ok = value.pointer("/data/metafieldsSet").is_some() && errors.is_none_or(Vec::is_empty);
        if let Some(slot) = usize::try_from(index)
            .ok()
            .and_then(|i| accepted.get_mut(i))
        {
            *slot = ok;
        }
        if !ok {
            report.problem(format!(
                "bulk push line {index}: {}",
                errors
                    .map(|e| serde_json::Value::Array(e.clone()))
                    .unwrap_or(value.clone())
            ));
        }
    }
    for (batch, ok) in batches.iter().zip(accepted) {
        if ok {
            for change in batch {
                shop.set_written(&change.product, &change.list_key(), &change.decision.record)?;
            }
            report.set += batch.len();
        }
    }
    Ok(())
}

/// The lines of a bulk mutation's result file; a read error mid-file has the file read
/// again (a line cut off there would count its batch as refused).
fn read_result_lines(input: &mut dyn BufRead) -> Result<Vec<String>, bulk::Interrupted> {
    let mut lines = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        match input.read_until(b'\n', &mut line) {
            Ok(0) => return Ok(lines),
            Ok(_) => lines.push(String::from_utf8_lossy(&line).into_owned()),
            Err(e) => {
                let after = lines.len();
                return Err(bulk::Interrupted(format!(
                    "read error after line {after}: {e}"
                )));
            }
        }
    }
}
