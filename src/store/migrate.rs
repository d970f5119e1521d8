//! Upgrades a store written by an older build, in place, before anything reads it.
//!
//! Version 1 → 2: products gained `image_url`. postcard is not self-describing, so a
//! version-1 product cannot be read as a version-2 one; each is decoded in the old layout
//! and written back in the new. Each shop's products tree is rewritten in one atomic
//! batch and the new version is stamped only when every shop is done, so a crash part-way
//! leaves version 1 with some shops already rewritten. A product that already reads in
//! the new layout is left alone, so the next start simply finishes the job.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use sled::{Batch, Db};

use super::codec;
use super::error::StoreError;
use crate::model::{Product, ProductId, ProductStatus, Variant};

/// The oldest format version this build can upgrade from.
pub const OLDEST_MIGRATABLE: u32 = 1;

/// A product as format version 1 stored it: the fields of [`Product`] before
/// `image_url`, in the same order.
#[derive(Deserialize)]
struct ProductV1 {
    id: ProductId,
    title: String,
    handle: String,
    product_type: String,
    tags: Vec<String>,
    vendor: String,
    status: ProductStatus,
    variants: Vec<Variant>,
    updated_at: DateTime<Utc>,
}

impl From<ProductV1> for Product {
    fn from(old: ProductV1) -> Self {
        Self {
            id: old.id,
            title: old.title,
            handle: old.handle,
            product_type: old.product_type,
            tags: old.tags,
            vendor: old.vendor,
            status: old.status,
            variants: old.variants,
            updated_at: old.updated_at,
            image_url: None,
        }
    }
}

/// Rewrites every shop's data from format `from` to the current one; returns how many
/// values were rewritten. The caller stamps the new version afterwards.
pub fn upgrade(db: &Db, from: u32) -> Result<usize, StoreError> {
    debug_assert!(from >= OLDEST_MIGRATABLE);
    let mut rewritten = 0;
    for name in db.tree_names() {
        if name.starts_with(b"shop/") && name.ends_with(b"/products") {
            rewritten += upgrade_products(db, &String::from_utf8_lossy(&name))?;
        }
    }
    Ok(rewritten)
}

/// Rewrites one products tree in one batch.
fn upgrade_products(db: &Db, tree_name: &str) -> Result<usize, StoreError> {
    let tree = db.open_tree(tree_name)?;
    let mut batch = Batch::default();
    let mut rewritten = 0;
    for entry in &tree {
        let (key, bytes) = entry?;
        if codec::decode::<Product>(&bytes).is_ok() {
            continue;
        }
        let old: ProductV1 = codec::decode(&bytes).map_err(|e| StoreError::Corrupt {
            tree: tree_name.to_owned(),
            key: codec::text_key(&key),
            reason: format!("neither a format-1 nor a format-2 product: {e}"),
        })?;
        let new = codec::encode(&Product::from(old)).map_err(|e| StoreError::Encode {
            tree: tree_name.to_owned(),
            key: codec::text_key(&key),
            reason: e.to_string(),
        })?;
        batch.insert(key, new);
        rewritten += 1;
    }
    tree.apply_batch(batch)?;
    Ok(rewritten)
}

#[cfg(test)]
mod tests {
    use serde::Serialize;

    use super::*;
    use crate::model::{Money, VariantId};

    /// The version-1 layout, for writing old values in tests.
    #[derive(Serialize)]
    struct WriteV1<'a> {
        id: &'a ProductId,
        title: &'a str,
        handle: &'a str,
        product_type: &'a str,
        tags: &'a [String],
        vendor: &'a str,
        status: ProductStatus,
        variants: &'a [Variant],
        updated_at: DateTime<Utc>,
    }

    fn product(id: &str) -> Product {
        Product {
            id: ProductId::new(id),
            title: format!("Product {id}"),
            handle: format!("product-{id}"),
            product_type: "Kitchen".to_owned(),
            tags: vec!["ceramic".to_owned()],
            vendor: "Acme".to_owned(),
            status: ProductStatus::Active,
            variants: vec![Variant {
                id: VariantId::new(format!("{id}-v")),
                title: String::new(),
                sku: Some("SKU".to_owned()),
                price: Money(1250),
                compare_at_price: None,
                available: true,
                inventory_quantity: Some(3),
            }],
            updated_at: DateTime::parse_from_rfc3339("2026-11-20T10:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
            image_url: None,
        }
    }

    fn v1_bytes(p: &Product) -> Vec<u8> {
        codec::encode(&WriteV1 {
            id: &p.id,
            title: &p.title,
            handle: &p.handle,
            product_type: &p.product_type,
            tags: &p.tags,
            vendor: &p.vendor,
            status: p.status,
            variants: &p.variants,
            updated_at: p.updated_at,
        })
        .unwrap()
    }

    #[test]
    fn version_1_products_are_rewritten_and_already_rewritten_ones_left_alone() {
        let db = sled::Config::new().temporary(true).open().unwrap();
        let tree = db.open_tree("shop/main/products").unwrap();
        let (old, mut new) = (product("1"), product("2"));
        new.image_url = Some("https://cdn.example/2.jpg".to_owned());
        tree.insert("1", v1_bytes(&old)).unwrap();
        tree.insert("2", codec::encode(&new).unwrap()).unwrap();
        assert!(codec::decode::<Product>(&tree.get("1").unwrap().unwrap()).is_err());

        assert_eq!(upgrade(&db, 1).unwrap(), 1);
        let read = |k: &str| codec::decode::<Product>(&tree.get(k).unwrap().unwrap()).unwrap();
        assert_eq!(read("1"), old);
        assert_eq!(read("2"), new);
        assert_eq!(
            upgrade(&db, 1).unwrap(),
            0,
            "a second run finds nothing to do"
        );
    }

    #[test]
    fn opening_a_version_1_store_upgrades_it_and_stamps_the_current_version() {
        use crate::store::{Store, FORMAT_KEY, FORMAT_VERSION};
        let dir = tempfile::tempdir().unwrap();
        let old = product("1");
        {
            let store = Store::open(dir.path()).unwrap();
            store.shop("main").unwrap();
            let tree = store.db.open_tree("shop/main/products").unwrap();
            tree.insert("1", v1_bytes(&old)).unwrap();
            let meta = store.db.open_tree("meta").unwrap();
            meta.insert(FORMAT_KEY, &1_u32.to_be_bytes()).unwrap();
            store.flush().unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        let shop = store.shop("main").unwrap();
        assert_eq!(shop.get_product(&old.id).unwrap(), Some(old));
        let meta = store.db.open_tree("meta").unwrap();
        let version = meta.get(FORMAT_KEY).unwrap().unwrap();
        assert_eq!(version.as_ref(), FORMAT_VERSION.to_be_bytes());
    }

    #[test]
    fn an_unreadable_product_stops_the_upgrade_naming_tree_and_key() {
        let db = sled::Config::new().temporary(true).open().unwrap();
        let tree = db.open_tree("shop/main/products").unwrap();
        tree.insert("1", v1_bytes(&product("1"))).unwrap();
        tree.insert("9", vec![codec::ENCODING_VERSION, 0xff])
            .unwrap();
        let err = upgrade(&db, 1).unwrap_err().to_string();
        assert!(
            err.contains("shop/main/products") && err.contains("\"9\""),
            "{err}"
        );
        assert!(
            codec::decode::<Product>(&tree.get("1").unwrap().unwrap()).is_err(),
            "nothing is written when the batch fails"
        );
    }
}
