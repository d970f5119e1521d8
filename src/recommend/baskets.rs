//! Orders reduced to baskets of distinct catalog items, with recency weights, and the
//! counts every list rests on: how many (weighted) orders hold each item, each pair,
//! and in all.
//!
//! Weights are fixed-point integers ([`WEIGHT_ONE`] = one fresh, normal-sized order), so
//! every sum is exact and independent of the order baskets arrive in. That is what lets
//! an incremental update give exactly the lists a full recompute gives.

use rustc_hash::FxHashMap as HashMap;
use std::borrow::Borrow;

use chrono::{DateTime, Utc};

use crate::model::{Order, OrderId};

use super::catalog::{Catalog, Item};
use super::params::Params;

/// Fixed-point weight of one fresh order of normal size.
pub const WEIGHT_ONE: u64 = 1 << 16;

/// One counted order.
#[derive(Debug, Clone)]
pub(crate) struct Basket {
    /// Recency and size weight, in [`WEIGHT_ONE`] units.
    pub weight: u64,
    /// Distinct items, ascending.
    pub items: Vec<Item>,
    /// Units of each item, parallel to `items`.
    pub quantities: Vec<u32>,
    /// Dense customer index, when the order has a customer.
    pub customer: Option<u32>,
    /// When the order was placed, in Unix seconds.
    pub placed_at: i64,
}

/// All counted orders and their sums.
#[derive(Debug, Clone)]
#[allow(clippy::struct_field_names)] // `baskets`, `item_baskets`: the names say what they hold.
pub struct Baskets {
    as_of: i64,
    half_life_secs: f64,
    cap: usize,
    /// Slots may be `None` after an order was withdrawn.
    pub(crate) baskets: Vec<Option<Basket>>,
    /// The `None` slots, taken again before `baskets` grows: a daemon sees the same
    /// orders updated over and over (fulfilled, refunded, edited), and without reuse
    /// every update would leave an empty slot behind for good.
    free: Vec<u32>,
    by_order: HashMap<OrderId, u32>,
    customers: HashMap<crate::model::CustomerHash, u32>,
    /// For each item, the baskets holding it, ascending.
    pub(crate) item_baskets: Vec<Vec<u32>>,
    /// Weighted orders holding each item.
    pub(crate) item_weight: Vec<u64>,
    /// Weighted orders holding each type.
    pub(crate) type_weight: Vec<u64>,
    /// Weighted orders holding each pair of distinct types (smaller id first), from
    /// baskets spanning at most `cap` types.
    pub(crate) type_pairs: HashMap<(u32, u32), u64>,
    /// Weighted orders in all.
    pub(crate) total_weight: u64,
}

impl Baskets {
    /// Counts `orders` against `catalog`, weighting by age relative to `as_of`.
    /// Orders that are not sales, and lines of unknown products, are left out.
    pub fn new<O: Borrow<Order>>(
        catalog: &Catalog,
        orders: impl IntoIterator<Item = O>,
        params: &Params,
        as_of: DateTime<Utc>,
    ) -> Self {
        let mut baskets = Self {
            as_of: as_of.timestamp(),
            half_life_secs: params.half_life_days * 86_400.0,
            cap: params.basket_cap,
            baskets: Vec::new(),
            free: Vec::new(),
            by_order: HashMap::default(),
            customers: HashMap::default(),
            item_baskets: vec![Vec::new(); catalog.len()],
            item_weight: vec![0; catalog.len()],
            type_weight: vec![0; catalog.type_count()],
            type_pairs: HashMap::default(),
            total_weight: 0,
        };
        for order in orders {
            baskets.upsert(catalog, order.borrow());
        }
        baskets
    }

    /// Adds an order, or replaces the counted version of an order seen before (a
    /// cancelled or refunded order is withdrawn). Returns the items whose counts changed.
    pub fn upsert(&mut self, catalog: &Catalog, order: &Order) -> Vec<Item> {
        let mut touched = self.withdraw(catalog, &order.id);
        let Some(basket) = self.basket_of(catalog, order) else {
            return touched;
        };
        self.add_counts(catalog, &basket, 1);
        touched.extend_from_slice(&basket.items);
        touched.sort_unstable();
        touched.dedup();
        let slot = self.place(basket);
        self.by_order.insert(order.id.clone(), slot);
        touched
    }

    /// Puts a counted basket in a free slot, or a new one, and lists it under its items.
    fn place(&mut self, basket: Basket) -> u32 {
        let slot = self.free.pop().unwrap_or(self.baskets.len() as u32);
        for &item in &basket.items {
            let slots = &mut self.item_baskets[item as usize];
            let at = slots.partition_point(|&s| s < slot);
            slots.insert(at, slot);
        }
        match self.baskets.get_mut(slot as usize) {
            Some(empty) => *empty = Some(basket),
            None => self.baskets.push(Some(basket)),
        }
        slot
    }

