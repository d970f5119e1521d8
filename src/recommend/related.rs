//! Related items ("you may also like"): content similarity blended with co-purchase.

use std::collections::BTreeMap;

use crate::model::{Link, LinkSource, ListKind};

use super::anchor::{Ctx, Row};
use super::catalog::Item;
use super::cross_sell::top_sorted;

/// The related list of `anchor`, from its same-kind items and co-purchase partners.
pub(crate) fn list(ctx: &Ctx<'_>, anchor: Item, row: &Row, partners: &[(f64, Item)]) -> Vec<Link> {
    let weight = ctx.params.related.copurchase_weight;
    let best_partner = partners.first().map_or(0.0, |p| p.0);
    // item -> (similarity, normalised co-purchase strength)
    let mut parts: BTreeMap<Item, (f64, f64)> = BTreeMap::new();
    for &item in ctx.content.same_kind(ctx.catalog, anchor) {
        if ctx.allowed(anchor, item) {
            let similarity = ctx.content.similarity(ctx.catalog, anchor, item);
            if similarity >= ctx.params.related.min_similarity {
                parts.insert(item, (similarity, 0.0));
            }
        }
    }
    for &(score, item) in partners {
        let similarity = ctx.content.similarity(ctx.catalog, anchor, item);
        parts.entry(item).or_insert((similarity, 0.0)).1 = score / best_partner;
    }
    let mut ranked: Vec<(f64, Item)> = parts
        .iter()
        .map(|(&item, &(sim, co))| ((1.0 - weight) * sim + weight * co, item))
        .filter(|s| s.0 > 0.0)
        .collect();
    top_sorted(&mut ranked, ctx.list_length(ListKind::Related));
    ranked
        .into_iter()
        .map(|(score, item)| {
            let (similarity, co) = parts[&item];
            let source = if (1.0 - weight) * similarity >= weight * co {
                LinkSource::Content
            } else {
                LinkSource::CoPurchase
            };
            ctx.link(
                item,
                score,
                ctx.explain(anchor, item, row, source, similarity),
            )
        })
        .collect()
}
