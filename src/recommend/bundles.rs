//! Bundles: the anchor with one or two partners that are bought together as a set,
//! priced with the configured discount.

use crate::model::{Bundle, Money};

use super::anchor::{Ctx, Row};
use super::baskets::{orders, WEIGHT_ONE};
use super::catalog::Item;
use super::score::wilson_lower;

/// Partners considered for bundles (the anchor's strongest co-purchases).
const CANDIDATES: usize = 8;

/// The anchor's best bundles.
pub(crate) fn for_anchor(
    ctx: &Ctx<'_>,
    anchor: Item,
    row: &Row,
    partners: &[(f64, Item)],
) -> Vec<Bundle> {
    let params = &ctx.params.bundles;
    let min_co = (params.min_co_orders * WEIGHT_ONE as f64) as u64;
    let chosen: Vec<Item> = partners
        .iter()
        .take(CANDIDATES)
        .map(|p| p.1)
        .filter(|&i| row.co[i as usize] >= min_co)
        .collect();
    if chosen.is_empty() || !ctx.catalog.is_eligible(anchor) {
        return Vec::new();
    }
    let anchor_orders = orders(ctx.baskets.item_weight[anchor as usize]);
    let mut options: Vec<(f64, Vec<Item>, u64)> = chosen
        .iter()
        .map(|&item| {
            (
                wilson_lower(orders(row.co[item as usize]), anchor_orders),
                vec![anchor, item],
                row.co[item as usize],
            )
        })
        .collect();
    if params.max_items >= 3 {
        let triples = triple_counts(ctx, anchor, &chosen);
        for (a, &first) in chosen.iter().enumerate() {
            for (b, &second) in chosen.iter().enumerate().skip(a + 1) {
                let together = triples[a * chosen.len() + b];
                if together >= min_co {
                    // A third item is worth twice a second one when the evidence holds.
                    let score = 2.0 * wilson_lower(orders(together), anchor_orders);
                    options.push((score, vec![anchor, first, second], together));
                }
            }
        }
    }
    options.sort_by(|x, y| y.0.total_cmp(&x.0).then_with(|| x.1.cmp(&y.1)));
    options
        .into_iter()
        .filter_map(|(_, items, together)| priced(ctx, &items, together))
        .take(params.per_product)
        .collect()
}

/// Weighted orders holding the anchor and both of each pair of `chosen`, row-major.
fn triple_counts(ctx: &Ctx<'_>, anchor: Item, chosen: &[Item]) -> Vec<u64> {
    let n = chosen.len();
    let mut counts = vec![0u64; n * n];
    let mut present = Vec::with_capacity(n);
    for &slot in &ctx.baskets.item_baskets[anchor as usize] {
        let basket = ctx.baskets.basket(slot);
        present.clear();
        present.extend((0..n).filter(|&k| basket.items.binary_search(&chosen[k]).is_ok()));
        for (x, &a) in present.iter().enumerate() {
            for &b in &present[x + 1..] {
                counts[a * n + b] += basket.weight;
            }
        }
    }
    counts
}

/// `full` less `percent`, rounded half up to the cent. Integer arithmetic, so that
/// 351.15 less 10% is 316.04 and not the 316.03 a float product gives.
fn discounted(full: Money, percent: f64) -> Money {
    let keep_basis_points = i128::from(10_000 - (percent * 100.0).round() as i64);
    // full is in ten-thousandths; times basis points gives 10^-8 units; a cent is 10^6.
    let scaled = i128::from(full.0) * keep_basis_points;
    let cents = (scaled + 500_000).div_euclid(1_000_000);
    Money((cents * 100) as i64)
}

/// Prices a bundle, or `None` when an item has no price.
fn priced(ctx: &Ctx<'_>, items: &[Item], together: u64) -> Option<Bundle> {
    let mut full = Money(0);
    for &item in items {
        full = Money(full.0 + Money::from_f64(ctx.catalog.price(item)?).0);
    }
    let discount = ctx.params.bundles.discount_percent;
    Some(Bundle {
        items: items.iter().map(|&i| ctx.catalog.id(i).clone()).collect(),
        co_orders: orders(together),
        full_price: full,
        discount_percent: discount,
        bundle_price: discounted(full, discount),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_discount_is_rounded_half_up_to_the_cent_exactly() {
        let price = |s| Money::parse(s).unwrap();
        assert_eq!(discounted(price("351.15"), 10.0), price("316.04"));
        assert_eq!(discounted(price("10"), 10.0), price("9"));
        assert_eq!(discounted(price("0.05"), 10.0), price("0.05"));
        assert_eq!(discounted(price("19.99"), 12.5), price("17.49"));
    }
}
