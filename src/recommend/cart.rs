//! Cart-level suggestions: the cross-sell lists of everything in a cart, combined, with
//! what is already in the cart taken out, and the items that close the gap to a
//! free-shipping threshold.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde::{Deserialize, Serialize};

use crate::model::{ListKind, Money, Product, ProductId, ProductRecs};

/// Sums each candidate's cross-sell scores over the cart's anchors and returns the best
/// `k`, best first; ties go to the smaller id. `lists` looks up an anchor's lists.
pub fn cross_sells<'a>(
    cart: &[ProductId],
    lists: impl Fn(&ProductId) -> Option<&'a ProductRecs>,
    k: usize,
) -> Vec<(ProductId, f64)> {
    let in_cart: HashSet<&ProductId> = cart.iter().collect();
    let mut totals: BTreeMap<&ProductId, f64> = BTreeMap::new();
    for anchor in cart.iter().collect::<BTreeSet<_>>() {
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

/// One line of a cart.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct CartLine {
    /// The product in the cart.
    pub product: ProductId,
    /// Units of it.
    pub quantity: u32,
}

/// A suggested item with its reason.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Suggestion {
    /// The suggested product.
    pub product: ProductId,
    /// Its scores summed over the cart's anchors.
    pub score: f64,
    /// Its reference price (see [`Product::reference_price`]).
    pub price: Money,
    /// The cart items whose lists hold it, in id order.
    pub because_of: Vec<ProductId>,
}

/// Items that lift the cart over the free-shipping threshold.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ShippingGap {
    /// Threshold minus subtotal (always positive).
    pub gap: Money,
    /// Items priced at or above the gap: cross-sell candidates first, then items of the
    /// anchors' related and upsell lists; each group by score, cheaper first on ties.
    pub closers: Vec<Suggestion>,
}

/// Everything suggested for one cart.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CartSuggestions {
    /// The subtotal used: the one given, or the cart's reference prices × quantities.
    pub subtotal: Money,
    /// The best `k` cross-sells for the whole cart.
    pub cross_sells: Vec<Suggestion>,
    /// When a threshold was given and the subtotal is below it.
    pub free_shipping: Option<ShippingGap>,
}

/// Cart-level suggestions. Only the cart's items and their lists' items are looked up,
/// never the catalog, so the cost grows with the lists, not the shop.
///
/// Cross-sells: candidates' cross-sell scores summed over the cart's distinct anchors,
/// without cart items and without anything not [available](Product::is_available)
/// (unknown, draft, archived, sold out or without a price); best first, ties to the
/// smaller id. Gap closers: see [`ShippingGap`].
pub fn suggest<'r, 'p>(
    cart: &[CartLine],
    lists: impl Fn(&ProductId) -> Option<&'r ProductRecs>,
    products: impl Fn(&ProductId) -> Option<&'p Product>,
    subtotal: Option<Money>,
    free_shipping_threshold: Option<Money>,
    k: usize,
) -> CartSuggestions {
    let subtotal = subtotal.unwrap_or_else(|| cart_value(cart, &products));
    let anchors: BTreeSet<&ProductId> = cart.iter().map(|l| &l.product).collect();
    let crosses = candidates(&anchors, &lists, &products, &[ListKind::CrossSell]);
    let free_shipping = free_shipping_threshold
        .filter(|&threshold| subtotal < threshold)
        .map(|threshold| {
            let gap = Money(threshold.0.saturating_sub(subtotal.0));
            let others = candidates(&anchors, &lists, &products, &OTHER_KINDS);
            ShippingGap {
                gap,
                closers: closers(&crosses, others, gap, k),
            }
        });
    let mut cross_sells = crosses;
    cross_sells.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.product.cmp(&b.product))
    });
    cross_sells.truncate(k);
    CartSuggestions {
        subtotal,
        cross_sells,
        free_shipping,
    }
}

/// The lists gap closers are taken from after the cross-sells.
pub const OTHER_KINDS: [ListKind; 2] = [ListKind::Related, ListKind::Upsell];

/// Sum of reference price × quantity; unknown or unpriced items count zero.
fn cart_value<'p>(
    cart: &[CartLine],
    products: &impl Fn(&ProductId) -> Option<&'p Product>,
) -> Money {
    let total = cart.iter().fold(0_i64, |sum, line| {
        let price = products(&line.product).and_then(Product::reference_price);
        let value = price.map_or(0, |p| p.0.saturating_mul(i64::from(line.quantity)));
        sum.saturating_add(value)
    });
    Money(total)
}

/// Available items of the anchors' lists of `kinds` that are not in the cart, with
/// scores summed, in id order.
fn candidates<'r, 'p>(
    anchors: &BTreeSet<&ProductId>,
    lists: &impl Fn(&ProductId) -> Option<&'r ProductRecs>,
    products: &impl Fn(&ProductId) -> Option<&'p Product>,
    kinds: &[ListKind],
) -> Vec<Suggestion> {
    let mut found: BTreeMap<&ProductId, (f64, BTreeSet<&ProductId>)> = BTreeMap::new();
    for &anchor in anchors {
        let Some(recs) = lists(anchor) else { continue };
        for link in kinds.iter().flat_map(|&kind| recs.list(kind)) {
            if anchors.contains(&link.product) || !link.score.is_finite() {
                continue;
            }
            let entry = found.entry(&link.product).or_default();
            entry.0 += link.score;
            entry.1.insert(anchor);
        }
    }
    found
        .into_iter()
        .filter_map(|(product, (score, because_of))| {
            let item = products(product).filter(|p| p.is_available())?;
            Some(Suggestion {
                product: product.clone(),
                score,
                price: item.reference_price()?,
                because_of: because_of.into_iter().cloned().collect(),
            })
        })
        .collect()
}

/// Items priced at least `gap`: cross-sells first, then the others not already taken,
/// each group by score, cheaper first, then id.
fn closers(
    crosses: &[Suggestion],
    others: Vec<Suggestion>,
    gap: Money,
    k: usize,
) -> Vec<Suggestion> {
    let by_rank = |a: &Suggestion, b: &Suggestion| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.price.cmp(&b.price))
            .then_with(|| a.product.cmp(&b.product))
    };
    let mut first: Vec<Suggestion> = crosses.iter().filter(|s| s.price >= gap).cloned().collect();
    first.sort_by(by_rank);
    let taken: HashSet<ProductId> = first.iter().map(|s| s.product.clone()).collect();
    let mut then: Vec<Suggestion> = others
        .into_iter()
        .filter(|s| s.price >= gap && !taken.contains(&s.product))
        .collect();
    then.sort_by(by_rank);
    first.extend(then);
    first.truncate(k);
    first
}

#[cfg(test)]
#[path = "cart_tests.rs"]
mod tests;
