//! Upsells and downsells: the same kind of item (same type, or for untyped products
//! alike in words) a modest step up or down in price, ranked by similarity and sales.
//! Items mostly bought *with* the anchor are complements, not substitutes, and sink.

use crate::model::{Link, LinkSource, ListKind};

use super::anchor::{Ctx, Row};
use super::baskets::orders;
use super::catalog::{Catalog, Item};
use super::cross_sell::top_sorted;

/// Sales at which the popularity factor is half-way to its maximum.
const POPULARITY_HALF: f64 = 5.0;

/// The upsell or downsell list of `anchor`.
pub(crate) fn list(ctx: &Ctx<'_>, anchor: Item, row: &Row, kind: ListKind) -> Vec<Link> {
    let band = match kind {
        ListKind::Upsell => &ctx.params.upsell,
        ListKind::Downsell => &ctx.params.downsell,
        ListKind::CrossSell | ListKind::Related => {
            unreachable!("substitutes are upsells or downsells")
        }
    };
    let untyped = ctx.catalog.type_id[anchor as usize] == Catalog::UNTYPED;
    let anchor_weight = ctx.baskets.item_weight[anchor as usize] as f64;
    let mut scored: Vec<(f64, Item, f64)> = Vec::new();
    for &item in ctx.content.same_kind(ctx.catalog, anchor) {
        if !ctx.allowed(anchor, item) {
            continue;
        }
        let Some(ratio) = ctx.price_ratio(anchor, item) else {
            continue;
        };
        if ratio < band.min_price_ratio || ratio > band.max_price_ratio {
            continue;
        }
        let similarity = ctx.content.similarity(ctx.catalog, anchor, item);
        if untyped && similarity < ctx.params.related.min_similarity {
            continue;
        }
        let sales = orders(ctx.baskets.item_weight[item as usize]);
        let popularity = 0.5 + sales / (sales + POPULARITY_HALF);
        let together = if anchor_weight > 0.0 {
            (row.co[item as usize] as f64 / anchor_weight).min(1.0)
        } else {
            0.0
        };
        let score =
            (0.5 + similarity) * popularity * (1.0 - 0.8 * together) / (1.0 + ratio.ln().abs());
        scored.push((score, item, similarity));
    }
    let mut ranked: Vec<(f64, Item)> = scored
        .iter()
        .map(|&(score, item, _)| (score, item))
        .collect();
    top_sorted(&mut ranked, ctx.list_length(kind));
    ranked
        .into_iter()
        .map(|(score, item)| {
            let similarity = scored.iter().find(|s| s.1 == item).map_or(0.0, |s| s.2);
            ctx.link(
                item,
                score,
                ctx.explain(anchor, item, row, LinkSource::Content, similarity),
            )
        })
        .collect()
}
