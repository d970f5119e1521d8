//! Pull: bring a WooCommerce store's products and orders into the store.
//!
//! - Pages of 100, numbered: the first page tells `X-WP-TotalPages`, the rest are
//!   fetched concurrently within the client's quota and processed in page order. `Link`
//!   headers are never followed (they echo the previous request's OAuth parameters).
//! - A first sync (or `--full`) walks everything by id. Later syncs ask for what changed
//!   since the checkpoint minus the overlap window: `modified_after` as bare UTC with
//!   `dates_are_gmt=true` (a `Z` would be shifted by the site's timezone on real stores),
//!   ordered by modification time, and the checkpoint moves to a page's newest change
//!   only once that page is flushed to disk. A full walk moves it once, at its end.
//! - Variable products get their variations from `/products/{id}/variations`; order
//!   lines already name the parent product.
//! - Every pull ends by reconciling counts with `X-WP-Total`: products or orders the
//!   store has beyond WooCommerce's are found with an id walk and removed (deleted or
//!   trashed — trash is not in WooCommerce's default listing); missing ones are fetched
//!   again. Incremental syncs also ask for products trashed since the checkpoint.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::paging;
use crate::model::{InstallSalt, OrderId, Product};
use crate::platform::retry::Sleeper;
use crate::platform::woocommerce::client::{WooClient, WooError};
use crate::platform::woocommerce::map;
use crate::platform::woocommerce::wire::{WireOrder, WireProduct, WireVariation};
use crate::store::{ShopStore, StoreError};
use crate::sync::stored::{advance, remove_unseen_products, PassCheckpoint};

pub use crate::sync::report::{CountCheck, PassReport, PullReport};

/// Checkpoint names in the store.
pub const PRODUCTS: &str = "woocommerce.products";
/// See [`PRODUCTS`].
pub const ORDERS: &str = "woocommerce.orders";

/// How to pull.
#[derive(Clone, Debug)]
pub struct PullOptions {
    /// Walk everything, whatever the checkpoints say.
    pub full: bool,
    /// How far before the checkpoint incremental pulls start again.
    pub overlap: chrono::Duration,
    /// Order statuses counted as sales.
    pub sale_statuses: Vec<String>,
    /// Pages fetched at once (the client's own cap still applies).
    pub concurrency: usize,
}

/// Why a pull stopped.
#[derive(Debug, thiserror::Error)]
pub enum PullError {
    /// WooCommerce could not be read.
    #[error(transparent)]
    WooCommerce(#[from] WooError),
    /// The store could not be written: nothing after it would be durable.
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

/// Pulls one shop. See the module doc for the strategy.
pub async fn pull<S: Sleeper + Clone + 'static>(
    client: &WooClient<S>,
    shop: &ShopStore,
    salt: &InstallSalt,
    options: &PullOptions,
) -> Result<PullReport, PullError> {
    let mut report = PullReport::default();
    let product_since = since(shop, PRODUCTS, options)?;
    report.products = products_pass(client, shop, product_since, options, &mut report).await?;
    if let Some(since) = product_since {
        report.deleted_products += remove_trashed(client, shop, since, options).await?;
    }
    let order_since = since(shop, ORDERS, options)?;
    report.orders = orders_pass(client, shop, salt, order_since, options, &mut report).await?;
    let walked_all = (product_since.is_none(), order_since.is_none());
    reconcile_products(client, shop, options, walked_all.0, &mut report).await?;
    reconcile_orders(client, shop, salt, options, walked_all.1, &mut report).await?;
    Ok(report)
}

/// Where an incremental pass starts, or `None` for a full walk.
fn since(
    shop: &ShopStore,
    checkpoint: &str,
    options: &PullOptions,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    if options.full {
        return Ok(None);
    }
    Ok(shop
        .checkpoint(checkpoint)?
        .map(|c| c.updated_at - options.overlap))
}

/// The query of a pass: changes since `since` by modification time, or everything by id.
fn pass_query(since: Option<DateTime<Utc>>) -> Vec<(&'static str, String)> {
    match since {
        Some(since) => vec![
            ("modified_after", paging::bare_utc(since)),
            ("dates_are_gmt", "true".to_owned()),
            ("orderby", "modified".to_owned()),
            ("order", "asc".to_owned()),
        ],
        None => vec![("orderby", "id".to_owned()), ("order", "asc".to_owned())],
    }
}

/// Products changed since `since` (all of them without), page by page.
async fn products_pass<S: Sleeper + Clone + 'static>(
    client: &WooClient<S>,
    shop: &ShopStore,
    since: Option<DateTime<Utc>>,
    options: &PullOptions,
    report: &mut PullReport,
) -> Result<PassReport, PullError> {
    let query = pass_query(since);
    let (mut pass, seen, newest, whole) = fetch_products(
        client,
        shop,
        query,
        since.is_some().then_some(PRODUCTS),
        options,
        report,
    )
    .await?;
    pass.mode = if since.is_some() {
        "incremental"
    } else {
        "paged"
    };
    if since.is_none() && whole {
        // A walk over every product also tells which stored ones are gone, unless it
        // was not whole: then the next pass walks again.
        report.deleted_products += remove_unseen_products(shop, &seen)?;
        advance(shop, Some(PRODUCTS), newest)?;
    }
    Ok(pass)
}

