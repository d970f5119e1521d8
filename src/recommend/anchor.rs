//! Everything computed for one anchor product, in one pass over its co-purchase row.

use std::collections::{HashMap, HashSet};

use crate::model::{Explanation, Link, LinkSource, ListKind, ProductRecs};

use super::baskets::{Baskets, WEIGHT_ONE};
use super::catalog::{Catalog, Item};
use super::content::Content;
use super::params::Params;
use super::rules::{Rule, Rules};
use super::score::PairStats;
use super::{bundles, cross_sell, holdout, related, repeat, substitutes};

/// Merchant rules translated to dense indices once per compute.
#[derive(Debug, Clone, Default)]
pub(crate) struct RuleIndex {
    pins: HashMap<(Item, ListKind), Vec<Item>>,
    blocked_pairs: HashSet<(Item, Item)>,
    max_length: HashMap<ListKind, usize>,
}

impl RuleIndex {
    pub(crate) fn new(catalog: &Catalog, rules: &Rules) -> Self {
        let mut index = Self::default();
        for rule in rules.iter() {
            match rule {
                Rule::Pin { anchor, kind, item } => {
                    if let (Some(a), Some(i)) = (catalog.item(anchor), catalog.item(item)) {
                        index.pins.entry((a, *kind)).or_default().push(i);
                    }
                }
                Rule::BlockPair { a, b } => {
                    if let (Some(a), Some(b)) = (catalog.item(a), catalog.item(b)) {
                        index.blocked_pairs.insert((a, b));
                        index.blocked_pairs.insert((b, a));
                    }
                }
                Rule::MaxLength { kind, length } => {
                    let entry = index.max_length.entry(*kind).or_insert(*length);
                    *entry = (*entry).min(*length);
                }
                Rule::BlockItem { .. } | Rule::ExcludeTag { .. } => {} // folded into Catalog::eligible
            }
        }
        index
    }
}

/// What every list builder reads.
pub(crate) struct Ctx<'a> {
    pub catalog: &'a Catalog,
    pub content: &'a Content,
    pub baskets: &'a Baskets,
    pub params: &'a Params,
    pub rules: &'a RuleIndex,
    /// Eligible items by descending sales, for cold-start fallbacks.
    pub popular: &'a [Item],
}

impl Ctx<'_> {
    /// Whether `item` may appear on `anchor`'s lists at all.
    pub fn allowed(&self, anchor: Item, item: Item) -> bool {
        item != anchor
            && self.catalog.is_eligible(item)
            && !self.rules.blocked_pairs.contains(&(anchor, item))
    }

    /// Item price over anchor price, when both are known.
    pub fn price_ratio(&self, anchor: Item, item: Item) -> Option<f64> {
        match (self.catalog.price(anchor), self.catalog.price(item)) {
            (Some(a), Some(i)) if a > 0.0 => Some(i / a),
            _ => None,
        }
    }

    /// Longest list of `kind` after merchant caps.
    pub fn list_length(&self, kind: ListKind) -> usize {
        let cap = self
            .rules
            .max_length
            .get(&kind)
            .copied()
            .unwrap_or(usize::MAX);
        self.params.max_list_length.min(cap)
    }

    /// The explanation of `anchor` → `item` from the anchor's row.
    pub fn explain(
        &self,
        anchor: Item,
        item: Item,
        row: &Row,
        source: LinkSource,
        similarity: f64,
    ) -> Explanation {
        PairStats::new(self.baskets, anchor, item, row.co[item as usize]).explain(
            source,
            self.baskets.total_weight,
            self.price_ratio(anchor, item),
            similarity,
        )
    }

    /// A finished link.
    pub fn link(&self, item: Item, score: f64, why: Explanation) -> Link {
        Link {
            product: self.catalog.id(item).clone(),
            score,
            why,
        }
    }

    /// Whether the anchor has too little history for its own co-purchase list.
    pub fn is_cold(&self, anchor: Item) -> bool {
        (self.baskets.item_weight[anchor as usize] as f64)
            < self.params.cold_start_orders * WEIGHT_ONE as f64
    }
}

/// Scratch space for one anchor's co-purchase row, reused across anchors.
pub(crate) struct Row {
    /// Weighted co-orders with every item (zero unless touched).
    pub co: Vec<u64>,
    /// Items with non-zero co-orders, first-seen order.
    pub touched: Vec<Item>,
}

impl Row {
    pub fn new(len: usize) -> Self {
        Self {
            co: vec![0; len],
            touched: Vec::new(),
        }
    }

    fn clear(&mut self) {
        for &item in &self.touched {
            self.co[item as usize] = 0;
        }
        self.touched.clear();
    }
}

/// Computes every list for `anchor`, and returns with them the anchor's co-purchase
/// partners (the candidates its cross-sells, related items and bundles come from).
pub(crate) fn compute(ctx: &Ctx<'_>, anchor: Item, row: &mut Row) -> (ProductRecs, Vec<Item>) {
    ctx.baskets
        .accumulate_row(anchor, &mut row.co, &mut row.touched);
    let partners = cross_sell::partners(ctx, anchor, row);
    let mut recs = ProductRecs {
        cross_sell: cross_sell::list(ctx, anchor, row, &partners),
        upsell: substitutes::list(ctx, anchor, row, ListKind::Upsell),
        downsell: substitutes::list(ctx, anchor, row, ListKind::Downsell),
        related: related::list(ctx, anchor, row, &partners),
        bundles: bundles::for_anchor(ctx, anchor, row, &partners),
        volume: repeat::volume(ctx, anchor),
        replenishment: repeat::replenishment(ctx, anchor),
        holdout: holdout::is_held_out(ctx.params, ctx.catalog.id(anchor)),
    };
    for kind in ListKind::ALL {
        apply_pins(ctx, anchor, row, kind, recs.list_mut(kind));
    }
    row.clear();
    (recs, partners.into_iter().map(|(_, item)| item).collect())
}

/// Puts pinned items first (in rule order) and cuts the list to its length.
fn apply_pins(ctx: &Ctx<'_>, anchor: Item, row: &Row, kind: ListKind, list: &mut Vec<Link>) {
    let pins: Vec<Item> = ctx
        .rules
        .pins
        .get(&(anchor, kind))
        .map(|pins| {
            pins.iter()
                .copied()
                .filter(|&p| ctx.allowed(anchor, p))
                .collect()
        })
        .unwrap_or_default();
    if !pins.is_empty() {
        let top = list.first().map_or(0.0, |l| l.score);
        list.retain(|link| pins.iter().all(|&p| ctx.catalog.id(p) != &link.product));
        let pinned = pins.iter().enumerate().map(|(rank, &item)| {
            let why = ctx.explain(anchor, item, row, LinkSource::Pinned, 0.0);
            ctx.link(item, top + (pins.len() - rank) as f64, why)
        });
        list.splice(0..0, pinned);
    }
    list.truncate(ctx.list_length(kind));
}
