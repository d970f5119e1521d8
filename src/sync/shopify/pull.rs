//! Pull: bring a Shopify store's products and orders into the store.
//!
//! - First syncs of large stores, and `sync --full`, use bulk queries (only their start
//!   and polls cost points), decided per kind: orders never synced are backfilled in
//!   bulk even when the products already were. A complete product backfill also tells which stored
//!   products are gone. A bulk run that ends with partial data (TIMEOUT,
//!   `INTERNAL_SERVER_ERROR`) still stores what it delivered but never moves the
//!   checkpoint, so the next sync backfills again.
//! - Otherwise pages of 10 products / 5 orders changed since the checkpoint minus the
//!   overlap window, sorted by `UPDATED_AT`; the checkpoint moves to the newest
//!   `updatedAt` of a page only once that page is flushed to disk.
//! - Without `read_all_orders` only the last 60 days of orders are visible: reported
//!   (log and report) and every order query and count is limited to that window.
//! - Every pull ends by reconciling counts with Shopify's own (`productsCount`,
//!   `ordersCount` with the same filter). Extra stored products are found with an id
//!   pass and removed; missing records are re-fetched; a mismatch left after that is
//!   reported, never hidden.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::backfill::{self, Ingested, Kind};
use crate::model::InstallSalt;
use crate::platform::retry::Sleeper;
use crate::platform::shopify::bulk;
use crate::platform::shopify::client::{ShopifyClient, ShopifyError};
use crate::platform::shopify::map::{self, Nodes};
use crate::platform::shopify::ops::{BULK_ORDERS_QUERY, BULK_PRODUCTS_QUERY};
use crate::platform::shopify::read::{
    self, all_of, created_since, updated_since, updated_until, DEFAULT_ORDER_DAYS,
};
use crate::store::{Checkpoint, ShopStore, StoreError};
pub use crate::sync::report::{CountCheck, PassReport, PullReport};
use crate::sync::stored::{remove_unseen_products, PassCheckpoint};

/// Checkpoint names in the store.
pub const PRODUCTS: &str = "shopify.products";
/// See [`PRODUCTS`].
pub const ORDERS: &str = "shopify.orders";

/// How to pull.
#[derive(Clone, Debug)]
pub struct PullOptions {
    /// Backfill everything with bulk queries, whatever the checkpoints say.
    pub full: bool,
    /// First syncs of stores with more products than this use bulk queries.
    pub bulk_threshold: u64,
    /// How far before the checkpoint incremental pulls start again.
    pub overlap: chrono::Duration,
    /// First pause between bulk polls.
    pub poll: Duration,
    /// The current time, for the 60-day order window.
    pub now: DateTime<Utc>,
}

