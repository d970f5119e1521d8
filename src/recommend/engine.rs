//! The recommender's state for one shop: catalog, counted orders and every product's
//! lists. Built in one pass ([`Recommender::new`]) and kept current order by order
//! ([`Recommender::apply_order`]), which re-ranks only the anchors an order can change.

use std::borrow::Borrow;
use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use rayon::prelude::*;

use crate::model::{Order, OrderId, Product, ProductId, ProductRecs};

use super::anchor::{self, Ctx, Row, RuleIndex};
use super::baskets::Baskets;
use super::catalog::{Catalog, Item};
use super::content::Content;
use super::params::Params;
use super::rules::Rules;
use super::score::lift;

/// Best-sellers kept for cold-start fallbacks.
const POPULAR: usize = 256;

/// A shop's recommender: inputs and computed lists.
#[derive(Debug, Clone)]
pub struct Recommender {
    params: Params,
    as_of: DateTime<Utc>,
    catalog: Catalog,
    content: Content,
    rules: RuleIndex,
    baskets: Baskets,
    popular: Vec<Item>,
    recs: Vec<ProductRecs>,
    /// Each anchor's co-purchase partners, the only co-purchase candidates its lists
    /// draw from: an item outside them whose score only falls cannot enter the lists.
    partners: Vec<Vec<Item>>,
}

impl Recommender {
    /// Computes every product's lists from scratch. Orders are weighted by age relative
    /// to `as_of`; the result depends only on the inputs, never on their order. Orders
    /// may be borrowed or owned, so a caller can stream them from the store without
    /// holding them all.
    pub fn new<O: Borrow<Order>>(
        products: &[Product],
        orders: impl IntoIterator<Item = O>,
        rules: &Rules,
        params: &Params,
        as_of: DateTime<Utc>,
    ) -> Self {
        let catalog = Catalog::new(products, rules);
        let content = Content::new(&catalog);
        let baskets = Baskets::new(&catalog, orders, params, as_of);
        let mut recommender = Self {
            params: params.clone(),
            as_of,
            rules: RuleIndex::new(&catalog, rules),
            catalog,
            content,
            baskets,
            popular: Vec::new(),
            recs: Vec::new(),
            partners: Vec::new(),
        };
        recommender.popular = recommender.best_sellers();
        let all: Vec<Item> = (0..recommender.catalog.len() as Item).collect();
        (recommender.recs, recommender.partners) = recommender.compute(&all).into_iter().unzip();
        recommender
    }

    /// Counts a new or changed order and re-ranks the anchors it can affect; returns
    /// their ids. The lists afterwards equal those of a full recompute over all orders.
    pub fn apply_order(&mut self, order: &Order) -> Vec<ProductId> {
        self.apply_orders(std::slice::from_ref(order), &[])
    }

    /// Forgets an order (deleted, or redacted for privacy) and re-ranks what it affected.
    pub fn withdraw_order(&mut self, order: &OrderId) -> Vec<ProductId> {
        self.apply_orders(&[], std::slice::from_ref(order))
    }

    /// Counts new or changed orders and forgets withdrawn ones, then re-ranks once: the
    /// anchors affected by the net change of the counts, so a webhook burst costs one
    /// refresh rather than one per order.
    pub fn apply_orders(&mut self, upserts: &[Order], withdrawn: &[OrderId]) -> Vec<ProductId> {
        let before = self.baskets.item_weight.clone();
        let mut touched = BTreeSet::new();
        for order in withdrawn {
            touched.extend(self.baskets.withdraw(&self.catalog, order));
        }
        for order in upserts {
            touched.extend(self.baskets.upsert(&self.catalog, order));
        }
        let touched: Vec<Item> = touched.into_iter().collect();
        self.refresh(&touched, &before)
    }

    /// Re-ranks the anchors whose lists depend on the counts of `touched` items, whose
    /// sales were `before` until now.
    fn refresh(&mut self, touched: &[Item], before: &[u64]) -> Vec<ProductId> {
        if touched.is_empty() {
            return Vec::new();
        }
        let popular = self.best_sellers();
        let popular_changed = popular != self.popular;
        self.popular = popular;
        let affected = self.affected(touched, before, popular_changed);
        let fresh = self.compute(&affected);
        for (&item, (recs, partners)) in affected.iter().zip(fresh) {
            self.recs[item as usize] = recs;
            self.partners[item as usize] = partners;
        }
        self.refresh_lift();
        affected
            .iter()
            .map(|&item| self.catalog.id(item).clone())
            .collect()
    }

