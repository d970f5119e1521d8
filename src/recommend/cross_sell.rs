//! Cross-sells: complements bought together more often than their popularity explains,
//! within the anchor's price bracket, preferably of another type. Anchors with too
//! little history get complements from the categories their category is bought with.

use crate::model::{Link, LinkSource, ListKind};

use super::anchor::{Ctx, Row};
use super::baskets::{orders, WEIGHT_ONE};
use super::catalog::{Catalog, Item};
use super::score::{wilson_lower, PairStats, POPULARITY_DAMPING};

/// Co-purchase candidates kept per anchor (for the list, bundles and related items).
const PARTNERS: usize = 32;
/// Complementary categories a cold-start anchor draws from.
const FALLBACK_TYPES: usize = 3;
/// Cold-start links rank below any real co-purchase link when carts are combined.
const FALLBACK_SCALE: f64 = 1e-4;

/// The anchor's best co-purchase partners that pass the cross-sell rules, best first.
pub(crate) fn partners(ctx: &Ctx<'_>, anchor: Item, row: &Row) -> Vec<(f64, Item)> {
    let min_co = ctx.params.min_co_orders * WEIGHT_ONE as f64;
    let max_ratio = ctx.params.cross_sell.max_price_ratio;
    let mut scored: Vec<(f64, Item)> = row
        .touched
        .iter()
        .copied()
        .filter(|&item| row.co[item as usize] as f64 >= min_co && ctx.allowed(anchor, item))
        .filter(|&item| {
            ctx.price_ratio(anchor, item)
                .is_none_or(|ratio| ratio <= max_ratio)
        })
        .map(|item| {
            let mut score =
                PairStats::new(ctx.baskets, anchor, item, row.co[item as usize]).score();
            if ctx.catalog.same_type(anchor, item) {
                score *= ctx.params.cross_sell.same_type_factor;
            }
            (score, item)
        })
        .filter(|(score, _)| *score > 0.0)
        .collect();
    top_sorted(&mut scored, PARTNERS);
    scored
}

/// Keeps the `n` best of `scored`, best first, ties by index (so output is stable).
pub(crate) fn top_sorted(scored: &mut Vec<(f64, Item)>, n: usize) {
    let order = |a: &(f64, Item), b: &(f64, Item)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
    if scored.len() > n {
        scored.select_nth_unstable_by(n, order);
        scored.truncate(n);
    }
    scored.sort_unstable_by(order);
}

/// The cross-sell list: partners, then for cold anchors the category fallback.
pub(crate) fn list(ctx: &Ctx<'_>, anchor: Item, row: &Row, partners: &[(f64, Item)]) -> Vec<Link> {
    let length = ctx.list_length(ListKind::CrossSell);
    let mut links: Vec<Link> = partners
        .iter()
        .take(length)
        .map(|&(score, item)| {
            ctx.link(
                item,
                score,
                ctx.explain(anchor, item, row, LinkSource::CoPurchase, 0.0),
            )
        })
        .collect();
    if links.len() < length && ctx.is_cold(anchor) {
        let taken: Vec<Item> = partners
            .iter()
            .take(length)
            .map(|&(_, item)| item)
            .collect();
        for (rank, (item, source)) in fallback(ctx, anchor, &taken, length - links.len())
            .into_iter()
            .enumerate()
        {
            let score = FALLBACK_SCALE / (1 + rank) as f64;
            links.push(ctx.link(item, score, ctx.explain(anchor, item, row, source, 0.0)));
        }
    }
    links
}

/// Complements for an anchor without enough history: the best-sellers of the types
/// most often bought with the anchor's type, else the shop's best-sellers.
fn fallback(ctx: &Ctx<'_>, anchor: Item, taken: &[Item], need: usize) -> Vec<(Item, LinkSource)> {
    let fits = |item: Item| {
        ctx.allowed(anchor, item)
            && !taken.contains(&item)
            && ctx
                .price_ratio(anchor, item)
                .is_none_or(|r| r <= ctx.params.cross_sell.max_price_ratio)
    };
    let mut out: Vec<(Item, LinkSource)> = Vec::with_capacity(need);
    for ty in complementary_types(ctx, anchor) {
        let mut members: Vec<Item> = ctx.content.members_of_type(ty).to_vec();
        members.retain(|&item| fits(item) && ctx.baskets.item_weight[item as usize] > 0);
        members.sort_unstable_by(|&a, &b| {
            ctx.baskets.item_weight[b as usize]
                .cmp(&ctx.baskets.item_weight[a as usize])
                .then(a.cmp(&b))
        });
        let share = need.div_ceil(FALLBACK_TYPES).max(1);
        out.extend(
            members
                .into_iter()
                .take(share)
                .map(|item| (item, LinkSource::CategoryFallback)),
        );
    }
    for &item in ctx.popular {
        if out.len() >= need {
            break;
        }
        if fits(item) && out.iter().all(|&(o, _)| o != item) {
            out.push((item, LinkSource::Popular));
        }
    }
    out.truncate(need);
    out
}

/// Types most often bought with the anchor's type (not its own), strongest first.
fn complementary_types(ctx: &Ctx<'_>, anchor: Item) -> Vec<u32> {
    let own = ctx.catalog.type_id[anchor as usize];
    if own == Catalog::UNTYPED {
        return Vec::new();
    }
    let own_weight = orders(ctx.baskets.type_weight[own as usize]);
    let mut scored: Vec<(f64, Item)> = (1..ctx.catalog.type_count() as u32)
        .filter(|&ty| ty != own)
        .filter_map(|ty| {
            let together = ctx.baskets.type_pair_weight(own, ty);
            (together > 0).then(|| {
                let popularity = orders(ctx.baskets.type_weight[ty as usize]).max(1.0);
                (
                    wilson_lower(orders(together), own_weight)
                        / popularity.powf(POPULARITY_DAMPING),
                    ty,
                )
            })
        })
        .collect();
    top_sorted(&mut scored, FALLBACK_TYPES);
    scored.into_iter().map(|(_, ty)| ty).collect()
}