/// Reads every product matching `query` into the store, variations included. Moves
/// `checkpoint` (if any) page by page, which is only right for a query ordered by
/// modification time, and holds it after a page not read whole. Returns the pass, the
/// ids seen (unreadable ones included: a product we cannot read is not a deleted one),
/// the newest change seen and whether every page was read whole.
async fn fetch_products<S: Sleeper + Clone + 'static>(
    client: &WooClient<S>,
    shop: &ShopStore,
    query: Vec<(&'static str, String)>,
    checkpoint: Option<&str>,
    options: &PullOptions,
    report: &mut PullReport,
) -> Result<(PassReport, HashSet<String>, Option<DateTime<Utc>>, bool), PullError> {
    let mut pass = PassReport::default();
    let mut seen = HashSet::new();
    let mut newest_overall = None;
    let mut walk = paging::Walk::default();
    let mut progress = PassCheckpoint::new(shop, checkpoint);
    let pages = paging::pages(
        client,
        "products page",
        "/products",
        query,
        options.concurrency,
    );
    futures::pin_mut!(pages);
    while let Some(page) = pages.next().await {
        let page = page?;
        pass.pages += 1;
        let whole = walk.page(&page) || skipped_records(report, "products");
        let problems = report.problem_count;
        let mut newest = None;
        let mut products = Vec::new();
        for item in page.items {
            match read_record::<WireProduct>(&item, "product") {
                Ok(wire) => products.push(wire),
                Err((id, problem)) => {
                    seen.extend(id);
                    report.problem(problem);
                }
            }
        }
        let products = with_variations(client, products, options, report).await?;
        for (id, mapped) in products {
            seen.insert(id);
            match mapped {
                Ok(product) => {
                    newest = newest.max(Some(product.updated_at));
                    shop.put_product(&product)?;
                    pass.stored += 1;
                }
                Err(problem) => report.problem(problem),
            }
        }
        newest_overall = newest_overall.max(newest);
        progress.page(newest, whole && report.problem_count == problems)?;
    }
    shop.flush()?;
    Ok((pass, seen, newest_overall, !progress.held()))
}

/// Reports that a walk's pages shifted or came back short, so records may have been
/// skipped; always `false` (the page is not whole), to read as `whole || skipped(…)`.
fn skipped_records(report: &mut PullReport, what: &str) -> bool {
    report.problem(format!(
        "the {what} listing changed or came back short during the walk, so some {what} \
         may have been skipped; the checkpoint stays and the next pull reads them again"
    ));
    false
}

/// Maps a page's products, fetching the variations of variable ones concurrently.
async fn with_variations<S: Sleeper + Clone + 'static>(
    client: &WooClient<S>,
    products: Vec<WireProduct>,
    options: &PullOptions,
    report: &mut PullReport,
) -> Result<Vec<(String, Result<Product, String>)>, PullError> {
    let fetched: Vec<_> = futures::stream::iter(products)
        .map(|wire| async move {
            let variations = if wire.variations.is_empty() {
                Ok(Vec::new())
            } else {
                variations_of(client, wire.id, options.concurrency).await
            };
            (wire, variations)
        })
        .buffered(options.concurrency.max(1))
        .collect()
        .await;
    let mut out = Vec::with_capacity(fetched.len());
    for (wire, variations) in fetched {
        let id = wire.id.to_string();
        let mut mapped = map::product(wire).map_err(|e| e.to_string());
        if let Ok(product) = &mut mapped {
            for item in variations? {
                match read_record::<WireVariation>(&item, "variation")
                    .map_err(|(_, p)| p)
                    .and_then(|v| map::variation(v).map_err(|e| e.to_string()))
                {
                    Ok(variant) => product.variants.push(variant),
                    Err(problem) => report.problem(format!("product {id}: {problem}")),
                }
            }
        }
        out.push((id, mapped));
    }
    Ok(out)
}

