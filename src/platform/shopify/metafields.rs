//! What we write to a Shopify product: one metafield per list in our namespace, an
//! explanations metafield, and (by default) the Search & Discovery
//! `related_products` / `complementary_products` lists that themes show natively.
//!
//! This module only decides *what* each metafield should hold; merging with the
//! merchant's links (`sync::merge`) and batching the writes happen elsewhere.

use crate::config::{WriteConfig, WriteList};
use crate::model::{Link, ProductRecs};
use crate::platform::list_json;

/// Namespace of the Search & Discovery recommendation metafields.
pub const DISCOVERY_NAMESPACE: &str = "shopify--discovery--product_recommendation";
/// The storefront shows at most this many Search & Discovery picks.
pub const DISCOVERY_CAP: usize = 10;
/// Shopify's limit for any `list.*` metafield.
pub const LIST_CAP: usize = 128;
/// Key of the metafield holding the reasons for every link.
pub const EXPLANATIONS_KEY: &str = "explanations";

/// The value a metafield should hold.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A `list.product_reference`: product GIDs, exactly as received. Merged with the
    /// merchant's links in `merge` mode.
    Products(Vec<String>),
    /// A `json` value, serialized.
    Json(String),
    /// A `number_integer`.
    Integer(i64),
}

impl Value {
    /// The metafield type Shopify expects.
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Products(_) => "list.product_reference",
            Self::Json(_) => "json",
            Self::Integer(_) => "number_integer",
        }
    }

    /// The value as the string `metafieldsSet` takes.
    #[must_use]
    pub fn to_wire(&self) -> String {
        match self {
            Self::Products(ids) => serde_json::to_string(ids).unwrap_or_default(),
            Self::Json(text) => text.clone(),
            Self::Integer(n) => n.to_string(),
        }
    }
}

/// One metafield we want on a product. `value: None` means it should not exist
/// (the list became empty), so a stale one is deleted.
#[derive(Debug, Clone, PartialEq)]
pub struct Desired {
    /// Metafield namespace.
    pub namespace: String,
    /// Metafield key.
    pub key: String,
    /// The value, or `None` to delete.
    pub value: Option<Value>,
    /// Longest list the platform or storefront takes.
    pub cap: usize,
    /// A `list.product_reference` (merged with the merchant's links in `merge` mode,
    /// even when ours is empty).
    pub is_list: bool,
}

/// Every metafield we manage for a product with these lists. Products in the holdout
/// get nothing (their metafields are deleted, so the holdout really sees no lists).
#[must_use]
pub fn desired(
    recs: &ProductRecs,
    namespace: &str,
    write: &WriteConfig,
    search_discovery: bool,
) -> Vec<Desired> {
    let wants = |list: WriteList| write.lists.contains(&list);
    let keep = |v: Option<Value>| if recs.holdout { None } else { v };
    let mut out = Vec::new();
    let mut own = |key: &str, value: Option<Value>, is_list: bool| {
        out.push(Desired {
            namespace: namespace.to_owned(),
            key: key.to_owned(),
            value: keep(value),
            cap: LIST_CAP,
            is_list,
        });
    };
    let links = [
        (WriteList::CrossSell, &recs.cross_sell),
        (WriteList::Upsell, &recs.upsell),
        (WriteList::Downsell, &recs.downsell),
        (WriteList::Related, &recs.related),
    ];
    for (list, links) in links {
        if wants(list) {
            own(list.as_str(), products(links), true);
        }
    }
    if wants(WriteList::Bundles) {
        own("bundles", bundles(recs), false);
    }
    if wants(WriteList::Volume) {
        own(
            "volume",
            recs.volume
                .as_ref()
                .map(|v| Value::Integer(i64::from(v.typical_quantity))),
            false,
        );
    }
    if wants(WriteList::Replenishment) {
        own(
            "replenishment",
            recs.replenishment
                .as_ref()
                .map(|r| Value::Integer(r.median_days.round() as i64)),
            false,
        );
    }
    own(EXPLANATIONS_KEY, explanations(recs), false);
    if search_discovery {
        for (key, list, links) in [
            (
                "complementary_products",
                WriteList::CrossSell,
                &recs.cross_sell,
            ),
            ("related_products", WriteList::Related, &recs.related),
        ] {
            if wants(list) {
                out.push(Desired {
                    namespace: DISCOVERY_NAMESPACE.to_owned(),
                    key: key.to_owned(),
                    value: keep(products(links)),
                    cap: DISCOVERY_CAP,
                    is_list: true,
                });
            }
        }
    }
    out
}

