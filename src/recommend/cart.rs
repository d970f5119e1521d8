//! Cart-level cross-sells: the cross-sell lists of everything in a cart, combined, with
//! what is already in the cart taken out.

use std::collections::{BTreeMap, HashSet};

use crate::model::{ProductId, ProductRecs};

/// Sums each candidate's cross-sell scores over the cart's anchors and returns the best
/// `k`, best first; ties go to the smaller id. `lists` looks up an anchor's lists.
pub fn cross_sells<'a>(
    cart: &[ProductId],
    lists: impl Fn(&ProductId) -> Option<&'a ProductRecs>,
    k: usize,
) -> Vec<(ProductId, f64)> {
    let in_cart: HashSet<&ProductId> = cart.iter().collect();
    let mut totals: BTreeMap<&ProductId, f64> = BTreeMap::new();
    for anchor in cart.iter().collect::<std::collections::BTreeSet<_>>() {
        for link in lists(anchor)
            .map(|r| r.cross_sell.as_slice())
            .unwrap_or_default()
        {
            if !in_cart.contains(&link.product) {
                *totals.entry(&link.product).or_insert(0.0) += link.score;
            }
        }
    }
    let mut ranked: Vec<(ProductId, f64)> = totals
        .into_iter()
        .map(|(id, score)| (id.clone(), score))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked.truncate(k);
    ranked
}