/// Every variation of product `id`, as JSON records.
async fn variations_of<S: Sleeper + Clone + 'static>(
    client: &WooClient<S>,
    id: u64,
    concurrency: usize,
) -> Result<Vec<Value>, WooError> {
    let path = format!("/products/{id}/variations");
    let query = vec![("orderby", "id".to_owned()), ("order", "asc".to_owned())];
    let pages = paging::pages(client, "variations page", &path, query, concurrency);
    futures::pin_mut!(pages);
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        out.extend(page?.items);
    }
    Ok(out)
}

/// Removes products trashed since `since` (trash is not in the default listing, so the
/// incremental pass never sees them).
async fn remove_trashed<S: Sleeper + Clone + 'static>(
    client: &WooClient<S>,
    shop: &ShopStore,
    since: DateTime<Utc>,
    options: &PullOptions,
) -> Result<u64, PullError> {
    let mut query = pass_query(Some(since));
    query.push(("status", "trash".to_owned()));
    query.push(("_fields", "id".to_owned()));
    let ids = collect_ids(client, "trashed products page", "/products", query, options).await?;
    let mut removed = 0;
    for id in ids {
        let id = crate::model::ProductId::new(id);
        if shop.remove_product(&id)? {
            shop.remove_recs(&id)?;
            shop.clear_written(&id)?;
            removed += 1;
            tracing::info!(product = %id.as_str(), "product trashed on WooCommerce; removed from the store");
        }
    }
    shop.flush()?;
    Ok(removed)
}

/// Orders changed since `since` (all of them without), page by page.
async fn orders_pass<S: Sleeper + Clone + 'static>(
    client: &WooClient<S>,
    shop: &ShopStore,
    salt: &InstallSalt,
    since: Option<DateTime<Utc>>,
    options: &PullOptions,
    report: &mut PullReport,
) -> Result<PassReport, PullError> {
    let checkpoint = since.is_some().then_some(ORDERS);
    let (mut pass, newest, whole) = fetch_orders(
        client,
        shop,
        salt,
        pass_query(since),
        checkpoint,
        options,
        report,
    )
    .await?;
    pass.mode = if since.is_some() {
        "incremental"
    } else {
        if whole {
            advance(shop, Some(ORDERS), newest)?;
        }
        "paged"
    };
    Ok(pass)
}

/// Reads every order matching `query` into the store; moves `checkpoint` (if any) page
/// by page, holding it after a page not read whole. Returns the pass, the newest change
/// seen and whether every page was read whole.
async fn fetch_orders<S: Sleeper + Clone + 'static>(
    client: &WooClient<S>,
    shop: &ShopStore,
    salt: &InstallSalt,
    query: Vec<(&'static str, String)>,
    checkpoint: Option<&str>,
    options: &PullOptions,
    report: &mut PullReport,
) -> Result<(PassReport, Option<DateTime<Utc>>, bool), PullError> {
    let mut pass = PassReport::default();
    let mut newest_overall = None;
    let mut walk = paging::Walk::default();
    let mut progress = PassCheckpoint::new(shop, checkpoint);
    let pages = paging::pages(client, "orders page", "/orders", query, options.concurrency);
    futures::pin_mut!(pages);
    while let Some(page) = pages.next().await {
        let page = page?;
        pass.pages += 1;
        let whole = walk.page(&page) || skipped_records(report, "orders");
        let problems = report.problem_count;
        let mut newest = None;
        for item in page.items {
            let mapped = read_record::<WireOrder>(&item, "order")
                .map_err(|(_, p)| p)
                .and_then(|wire| {
                    let updated = wire.date_modified_gmt;
                    map::order(wire, salt, &options.sale_statuses)
                        .map(|o| (o, updated))
                        .map_err(|e| e.to_string())
                });
            match mapped {
                Ok((order, updated)) => {
                    newest = newest.max(updated);
                    shop.put_order(&order)?;
                    pass.stored += 1;
                }
                Err(problem) => report.problem(problem),
            }
        }
        newest_overall = newest_overall.max(newest);
        progress.page(newest, whole && report.problem_count == problems)?;
    }
    shop.flush()?;
    Ok((pass, newest_overall, !progress.held()))
}

