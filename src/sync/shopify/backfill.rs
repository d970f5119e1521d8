//! Bulk backfill: run a bulk query, stream its JSONL into the store record by record,
//! and say what it delivered. Runs on a blocking thread (sled is synchronous); memory is
//! bounded by the assembler's window, never by the store's size.

use std::collections::HashSet;
use std::io::BufRead;

use chrono::{DateTime, Utc};

use crate::model::InstallSalt;
use crate::platform::shopify::bulk_jsonl::{
    Assembled, Assembler, BulkReader, Child, LineError, Record,
};
use crate::platform::shopify::map::{self, WireLineItem, WireOrder, WireProduct, WireVariant};
use crate::store::{ShopStore, StoreError};

/// Which records a bulk file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Products with variant lines.
    Products,
    /// Orders with line item lines.
    Orders,
}

/// What one bulk file gave.
#[derive(Debug, Default)]
pub struct Ingested {
    /// Records stored.
    pub stored: u64,
    /// Ids of the roots seen, for the deletion pass after a complete product backfill.
    pub seen: HashSet<String>,
    /// Records or lines that could not be read, each naming its line or field.
    pub problems: Vec<String>,
    /// Count of problems (the list is capped).
    pub problem_count: u64,
    /// Children whose parent never appeared.
    pub orphans: u64,
    /// Newest `updatedAt` among the records.
    pub newest: Option<DateTime<Utc>>,
    /// The stream broke before its end (a read error): the file must be read again.
    pub interrupted: Option<String>,
}

/// Problems listed in full; the rest are only counted.
const PROBLEMS_LISTED: usize = 50;

impl Ingested {
    fn problem(&mut self, text: String) {
        self.problem_count += 1;
        if self.problems.len() < PROBLEMS_LISTED {
            self.problems.push(text);
        }
    }
}

/// Reads a bulk JSONL stream into the store. A bad line or record is reported and
/// skipped; a store error stops the pass (the data would not be durable).
pub fn ingest(
    input: &mut dyn BufRead,
    kind: Kind,
    shop: &ShopStore,
    salt: &InstallSalt,
) -> Result<Ingested, StoreError> {
    let mut out = Ingested::default();
    let mut assembler = Assembler::new();
    for line in BulkReader::new(input) {
        match line {
            Ok(line) => {
                for item in assembler.push(line) {
                    take(item, kind, shop, salt, &mut out)?;
                }
            }
            Err(LineError::Io { line, source }) => {
                out.interrupted = Some(format!("read error at line {line}: {source}"));
                return Ok(out);
            }
            Err(error) => out.problem(error.to_string()),
        }
    }
    for item in assembler.finish() {
        take(item, kind, shop, salt, &mut out)?;
    }
    shop.flush()?;
    Ok(out)
}

fn take(
    item: Assembled,
    kind: Kind,
    shop: &ShopStore,
    salt: &InstallSalt,
    out: &mut Ingested,
) -> Result<(), StoreError> {
    match item {
        Assembled::Record(record) => store_record(record, kind, shop, salt, out),
        Assembled::LateChild(Child { parent_id, value }) => {
            add_child(&parent_id, value, kind, shop, out)
        }
        Assembled::Unmatched {
            parent_id,
            children,
        } => {
            for value in children {
                add_child(&parent_id, value, kind, shop, out)?;
            }
            Ok(())
        }
    }
}

fn store_record(
    record: Record,
    kind: Kind,
    shop: &ShopStore,
    salt: &InstallSalt,
    out: &mut Ingested,
) -> Result<(), StoreError> {
    let id = record
        .root
        .get("id")
        .and_then(|v| v.as_str())
        .unwrap_or("?")
        .to_owned();
    let children = record.children.into_iter().map(|c| c.value);
    match kind {
        Kind::Products => {
            let mapped = read::<WireProduct>(&id, record.root).and_then(|wire| {
                let variants = children
                    .map(|v| read::<WireVariant>(&id, v))
                    .collect::<Result<Vec<_>, _>>()?;
                map::product(wire, variants).map_err(|e| e.to_string())
            });
            match mapped {
                Ok(product) => {
                    out.newest = out.newest.max(Some(product.updated_at));
                    shop.put_product(&product)?;
                    out.stored += 1;
                    out.seen.insert(id);
                }
                Err(problem) => {
                    // Still seen: a product we cannot read now is not a deleted one.
                    out.seen.insert(id);
                    out.problem(problem);
                }
            }
        }
        Kind::Orders => {
            let mapped = read::<WireOrder>(&id, record.root).and_then(|wire| {
                let updated = wire.updated_at;
                let lines = children
                    .map(|v| read::<WireLineItem>(&id, v))
                    .collect::<Result<Vec<_>, _>>()?;
                map::order(wire, lines, salt)
                    .map(|o| (o, updated))
                    .map_err(|e| e.to_string())
            });
            match mapped {
                Ok((order, updated)) => {
                    out.newest = out.newest.max(updated);
                    shop.put_order(&order)?;
                    out.stored += 1;
                    out.seen.insert(id);
                }
                Err(problem) => out.problem(problem),
            }
        }
    }
    Ok(())
}