/// Why a pull stopped.
#[derive(Debug, thiserror::Error)]
pub enum PullError {
    /// Shopify could not be read.
    #[error(transparent)]
    Shopify(#[from] ShopifyError),
    /// The store could not be written: nothing after it would be durable.
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

/// Pulls one shop. See the module doc for the strategy.
pub async fn pull<S: Sleeper + Clone + 'static>(
    client: &ShopifyClient<S>,
    shop: &ShopStore,
    salt: &InstallSalt,
    options: &PullOptions,
) -> Result<PullReport, PullError> {
    let mut report = PullReport::default();
    let scopes = read::access_scopes(client).await?;
    let order_floor = if scopes.iter().any(|s| s == "read_all_orders") {
        None
    } else {
        let since = options.now - chrono::Duration::days(DEFAULT_ORDER_DAYS);
        tracing::warn!(
            %since,
            "the access token lacks the read_all_orders scope: only orders of the last \
             {DEFAULT_ORDER_DAYS} days are visible; grant read_all_orders for the full history"
        );
        report.orders_visible_since = Some(since);
        Some(since)
    };
    let product_total = read::products_count(client, None).await?;
    // Decided per kind: a backfill interrupted after the products (a crash, a
    // restart) backfills the orders in bulk too, rather than paging through them all.
    let large = product_total > options.bulk_threshold;
    let bulk = |checkpoint: &str| -> Result<bool, StoreError> {
        Ok(options.full || (large && shop.checkpoint(checkpoint)?.is_none()))
    };
    report.products = if bulk(PRODUCTS)? {
        bulk_pass(client, shop, salt, Kind::Products, options, &mut report).await?
    } else {
        products_pass(client, shop, options, &mut report).await?
    };
    report.orders = if bulk(ORDERS)? {
        bulk_pass(client, shop, salt, Kind::Orders, options, &mut report).await?
    } else {
        orders_pass(client, shop, salt, options, order_floor, &mut report).await?
    };
    reconcile(client, shop, salt, options, order_floor, &mut report).await?;
    Ok(report)
}

/// One bulk backfill of `kind`, read with retries of the download.
async fn bulk_pass<S: Sleeper + Clone + 'static>(
    client: &ShopifyClient<S>,
    shop: &ShopStore,
    salt: &InstallSalt,
    kind: Kind,
    options: &PullOptions,
    report: &mut PullReport,
) -> Result<PassReport, PullError> {
    let (query, checkpoint) = match kind {
        Kind::Products => (BULK_PRODUCTS_QUERY, PRODUCTS),
        Kind::Orders => (BULK_ORDERS_QUERY, ORDERS),
    };
    tracing::info!(kind = kind_name(kind), "bulk backfill started");
    let outcome = bulk::run_query(client, query, options.poll).await?;
    tracing::info!(kind = kind_name(kind), id = %outcome.id, status = %outcome.status, "bulk backfill finished");
    // Shopify's clock, not ours: a skewed local clock must not skip changes.
    let started_at = outcome.created_at.unwrap_or(options.now);
    let mut pass = PassReport {
        mode: "bulk",
        partial: !outcome.is_complete(),
        ..PassReport::default()
    };
    if pass.partial {
        tracing::warn!(id = %outcome.id, status = %outcome.status, error = ?outcome.error_code,
            "bulk operation ended without complete data; storing what it delivered, checkpoint unchanged");
        report.problem(format!(
            "bulk {} backfill {} ended {}{}: partial data stored, will backfill again",
            kind_name(kind),
            outcome.id,
            outcome.status,
            outcome
                .error_code
                .as_ref()
                .map(|c| format!(" ({c})"))
                .unwrap_or_default()
        ));
    }
    // No file: nothing matched (an empty shop), or a failed run delivered nothing.
    let ingested = match outcome.data_url() {
        Some(url) => download_into_store(client, url, kind, shop, salt).await?,
        None => Ingested::default(),
    };
    report.absorb(&ingested.problems, ingested.problem_count);
    pass.stored = ingested.stored;
    if !pass.partial {
        if kind == Kind::Products {
            report.deleted_products += remove_unseen_products(shop, &ingested.seen)?;
        }
        // The bulk query saw every change up to its start.
        let done = Checkpoint {
            updated_at: started_at,
            cursor: None,
        };
        shop.set_checkpoint(checkpoint, &done)?;
    }
    Ok(pass)
}

/// Reads a bulk file into the store, reading it again from the start when the stream
/// breaks (writes are upserts, so a repeat is harmless).
async fn download_into_store<S: Sleeper + Clone + 'static>(
    client: &ShopifyClient<S>,
    url: &str,
    kind: Kind,
    shop: &ShopStore,
    salt: &InstallSalt,
) -> Result<Ingested, PullError> {
    let (shop, salt) = (shop.clone(), salt.clone());
    let ingested = bulk::download(client, url, move |input| {
        match backfill::ingest(input, kind, &shop, &salt) {
            Ok(Ingested {
                interrupted: Some(reason),
                ..
            }) => Err(bulk::Interrupted(reason)),
            other => Ok(other),
        }
    })
    .await?;
    Ok(ingested?)
}

/// Products changed since the checkpoint (all of them on a first sync), page by page.
async fn products_pass<S: Sleeper>(
    client: &ShopifyClient<S>,
    shop: &ShopStore,
    options: &PullOptions,
    report: &mut PullReport,
) -> Result<PassReport, PullError> {
    let since = shop
        .checkpoint(PRODUCTS)?
        .map(|c| c.updated_at - options.overlap);
    tracing::info!(?since, "paged products pass started");
    let (mut pass, seen, whole) = fetch_products(
        client,
        shop,
        since.map(updated_since),
        Some(PRODUCTS),
        report,
    )
    .await?;
    pass.mode = if since.is_some() {
        "incremental"
    } else {
        "paged"
    };
    if since.is_none() && whole {
        // A pass over every product also tells which stored ones are gone (unless a
        // page came back empty: then some were not seen).
        report.deleted_products += remove_unseen_products(shop, &seen)?;
    }
    Ok(pass)
}

