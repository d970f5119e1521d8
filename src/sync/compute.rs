//! Compute: read one shop's products, orders and rules from the store, run the
//! recommender, and replace the shop's stored lists in one atomic batch.
//!
//! An entry the store cannot read is reported and skipped, never fatal: one damaged
//! order must not stop every product's lists from being refreshed.

use std::time::Instant;

use chrono::{DateTime, Utc};

use crate::model::{Order, Product};
use crate::recommend::{Params, Recommender};
use crate::store::{ShopStore, StoreError};

/// What a compute run did, for the CLI, logs and the admin UI.
#[derive(Clone, Debug, PartialEq)]
pub struct ComputeReport {
    /// Products read.
    pub products: usize,
    /// Orders read.
    pub orders: usize,
    /// Entries that could not be read, with the reason (tree and key included).
    pub unreadable: Vec<String>,
    /// Products that got at least one list.
    pub with_lists: usize,
    /// Links written, over every list kind.
    pub links: usize,
    /// Lists from an earlier run dropped because their product is gone.
    pub dropped: usize,
    /// The time orders were weighted against: the newest order's.
    pub as_of: DateTime<Utc>,
    /// Seconds spent in the recommender.
    pub compute_seconds: f64,
}

/// Computes every product's lists of `shop` and stores them, replacing the old set.
/// Orders are weighted by age relative to the newest order, so the same store always
/// gives the same lists; `now` is used only when there are no orders.
pub fn compute_shop(
    shop: &ShopStore,
    params: &Params,
    now: DateTime<Utc>,
) -> Result<(Recommender, ComputeReport), StoreError> {
    let mut unreadable = Vec::new();
    let products: Vec<Product> = readable(shop.products(), &mut unreadable);
    let orders: Vec<Order> = readable(shop.orders(), &mut unreadable);
    let rules = shop.rules()?;
    let as_of = orders.iter().map(|o| o.created_at).max().unwrap_or(now);

    let started = Instant::now();
    let recommender = Recommender::new(&products, &orders, &rules, params, as_of);
    let compute_seconds = started.elapsed().as_secs_f64();

    let lists: Vec<_> = recommender
        .iter()
        .map(|(id, recs)| (id.clone(), recs.clone()))
        .collect();
    let with_lists = lists.iter().filter(|(_, r)| r.has_lists()).count();
    let links = lists.iter().map(|(_, r)| r.link_count()).sum();
    let dropped = shop.replace_all_recs(lists)?;
    shop.flush()?;
    let report = ComputeReport {
        products: products.len(),
        orders: orders.len(),
        unreadable,
        with_lists,
        links,
        dropped,
        as_of,
        compute_seconds,
    };
    Ok((recommender, report))
}

/// The entries that decode; the others are logged and listed in `unreadable`.
fn readable<T>(
    entries: impl Iterator<Item = Result<T, StoreError>>,
    unreadable: &mut Vec<String>,
) -> Vec<T> {
    entries
        .filter_map(|entry| {
            entry
                .map_err(|e| {
                    tracing::error!(error = %e, "skipping an unreadable store entry");
                    unreadable.push(e.to_string());
                })
                .ok()
        })
        .collect()
}