/// Merges a child that arrived after its record was stored.
fn add_child(
    parent_id: &str,
    value: serde_json::Value,
    kind: Kind,
    shop: &ShopStore,
    out: &mut Ingested,
) -> Result<(), StoreError> {
    let merged = match kind {
        Kind::Products => {
            let Some(mut product) = shop.get_product(&crate::model::ProductId::new(parent_id))?
            else {
                out.orphans += 1;
                return Ok(());
            };
            read::<WireVariant>(parent_id, value)
                .and_then(|v| map::add_late_variant(&mut product, v).map_err(|e| e.to_string()))
                .map(|()| shop.put_product(&product))
        }
        Kind::Orders => {
            let Some(mut order) = shop.get_order(&crate::model::OrderId::new(parent_id))? else {
                out.orphans += 1;
                return Ok(());
            };
            read::<WireLineItem>(parent_id, value)
                .and_then(|l| map::add_late_line(&mut order, l).map_err(|e| e.to_string()))
                .map(|()| shop.put_order(&order).map(drop))
        }
    };
    match merged {
        Ok(written) => written,
        Err(problem) => {
            out.problem(problem);
            Ok(())
        }
    }
}

fn read<T: serde::de::DeserializeOwned>(id: &str, value: serde_json::Value) -> Result<T, String> {
    serde_path_to_error::deserialize(value)
        .map_err(|e| format!("{id}: field `{}`: {}", e.path(), e.inner()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn children_before_after_and_far_from_their_parent_all_land() {
        let store = Store::open_temporary().unwrap();
        let shop = store.shop("s").unwrap();
        let salt = InstallSalt([7; 32]);
        let jsonl = concat!(
            r#"{"id":"gid://shopify/ProductVariant/21","price":"5.00","__parentId":"gid://shopify/Product/2"}"#,
            "\n",
            r#"{"id":"gid://shopify/Product/1","status":"ACTIVE","updatedAt":"2026-11-01T00:00:00Z"}"#,
            "\n",
            r#"{"id":"gid://shopify/ProductVariant/11","price":"12.00","__parentId":"gid://shopify/Product/1"}"#,
            "\n",
            r#"{"id":"gid://shopify/Product/2","status":"ACTIVE","updatedAt":"2026-11-02T00:00:00Z"}"#,
            "\n",
            "not json\n",
            r#"{"id":"gid://shopify/ProductVariant/12","price":"13.00","__parentId":"gid://shopify/Product/1"}"#,
            "\n",
            r#"{"id":"gid://shopify/ProductVariant/99","price":"1.00","__parentId":"gid://shopify/Product/9"}"#,
            "\n",
        );
        let got = ingest(&mut jsonl.as_bytes(), Kind::Products, &shop, &salt).unwrap();
        assert_eq!(got.stored, 2);
        assert_eq!(got.orphans, 1);
        assert_eq!(got.problem_count, 1);
        assert!(got.problems[0].contains("line 5"), "{:?}", got.problems);
        let one = shop
            .get_product(&crate::model::ProductId::new("gid://shopify/Product/1"))
            .unwrap()
            .unwrap();
        assert_eq!(one.variants.len(), 2, "the late variant was merged");
        let two = shop
            .get_product(&crate::model::ProductId::new("gid://shopify/Product/2"))
            .unwrap()
            .unwrap();
        assert_eq!(
            two.variants.len(),
            1,
            "the early variant waited for its parent"
        );
        assert_eq!(
            got.newest.unwrap().to_rfc3339(),
            "2026-11-02T00:00:00+00:00"
        );
    }
}
