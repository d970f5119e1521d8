//! What we write to a WooCommerce product: the native `upsell_ids` and `cross_sell_ids`
//! that themes show on the product and cart pages, and meta keys for the lists
//! WooCommerce has no field for (related, downsells, bundles, volume hint,
//! replenishment) plus the reason for every link.
//!
//! This module only decides *what* each field should hold; merging with the merchant's
//! links and batching the writes happen in `sync::woocommerce::push`.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::config::{WriteConfig, WriteList, WriteMode};
use crate::model::{Link, ProductId, ProductRecs};
use crate::platform::list_json;

/// Prefix of our meta keys. The leading `_` hides them from the "Custom fields" box of
/// the product editor, where a merchant could break the JSON by hand; themes and
/// plugins still read them with `get_post_meta`.
pub const META_PREFIX: &str = "_upsell_sync_";
/// The native field holding upsells ("You may also like…" on the product page).
pub const UPSELL_IDS: &str = "upsell_ids";
/// The native field holding cross-sells (shown in the cart).
pub const CROSS_SELL_IDS: &str = "cross_sell_ids";
/// Longest native list we write: themes show a handful, and WooCommerce stores
/// whatever it is sent.
pub const LIST_CAP: usize = 40;

/// The value a field should hold.
#[derive(Clone, Debug, PartialEq)]
pub enum Wanted {
    /// A native id list, merged with the merchant's links in `merge` mode.
    Ids(Vec<u64>),
    /// A meta value (a JSON object or array: WooCommerce turns scalars into strings),
    /// or `None` when the key should not exist.
    Meta(Option<Value>),
}

/// One field we manage on a product.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// `upsell_ids`, `cross_sell_ids` or a meta key.
    pub name: String,
    /// What it should hold.
    pub wanted: Wanted,
}

impl Field {
    /// Content hash of what we want under write mode `mode`: an unchanged hash means
    /// nothing to write. The mode is part of it so that switching, say, from `merge` to
    /// `replace` rewrites the lists (a dry run hashes as `merge`, what it reports).
    #[must_use]
    pub fn hash(&self, mode: WriteMode) -> [u8; 32] {
        let mode = match mode {
            WriteMode::DryRun | WriteMode::Merge => "merge",
            WriteMode::Replace => "replace",
            WriteMode::FillEmpty => "fill_empty",
        };
        let mut hasher = Sha256::new();
        hasher.update(mode.as_bytes());
        hasher.update([0]);
        hasher.update(self.name.as_bytes());
        hasher.update([0]);
        match &self.wanted {
            Wanted::Ids(ids) => {
                hasher.update(b"ids");
                for id in ids {
                    hasher.update(id.to_le_bytes());
                }
            }
            Wanted::Meta(Some(value)) => {
                hasher.update(b"meta");
                hasher.update(value.to_string().as_bytes());
            }
            Wanted::Meta(None) => hasher.update(b"<none>"),
        }
        hasher.finalize().into()
    }

    /// Whether this is a meta key (not a native field).
    #[must_use]
    pub fn is_meta(&self) -> bool {
        matches!(self.wanted, Wanted::Meta(_))
    }
}