fn products(links: &[Link]) -> Option<Value> {
    (!links.is_empty()).then(|| {
        Value::Products(
            links
                .iter()
                .map(|l| l.product.as_str().to_owned())
                .collect(),
        )
    })
}

fn bundles(recs: &ProductRecs) -> Option<Value> {
    list_json::bundles(recs).map(|v| Value::Json(v.to_string()))
}

fn explanations(recs: &ProductRecs) -> Option<Value> {
    list_json::explanations(recs).map(|v| Value::Json(v.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recommend::{Params, Recommender, Rules};
    use crate::sim::catalog::{generate, ShopSpec};

    fn some_recs() -> ProductRecs {
        let shop = generate(&ShopSpec::new(5, 200, 4_000));
        let as_of = shop.orders.iter().map(|o| o.created_at).max().unwrap();
        let rec = Recommender::new(
            &shop.products,
            &shop.orders,
            &Rules::default(),
            &Params::default(),
            as_of,
        );
        let found = rec
            .iter()
            .map(|(_, r)| r.clone())
            .find(|r| !r.cross_sell.is_empty() && !r.bundles.is_empty() && !r.related.is_empty())
            .expect("a product with lists");
        found
    }

    fn find<'a>(all: &'a [Desired], namespace: &str, key: &str) -> &'a Desired {
        all.iter()
            .find(|d| d.namespace == namespace && d.key == key)
            .unwrap_or_else(|| panic!("{namespace}.{key} missing"))
    }

    #[test]
    fn every_list_has_its_metafield_with_the_right_type() {
        let recs = some_recs();
        let all = desired(&recs, "upsell_sync", &WriteConfig::default(), true);
        let cross = find(&all, "upsell_sync", "cross_sell");
        let ids: Vec<String> = recs
            .cross_sell
            .iter()
            .map(|l| l.product.as_str().to_owned())
            .collect();
        assert_eq!(cross.value, Some(Value::Products(ids.clone())));
        assert_eq!(
            cross.value.as_ref().unwrap().type_name(),
            "list.product_reference"
        );
        assert_eq!(
            cross.value.as_ref().unwrap().to_wire(),
            serde_json::to_string(&ids).unwrap()
        );
        let bundles = find(&all, "upsell_sync", "bundles").value.clone().unwrap();
        assert_eq!(bundles.type_name(), "json");
        let parsed: serde_json::Value = serde_json::from_str(&bundles.to_wire()).unwrap();
        assert_eq!(parsed.as_array().unwrap().len(), recs.bundles.len());
        let why = find(&all, "upsell_sync", EXPLANATIONS_KEY)
            .value
            .clone()
            .unwrap();
        let parsed: serde_json::Value = serde_json::from_str(&why.to_wire()).unwrap();
        assert!(parsed["cross_sell"][0]["reason"].as_str().unwrap().len() > 5);
        let complementary = find(&all, DISCOVERY_NAMESPACE, "complementary_products");
        assert_eq!(complementary.value, Some(Value::Products(ids)));
        assert_eq!(complementary.cap, DISCOVERY_CAP);
        assert!(find(&all, DISCOVERY_NAMESPACE, "related_products")
            .value
            .is_some());
    }

    #[test]
    fn only_configured_lists_are_written_and_search_discovery_is_optional() {
        let recs = some_recs();
        let write = WriteConfig {
            lists: vec![WriteList::Upsell],
            ..WriteConfig::default()
        };
        let all = desired(&recs, "ns", &write, false);
        let keys: Vec<&str> = all.iter().map(|d| d.key.as_str()).collect();
        assert_eq!(keys, ["upsell", EXPLANATIONS_KEY]);
    }

    #[test]
    fn a_held_out_product_gets_every_metafield_removed() {
        let mut recs = some_recs();
        recs.holdout = true;
        let all = desired(&recs, "ns", &WriteConfig::default(), true);
        assert!(!all.is_empty());
        assert!(all.iter().all(|d| d.value.is_none()));
    }
}