    /// Removes an order's counts, if it was counted. Returns the items it held.
    pub fn withdraw(&mut self, catalog: &Catalog, order: &OrderId) -> Vec<Item> {
        let Some(slot) = self.by_order.remove(order) else {
            return Vec::new();
        };
        let Some(basket) = self.baskets[slot as usize].take() else {
            return Vec::new();
        };
        self.free.push(slot);
        self.add_counts(catalog, &basket, -1);
        for &item in &basket.items {
            let slots = &mut self.item_baskets[item as usize];
            if let Ok(at) = slots.binary_search(&slot) {
                slots.remove(at);
            }
        }
        basket.items
    }

    /// The weight an order placed at `placed_at` with `size` distinct items gets.
    fn weight(&self, placed_at: i64, size: usize) -> u64 {
        let age_in_half_lives = ((self.as_of - placed_at) as f64 / self.half_life_secs).max(-20.0);
        let size_factor = if size > self.cap {
            self.cap as f64 / size as f64
        } else {
            1.0
        };
        let weight = WEIGHT_ONE as f64 * (-age_in_half_lives).exp2() * size_factor;
        (weight.round() as u64).max(1)
    }

    fn basket_of(&mut self, catalog: &Catalog, order: &Order) -> Option<Basket> {
        if !order.counts_as_sale() {
            return None;
        }
        let mut lines: Vec<(Item, u32)> = order
            .lines
            .iter()
            .filter(|line| line.quantity > 0)
            .filter_map(|line| Some((catalog.item(&line.product)?, line.quantity)))
            .collect();
        if lines.is_empty() {
            return None;
        }
        lines.sort_unstable();
        let mut items: Vec<Item> = Vec::with_capacity(lines.len());
        let mut quantities: Vec<u32> = Vec::with_capacity(lines.len());
        for (item, quantity) in lines {
            if items.last() == Some(&item) {
                *quantities.last_mut().expect("parallel to items") += quantity;
            } else {
                items.push(item);
                quantities.push(quantity);
            }
        }
        let placed_at = order.created_at.timestamp();
        let next_customer = self.customers.len() as u32;
        let customer = order
            .customer
            .map(|c| *self.customers.entry(c).or_insert(next_customer));
        Some(Basket {
            weight: self.weight(placed_at, items.len()),
            items,
            quantities,
            customer,
            placed_at,
        })
    }

    /// Adds (`sign` = 1) or subtracts (`sign` = -1) a basket's contribution to the sums.
    fn add_counts(&mut self, catalog: &Catalog, basket: &Basket, sign: i8) {
        let apply = |total: &mut u64| {
            if sign > 0 {
                *total += basket.weight;
            } else {
                *total -= basket.weight;
            }
        };
        apply(&mut self.total_weight);
        for &item in &basket.items {
            apply(&mut self.item_weight[item as usize]);
        }
        let mut types: Vec<u32> = basket
            .items
            .iter()
            .map(|&i| catalog.type_id[i as usize])
            .collect();
        types.sort_unstable();
        types.dedup();
        // A stock-up spanning more categories than the basket cap says nothing about
        // which categories go together, and would cost its size squared.
        let pairs = types.len() <= self.cap;
        for (n, &a) in types.iter().enumerate() {
            apply(&mut self.type_weight[a as usize]);
            if pairs {
                for &b in &types[n + 1..] {
                    apply(self.type_pairs.entry((a, b)).or_insert(0));
                }
            }
        }
    }

    /// A counted basket.
    pub(crate) fn basket(&self, slot: u32) -> &Basket {
        self.baskets[slot as usize]
            .as_ref()
            .expect("item_baskets only lists live baskets")
    }

    /// Weighted orders holding both types.
    pub(crate) fn type_pair_weight(&self, a: u32, b: u32) -> u64 {
        let key = if a < b { (a, b) } else { (b, a) };
        self.type_pairs.get(&key).copied().unwrap_or(0)
    }

    /// Number of counted orders.
    #[must_use]
    pub fn order_count(&self) -> usize {
        self.by_order.len()
    }

    /// Adds the co-occurrence row of `anchor` into `row`: for every other item, the
    /// weighted orders holding both. `row` must be zeroed; touched items are listed in
    /// `touched` in first-seen order.
    pub(crate) fn accumulate_row(&self, anchor: Item, row: &mut [u64], touched: &mut Vec<Item>) {
        for &slot in &self.item_baskets[anchor as usize] {
            let basket = self.basket(slot);
            for &other in &basket.items {
                if other != anchor {
                    let cell = &mut row[other as usize];
                    if *cell == 0 {
                        touched.push(other);
                    }
                    *cell += basket.weight;
                }
            }
        }
    }

    /// Items that share at least one order with any of `items`, `items` included.
    pub(crate) fn neighbours(&self, items: &[Item]) -> Vec<Item> {
        let mut out: Vec<Item> = items.to_vec();
        for &item in items {
            for &slot in &self.item_baskets[item as usize] {
                out.extend_from_slice(&self.basket(slot).items);
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Converts a fixed-point weight to orders.
pub(crate) fn orders(weight: u64) -> f64 {
    weight as f64 / WEIGHT_ONE as f64
}

#[cfg(test)]
#[path = "baskets_tests.rs"]
mod tests;