/// Reads every product matching `query` into the store; moves `checkpoint` (if any) page
/// by page (the pass is ordered by `UPDATED_AT`), holding it after a page not read whole.
/// Returns the ids seen, unreadable ones included (a product we cannot read is not a
/// deleted one), and whether every page was whole.
async fn fetch_products<S: Sleeper>(
    client: &ShopifyClient<S>,
    shop: &ShopStore,
    query: Option<String>,
    checkpoint: Option<&str>,
    report: &mut PullReport,
) -> Result<(PassReport, HashSet<String>, bool), PullError> {
    let mut pass = PassReport::default();
    let mut seen = HashSet::new();
    let mut after = None;
    let mut progress = PassCheckpoint::new(shop, checkpoint);
    loop {
        let (nodes, info) = read::products_page(client, query.clone(), after.take()).await?;
        pass.pages += 1;
        let mut newest = None;
        let mut whole = whole_page(nodes.len(), &info, report);
        for node in nodes {
            let mapped = node
                .map_err(|e| (e.id.clone(), format!("product {e}")))
                .and_then(|wire| {
                    let id = wire.id.clone();
                    if wire.variants.as_ref().is_some_and(Nodes::truncated) {
                        tracing::warn!(product = %id, "more variants than one page holds; the first ones are stored");
                    }
                    map::product(wire, Vec::new()).map_err(|e| (Some(id), e.to_string()))
                });
            match mapped {
                Ok(product) => {
                    newest = newest.max(Some(product.updated_at));
                    shop.put_product(&product)?;
                    seen.insert(product.id.0);
                    pass.stored += 1;
                }
                Err((id, problem)) => {
                    seen.extend(id);
                    report.problem(problem);
                    whole = false;
                }
            }
        }
        progress.page(newest, whole)?;
        match info.next_after() {
            Some(cursor) => after = Some(cursor.to_owned()),
            None => break,
        }
    }
    Ok((pass, seen, !progress.held()))
}

/// Orders changed since the checkpoint (all visible ones on a first sync), page by page.
async fn orders_pass<S: Sleeper>(
    client: &ShopifyClient<S>,
    shop: &ShopStore,
    salt: &InstallSalt,
    options: &PullOptions,
    order_floor: Option<DateTime<Utc>>,
    report: &mut PullReport,
) -> Result<PassReport, PullError> {
    let since = shop
        .checkpoint(ORDERS)?
        .map(|c| c.updated_at - options.overlap);
    let mode = if since.is_some() {
        "incremental"
    } else {
        "paged"
    };
    tracing::info!(?since, mode, "paged orders pass started");
    let query = all_of(&[
        since.map(updated_since),
        Some(updated_until(options.now)),
        order_floor.map(created_since),
    ]);
    let mut pass = fetch_orders(client, shop, salt, query, Some(ORDERS), report).await?;
    pass.mode = mode;
    Ok(pass)
}

/// Reads every order matching `query` into the store; moves `checkpoint` (if any) page by
/// page (the pass is ordered by `UPDATED_AT`), holding it after a page not read whole.
async fn fetch_orders<S: Sleeper>(
    client: &ShopifyClient<S>,
    shop: &ShopStore,
    salt: &InstallSalt,
    query: Option<String>,
    checkpoint: Option<&str>,
    report: &mut PullReport,
) -> Result<PassReport, PullError> {
    let mut pass = PassReport::default();
    let mut after = None;
    let mut progress = PassCheckpoint::new(shop, checkpoint);
    loop {
        let (nodes, info) = read::orders_page(client, query.clone(), after.take()).await?;
        pass.pages += 1;
        let mut newest = None;
        let mut whole = whole_page(nodes.len(), &info, report);
        for node in nodes {
            let rest = match &node {
                Ok(wire) => rest_of_lines(client, wire).await?,
                Err(_) => Vec::new(),
            };
            let mapped = node.map_err(|e| format!("order {e}")).and_then(|wire| {
                let updated = wire.updated_at;
                map::order(wire, rest, salt)
                    .map(|o| (o, updated))
                    .map_err(|e| e.to_string())
            });
            match mapped {
                Ok((order, updated)) => {
                    newest = newest.max(updated);
                    shop.put_order(&order)?;
                    pass.stored += 1;
                }
                Err(problem) => {
                    report.problem(problem);
                    whole = false;
                }
            }
        }
        progress.page(newest, whole)?;
        match info.next_after() {
            Some(cursor) => after = Some(cursor.to_owned()),
            None => break,
        }
    }
    Ok(pass)
}

