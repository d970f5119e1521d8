//! Compute: read one shop's products, orders and rules from the store, run the
//! recommender, and replace the shop's stored lists in one atomic batch.
//!
//! An entry the store cannot read is reported and skipped, never fatal: one damaged
//! order must not stop every product's lists from being refreshed.

use std::time::Instant;

use chrono::{DateTime, Utc};

use crate::model::Product;
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
    let rules = shop.rules()?;
    // Two passes over the orders instead of holding them all: the first finds the
    // newest (the weights' reference time), the second streams them into the counts.
    let mut orders = 0;
    let mut newest = None;
    for order in readable_iter(shop.orders(), &mut unreadable) {
        orders += 1;
        newest = newest.max(Some(order.created_at));
    }
    let as_of = newest.unwrap_or(now);

    let started = Instant::now();
    let recommender = Recommender::new(
        &products,
        shop.orders().filter_map(Result::ok),
        &rules,
        params,
        as_of,
    );
    let compute_seconds = started.elapsed().as_secs_f64();

    let with_lists = recommender.iter().filter(|(_, r)| r.has_lists()).count();
    let links = recommender.iter().map(|(_, r)| r.link_count()).sum();
    let dropped = shop.replace_all_recs(recommender.iter())?;
    shop.flush()?;
    let report = ComputeReport {
        products: products.len(),
        orders,
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
    readable_iter(entries, unreadable).collect()
}

/// [`readable`], lazily.
fn readable_iter<'a, T>(
    entries: impl Iterator<Item = Result<T, StoreError>> + 'a,
    unreadable: &'a mut Vec<String>,
) -> impl Iterator<Item = T> + 'a {
    entries.filter_map(|entry| {
        entry
            .map_err(|e| {
                tracing::error!(error = %e, "skipping an unreadable store entry");
                unreadable.push(e.to_string());
            })
            .ok()
    })
}
