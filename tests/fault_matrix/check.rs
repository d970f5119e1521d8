//! What every case checks, whatever the platform: the store's records before, during
//! and after a fault, compared record by record.

use std::collections::{BTreeMap, BTreeSet};

use upsell_sync::model::{Order, Product};
use upsell_sync::store::ShopStore;

/// Every product and order in a shop's store, by id.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    pub products: BTreeMap<String, Product>,
    pub orders: BTreeMap<String, Order>,
}

impl Snapshot {
    pub fn of(shop: &ShopStore) -> Self {
        Self {
            products: shop
                .products()
                .map(|p| p.expect("a stored product reads back"))
                .map(|p| (p.id.0.clone(), p))
                .collect(),
            orders: shop
                .orders()
                .map(|o| o.expect("a stored order reads back"))
                .map(|o| (o.id.0.clone(), o))
                .collect(),
        }
    }
}

/// Nothing synced was lost or corrupted by the faulty run: every record the store held
/// `during` it is the version held `before` or the one held `after` recovery (which
/// equals the platform), and a record held before is missing only if the platform no
/// longer has it either.
pub fn assert_intact(case: &str, before: &Snapshot, during: &Snapshot, after: &Snapshot) {
    intact(
        case,
        "product",
        &before.products,
        &during.products,
        &after.products,
    );
    intact(case, "order", &before.orders, &during.orders, &after.orders);
}

fn intact<T: PartialEq + std::fmt::Debug>(
    case: &str,
    what: &str,
    before: &BTreeMap<String, T>,
    during: &BTreeMap<String, T>,
    after: &BTreeMap<String, T>,
) {
    for (id, old) in before {
        match during.get(id) {
            None => assert!(
                !after.contains_key(id),
                "{case}: {what} {id} was lost from the store during the faulty run"
            ),
            Some(held) => assert!(
                held == old || after.get(id) == Some(held),
                "{case}: {what} {id} was corrupted during the faulty run: {held:?}"
            ),
        }
    }
    for (id, held) in during {
        if !before.contains_key(id) {
            assert_eq!(
                after.get(id),
                Some(held),
                "{case}: {what} {id} was stored during the faulty run in a version the \
                 platform never had"
            );
        }
    }
}

/// Ids of records held `during` (or missing then) that are not at the version held
/// `after` recovery: what the faulty run did not bring up to date.
pub fn stale(during: &Snapshot, after: &Snapshot) -> BTreeSet<String> {
    fn differing<T: PartialEq>(
        during: &BTreeMap<String, T>,
        after: &BTreeMap<String, T>,
    ) -> Vec<String> {
        after
            .iter()
            .filter(|(id, record)| during.get(*id) != Some(*record))
            .map(|(id, _)| id.clone())
            .collect()
    }
    let mut out: BTreeSet<String> = differing(&during.products, &after.products)
        .into_iter()
        .collect();
    out.extend(differing(&during.orders, &after.orders));
    out
}

/// The number at the end of an id (`gid://shopify/Product/7` → `7`, `1000007` → itself),
/// as problems name records.
pub fn tail_number(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}

/// Titles that are odd but valid Unicode: right-to-left scripts, stacked combining
/// marks, emoji ZWJ sequences, NUL, a byte-order mark, bidi overrides and zero-width
/// characters. Each must be stored exactly as the platform holds it.
pub const ODD_TITLES: [&str; 6] = [
    "مرحبا بالعالم — שלום עולם",
    "e\u{301}\u{302}\u{303} Z\u{336}a\u{337}l\u{338}g\u{335}o",
    "👩\u{200d}👩\u{200d}👧\u{200d}👦 family 🏳\u{fe0f}\u{200d}🌈",
    "nul\u{0}inside",
    "\u{feff}BOM first",
    "\u{202e}override\u{202c} and zero\u{200b}width",
];
