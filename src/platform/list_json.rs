//! The JSON we write next to the link lists on both platforms (a Shopify `json`
//! metafield, a WooCommerce meta value): bundles with their prices, and the reason for
//! every link, so a theme or the admin can show why an item is suggested.

use serde_json::{json, Value};

use crate::model::{ListKind, ProductId, ProductRecs};

/// `[{"products": [anchor, ...], "full_price", "bundle_price", "discount_percent"}]`, or
/// `None` without bundles.
#[must_use]
pub fn bundles(recs: &ProductRecs) -> Option<Value> {
    (!recs.bundles.is_empty()).then(|| {
        recs.bundles
            .iter()
            .map(|b| {
                json!({
                    "products": b.items.iter().map(ProductId::as_str).collect::<Vec<_>>(),
                    "full_price": b.full_price.to_string(),
                    "bundle_price": b.bundle_price.to_string(),
                    "discount_percent": b.discount_percent,
                })
            })
            .collect()
    })
}

/// `{"cross_sell": [{"product", "reason", "co_orders", "confidence", "lift"}, ...], ...}`
/// over every non-empty link list; `None` when there is none, or for a product in the
/// holdout (which must show nothing).
#[must_use]
pub fn explanations(recs: &ProductRecs) -> Option<Value> {
    if recs.holdout {
        return None;
    }
    let mut map = serde_json::Map::new();
    for kind in ListKind::ALL {
        let links = recs.list(kind);
        if links.is_empty() {
            continue;
        }
        let entries: Vec<Value> = links
            .iter()
            .map(|l| {
                json!({
                    "product": l.product.as_str(),
                    "reason": l.why.describe(),
                    "co_orders": (l.why.co_orders * 10.0).round() / 10.0,
                    "confidence": (l.why.confidence * 1000.0).round() / 1000.0,
                    "lift": (l.why.lift * 10.0).round() / 10.0,
                })
            })
            .collect();
        map.insert(kind.as_str().to_owned(), Value::Array(entries));
    }
    (!map.is_empty()).then_some(Value::Object(map))
}