    /// Anchors whose lists read the counts of `touched`:
    /// - the touched items themselves (their co-purchase rows changed);
    /// - for an item that now sells less, everything bought with it: its score rises
    ///   in their rows, so it may enter their lists;
    /// - for an item that now sells more, only the anchors it is a partner of: its
    ///   score falls (the pair counts of an anchor not in the order stay the same), and
    ///   an item outside an anchor's partners that only falls cannot enter its lists;
    /// - the products of the same kind (upsells rank by sales);
    /// - cold-start anchors: all of them when the shop's best-sellers changed, else
    ///   those with a type (category statistics move with every order).
    fn affected(&self, touched: &[Item], before: &[u64], popular_changed: bool) -> Vec<Item> {
        let weight = &self.baskets.item_weight;
        let (rising, falling): (Vec<Item>, Vec<Item>) = touched
            .iter()
            .partition(|&&item| weight[item as usize] >= before[item as usize]);
        let mut affected: BTreeSet<Item> = touched.iter().copied().collect();
        affected.extend(self.baskets.neighbours(&falling));
        let mut is_rising = vec![false; self.catalog.len()];
        for &item in &rising {
            is_rising[item as usize] = true;
        }
        affected.extend((0..self.catalog.len() as Item).filter(|&a| {
            self.partners[a as usize]
                .iter()
                .any(|&p| is_rising[p as usize])
        }));
        for &item in touched {
            affected.extend(self.content.kind_dependents(&self.catalog, item));
        }
        let ctx = self.ctx();
        let typed = |a: Item| self.catalog.type_id[a as usize] != Catalog::UNTYPED;
        affected.extend(
            (0..self.catalog.len() as Item)
                .filter(|&a| ctx.is_cold(a) && (popular_changed || typed(a))),
        );
        affected.into_iter().collect()
    }

    /// Lift rests on the shop's total order count, which every order changes; it is
    /// display only, so it is brought up to date everywhere without re-ranking.
    fn refresh_lift(&mut self) {
        let total = self.baskets.total_weight;
        let item_weight = &self.baskets.item_weight;
        let catalog = &self.catalog;
        for recs in &mut self.recs {
            for kind in crate::model::ListKind::ALL {
                for link in recs.list_mut(kind) {
                    let item = catalog
                        .item(&link.product)
                        .expect("links point into the catalog");
                    link.why.lift = lift(link.why.confidence, total, item_weight[item as usize]);
                }
            }
        }
    }

    fn compute(&self, anchors: &[Item]) -> Vec<(ProductRecs, Vec<Item>)> {
        let ctx = self.ctx();
        let n = self.catalog.len();
        anchors
            .par_iter()
            .map_init(|| Row::new(n), |row, &a| anchor::compute(&ctx, a, row))
            .collect()
    }

    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            catalog: &self.catalog,
            content: &self.content,
            baskets: &self.baskets,
            params: &self.params,
            rules: &self.rules,
            popular: &self.popular,
        }
    }

    fn best_sellers(&self) -> Vec<Item> {
        let weight = &self.baskets.item_weight;
        let mut items: Vec<Item> = (0..self.catalog.len() as Item)
            .filter(|&i| self.catalog.is_eligible(i) && weight[i as usize] > 0)
            .collect();
        let by_sales =
            |a: &Item, b: &Item| weight[*b as usize].cmp(&weight[*a as usize]).then(a.cmp(b));
        if items.len() > POPULAR {
            items.select_nth_unstable_by(POPULAR, by_sales);
            items.truncate(POPULAR);
        }
        items.sort_unstable_by(by_sales);
        items
    }

    /// The lists of one product.
    #[must_use]
    pub fn recs(&self, product: &ProductId) -> Option<&ProductRecs> {
        self.catalog
            .item(product)
            .map(|item| &self.recs[item as usize])
    }

    /// Every product with its lists, in id order.
    pub fn iter(&self) -> impl Iterator<Item = (&ProductId, &ProductRecs)> {
        self.catalog.ids().iter().zip(&self.recs)
    }

    /// The products indexed.
    #[must_use]
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Orders counted.
    #[must_use]
    pub fn order_count(&self) -> usize {
        self.baskets.order_count()
    }

    /// The reference time orders are weighted against.
    #[must_use]
    pub fn as_of(&self) -> DateTime<Utc> {
        self.as_of
    }
}