/// Every field we manage for product `product` with these lists. A product in the
/// holdout gets empty lists and no meta, so the holdout really sees nothing of ours.
#[must_use]
pub fn desired(product: &ProductId, recs: &ProductRecs, write: &WriteConfig) -> Vec<Field> {
    let wants = |list: WriteList| write.lists.contains(&list);
    let held_out = recs.holdout;
    let own = product.as_str().parse::<u64>().ok();
    let ids = |links: &[Link]| {
        if held_out {
            Vec::new()
        } else {
            numeric_ids(links, own)
        }
    };
    let meta = |value: Option<Value>| if held_out { None } else { value };
    let mut out = Vec::new();
    for (list, name, links) in [
        (WriteList::Upsell, UPSELL_IDS, &recs.upsell),
        (WriteList::CrossSell, CROSS_SELL_IDS, &recs.cross_sell),
    ] {
        if wants(list) {
            out.push(Field {
                name: name.to_owned(),
                wanted: Wanted::Ids(ids(links)),
            });
        }
    }
    let mut add_meta = |key: &str, value: Option<Value>| {
        out.push(Field {
            name: format!("{META_PREFIX}{key}"),
            wanted: Wanted::Meta(meta(value)),
        });
    };
    for (list, key, links) in [
        (WriteList::Related, "related", &recs.related),
        (WriteList::Downsell, "downsell", &recs.downsell),
    ] {
        if wants(list) {
            let list = numeric_ids(links, own);
            add_meta(key, (!list.is_empty()).then(|| json!(list)));
        }
    }
    if wants(WriteList::Bundles) {
        add_meta("bundles", list_json::bundles(recs));
    }
    if wants(WriteList::Volume) {
        add_meta(
            "volume",
            recs.volume.as_ref().map(|v| {
                json!({
                    "typical_quantity": v.typical_quantity,
                    "multi_unit_share": (v.multi_unit_share * 1000.0).round() / 1000.0,
                    "orders": v.orders,
                })
            }),
        );
    }
    if wants(WriteList::Replenishment) {
        add_meta(
            "replenishment",
            recs.replenishment.as_ref().map(|r| {
                json!({
                    "median_days": r.median_days.round(),
                    "repeat_customers": r.repeat_customers,
                })
            }),
        );
    }
    add_meta("explanations", list_json::explanations(recs));
    out
}

/// The links as WooCommerce ids: numeric, without the product itself and without
/// repeats, capped. WooCommerce validates none of this (reference §7), so we do.
fn numeric_ids(links: &[Link], own: Option<u64>) -> Vec<u64> {
    let mut out: Vec<u64> = Vec::with_capacity(links.len());
    for link in links {
        let Ok(id) = link.product.as_str().parse::<u64>() else {
            tracing::warn!(product = %link.product.as_str(), "not a WooCommerce id; left out");
            continue;
        };
        if Some(id) != own && !out.contains(&id) {
            out.push(id);
        }
        if out.len() == LIST_CAP {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Explanation, LinkSource};

    fn link(id: &str) -> Link {
        Link {
            product: ProductId::new(id),
            score: 1.0,
            why: Explanation {
                source: LinkSource::CoPurchase,
                co_orders: 3.0,
                anchor_orders: 10.0,
                confidence: 0.3,
                lift: 2.0,
                price_ratio: None,
                similarity: 0.0,
            },
        }
    }

    #[test]
    fn native_lists_are_clean_numeric_ids() {
        let recs = ProductRecs {
            upsell: vec![
                link("12"),
                link("7"),
                link("12"),
                link("gid://x"),
                link("13"),
            ],
            cross_sell: vec![link("20")],
            ..ProductRecs::default()
        };
        let all = desired(&ProductId::new("7"), &recs, &WriteConfig::default());
        assert_eq!(all[0].name, UPSELL_IDS);
        assert_eq!(all[0].wanted, Wanted::Ids(vec![12, 13]));
        assert_eq!(all[1].wanted, Wanted::Ids(vec![20]));
        let related = all
            .iter()
            .find(|f| f.name == "_upsell_sync_related")
            .unwrap();
        assert_eq!(related.wanted, Wanted::Meta(None));
    }

    #[test]
    fn a_held_out_product_gets_nothing_of_ours() {
        let recs = ProductRecs {
            upsell: vec![link("12")],
            related: vec![link("14")],
            holdout: true,
            ..ProductRecs::default()
        };
        for field in desired(&ProductId::new("7"), &recs, &WriteConfig::default()) {
            assert!(
                matches!(&field.wanted, Wanted::Ids(ids) if ids.is_empty())
                    || field.wanted == Wanted::Meta(None),
                "{field:?}"
            );
        }
    }

    #[test]
    fn the_hash_changes_with_the_content_and_the_mode() {
        let a = Field {
            name: UPSELL_IDS.to_owned(),
            wanted: Wanted::Ids(vec![1, 2]),
        };
        let mut b = a.clone();
        assert_eq!(a.hash(WriteMode::Merge), b.hash(WriteMode::DryRun));
        assert_ne!(a.hash(WriteMode::Merge), b.hash(WriteMode::Replace));
        b.wanted = Wanted::Ids(vec![2, 1]);
        assert_ne!(a.hash(WriteMode::Merge), b.hash(WriteMode::Merge));
    }
}