/// Compares the stored products with `X-WP-Total` and repairs a difference. Missing
/// products are fetched again only after an incremental pass: after a walk over all of
/// them, the missing ones are those that could not be read (each already reported).
async fn reconcile_products<S: Sleeper + Clone + 'static>(
    client: &WooClient<S>,
    shop: &ShopStore,
    options: &PullOptions,
    walked_all: bool,
    report: &mut PullReport,
) -> Result<(), PullError> {
    let platform = paging::total(client, "products count", "/products").await?;
    let stored = shop.product_count() as u64;
    let mut repair = None;
    if stored > platform {
        let query = vec![("orderby", "id".to_owned()), ("_fields", "id".to_owned())];
        let seen = collect_ids(client, "product ids page", "/products", query, options).await?;
        let removed = remove_unseen_products(shop, &seen.into_iter().collect::<HashSet<String>>())?;
        report.deleted_products += removed;
        repair = Some(format!(
            "removed {removed} products deleted or trashed on WooCommerce"
        ));
    } else if stored < platform && !walked_all {
        let query = pass_query(None);
        let (pass, ..) = fetch_products(client, shop, query, None, options, report).await?;
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
    Ok(())
}

/// Compares the stored orders with `X-WP-Total` and repairs a difference, as
/// [`reconcile_products`] does.
async fn reconcile_orders<S: Sleeper + Clone + 'static>(
    client: &WooClient<S>,
    shop: &ShopStore,
    salt: &InstallSalt,
    options: &PullOptions,
    walked_all: bool,
    report: &mut PullReport,
) -> Result<(), PullError> {
    let platform = paging::total(client, "orders count", "/orders").await?;
    let stored = shop.order_count() as u64;
    let forgotten = shop.forgotten_order_count(None);
    let mut repair = None;
    if stored > platform {
        let query = vec![("orderby", "id".to_owned()), ("_fields", "id".to_owned())];
        let seen: HashSet<String> =
            collect_ids(client, "order ids page", "/orders", query, options)
                .await?
                .into_iter()
                .collect();
        let gone: Vec<OrderId> = shop
            .order_ids()
            .filter_map(Result::ok)
            .filter(|id| !seen.contains(id.as_str()))
            .collect();
        for id in &gone {
            shop.remove_order(id)?;
        }
        shop.flush()?;
        report.deleted_orders += gone.len() as u64;
        repair = Some(format!(
            "removed {} orders deleted on WooCommerce",
            gone.len()
        ));
    } else if stored + forgotten < platform && !walked_all {
        let (pass, ..) =
            fetch_orders(client, shop, salt, pass_query(None), None, options, report).await?;
        repair = Some(format!("re-fetched all orders ({} stored)", pass.stored));
    }
    if repair.is_some() && shop.order_count() as u64 + forgotten != platform {
        tracing::warn!(
            platform,
            "order count differs from WooCommerce's after the pull"
        );
    }
    report.counts.push(CountCheck {
        what: "orders",
        platform,
        store: shop.order_count() as u64,
        forgotten,
        repair,
    });
    Ok(())
}

/// The ids of every record a paged `_fields=id` query lists.
async fn collect_ids<S: Sleeper + Clone + 'static>(
    client: &WooClient<S>,
    operation: &'static str,
    path: &str,
    query: Vec<(&'static str, String)>,
    options: &PullOptions,
) -> Result<Vec<String>, WooError> {
    let pages = paging::pages(client, operation, path, query, options.concurrency);
    futures::pin_mut!(pages);
    let mut ids = Vec::new();
    while let Some(page) = pages.next().await {
        ids.extend(
            page?
                .items
                .iter()
                .filter_map(|item| item.get("id").and_then(Value::as_u64))
                .map(|id| id.to_string()),
        );
    }
    Ok(ids)
}

/// Reads one record of a page on its own, so a bad one is reported (naming its id and
/// the field) while the rest of the page is stored. The id, when readable, comes back
/// with the problem. Public for the hostile-input tests and fuzz targets.
pub fn read_record<T: DeserializeOwned>(
    item: &Value,
    what: &str,
) -> Result<T, (Option<String>, String)> {
    serde_path_to_error::deserialize(item).map_err(|e| {
        let id = item
            .get("id")
            .and_then(Value::as_u64)
            .map(|n| n.to_string());
        let problem = format!(
            "{what} {}: field {}: {}",
            id.as_deref().unwrap_or("(no id)"),
            e.path(),
            e.inner()
        );
        (id, problem)
    })
}