/// Whether a page of `nodes` records can be whole: an empty page that says more follow
/// is not (Shopify lost its records for a moment), and is reported.
fn whole_page(nodes: usize, info: &read::PageInfo, report: &mut PullReport) -> bool {
    if nodes == 0 && info.has_next_page {
        report.problem(
            "Shopify answered an empty page that says more follow; the checkpoint stays, \
             so the next pull reads these changes again"
                .to_owned(),
        );
        return false;
    }
    true
}

/// The line items an Orders page left out of `wire` (orders with many lines).
async fn rest_of_lines<S: Sleeper>(
    client: &ShopifyClient<S>,
    wire: &map::WireOrder,
) -> Result<Vec<map::WireLineItem>, ShopifyError> {
    let Some(after) = wire.line_items.as_ref().and_then(|l| l.rest_after()) else {
        return Ok(Vec::new());
    };
    Ok(
        read::remaining_line_items(client, &wire.id, after.to_owned())
            .await?
            .unwrap_or_default(),
    )
}

/// Compares the store with Shopify's counts and repairs what it can (module doc).
async fn reconcile<S: Sleeper>(
    client: &ShopifyClient<S>,
    shop: &ShopStore,
    salt: &InstallSalt,
    options: &PullOptions,
    order_floor: Option<DateTime<Utc>>,
    report: &mut PullReport,
) -> Result<(), PullError> {
    let platform = read::products_count(client, None).await?;
    // Counting a sled tree walks it: count once before and once after any repair.
    let stored = shop.product_count() as u64;
    let mut repair = None;
    if stored > platform {
        let mut seen = HashSet::new();
        let mut after = None;
        loop {
            let (ids, info) = read::product_ids_page(client, after.take()).await?;
            seen.extend(ids);
            match info.next_after() {
                Some(cursor) => after = Some(cursor.to_owned()),
                None => break,
            }
        }
        let removed = remove_unseen_products(shop, &seen)?;
        report.deleted_products += removed;
        repair = Some(format!("removed {removed} products deleted on Shopify"));
    } else if stored < platform {
        let (pass, _, _) = fetch_products(client, shop, None, None, report).await?;
        repair = Some(format!("re-fetched all products ({} stored)", pass.stored));
    }
    let store = if repair.is_some() {
        shop.product_count() as u64
    } else {
        stored
    };
    report.counts.push(CountCheck {
        what: "products",
        platform,
        store,
        forgotten: 0,
        repair,
    });

    let filter = order_floor.map(created_since);
    let platform = read::orders_count(client, filter.clone()).await?;
    let forgotten = shop.forgotten_order_count(order_floor);
    let mut store = count_orders(shop, order_floor);
    let mut repair = None;
    if store + forgotten < platform && shop.checkpoint(ORDERS)?.is_some() {
        // Orders placed while a bulk backfill ran come after its snapshot: a pass over
        // what changed since its checkpoint finds them without paging through all.
        let pass = orders_pass(client, shop, salt, options, order_floor, report).await?;
        store = count_orders(shop, order_floor);
        repair = Some(format!(
            "read the orders changed since the checkpoint ({} stored)",
            pass.stored
        ));
    }
    if store + forgotten < platform {
        let pass = fetch_orders(client, shop, salt, filter, None, report).await?;
        store = count_orders(shop, order_floor);
        repair = Some(format!(
            "re-fetched the order window ({} stored)",
            pass.stored
        ));
    }
    if store + forgotten != platform {
        tracing::warn!(
            platform,
            store,
            "order count differs from Shopify's after the pull"
        );
    }
    report.counts.push(CountCheck {
        what: "orders",
        platform,
        store,
        forgotten,
        repair,
    });
    Ok(())
}

/// Stored orders Shopify would count under the same filter. The order's placed date
/// stands in for `created_at` (they differ only for imported orders).
fn count_orders(shop: &ShopStore, floor: Option<DateTime<Utc>>) -> u64 {
    match floor {
        None => shop.order_count() as u64,
        Some(floor) => shop
            .orders()
            .filter_map(Result::ok)
            .filter(|o| o.created_at >= floor)
            .count() as u64,
    }
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Products => "product",
        Kind::Orders => "order",
    }
}
