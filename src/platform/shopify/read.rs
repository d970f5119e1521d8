//! Paged reads of the Admin API: products and orders changed since a time, product ids,
//! counts and granted scopes. Each function is one call; the loops, checkpoints and the
//! store live in `sync`.
//!
//! Products and orders are read into the wire types of `map` (shared with bulk output)
//! rather than the generated ones, so one mapping serves both paths.

use chrono::{DateTime, DurationRound, SecondsFormat, Utc};
use serde::Deserialize;

use super::bucket::SINGLE_QUERY_MAX;
use super::client::{ShopifyClient, ShopifyError};
use super::map::{Nodes, WireLineItem, WireOrder, WireProduct};
use super::ops::{
    app_scopes, order_line_items, orders, orders_count, product_ids, products, products_count,
};
use super::ops::{
    AppScopes, OrderLineItems, Orders, OrdersCount, ProductIds, Products, ProductsCount,
};
use crate::platform::retry::Sleeper;

/// Orders older than this are invisible without the `read_all_orders` scope.
pub const DEFAULT_ORDER_DAYS: i64 = 60;

/// `pageInfo` of a connection.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageInfo {
    /// Whether another page follows.
    pub has_next_page: bool,
    /// Cursor of the last node, to pass as `after`.
    #[serde(default)]
    pub end_cursor: Option<String>,
}

impl PageInfo {
    /// The `after` of the next page, or `None` when this was the last one.
    #[must_use]
    pub fn next_after(&self) -> Option<&str> {
        self.end_cursor.as_deref().filter(|_| self.has_next_page)
    }
}

/// A page of a root connection.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// The nodes, raw: each is mapped (and may fail) on its own.
    pub nodes: Vec<T>,
    /// Where the next page starts.
    pub page_info: PageInfo,
}

#[derive(Deserialize)]
struct ProductsData {
    products: Page<serde_json::Value>,
}

#[derive(Deserialize)]
struct OrdersData {
    orders: Page<serde_json::Value>,
}

/// One node as read: the wire record, or why it could not be read.
pub type Node<T> = Result<T, Unreadable>;

/// A node that did not fit its wire type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: field `{field}`: {reason}", id.as_deref().unwrap_or("?"))]
pub struct Unreadable {
    /// Its id, when it had a readable one.
    pub id: Option<String>,
    /// The field that did not fit.
    pub field: String,
    /// Why.
    pub reason: String,
}

/// The search string for "changed at or after `since`", in UTC with `Z` as Shopify wants.
#[must_use]
pub fn updated_since(since: DateTime<Utc>) -> String {
    format!(
        "updated_at:>='{}'",
        since.to_rfc3339_opts(SecondsFormat::Secs, true)
    )
}

/// The search string for "updated at or before `until`": a walk ordered by `UPDATED_AT`
/// that takes in records edited while it runs never ends while edits come faster than
/// its pages; bounded, they wait for the next pass (and came by webhook meanwhile).
/// Whole seconds, rounded up: `until` itself stays inside.
#[must_use]
pub fn updated_until(until: DateTime<Utc>) -> String {
    let ceiling = until
        .duration_round_up(chrono::TimeDelta::seconds(1))
        .unwrap_or(until);
    format!(
        "updated_at:<='{}'",
        ceiling.to_rfc3339_opts(SecondsFormat::Secs, true)
    )
}

/// The search string for "created at or after `since`".
#[must_use]
pub fn created_since(since: DateTime<Utc>) -> String {
    format!(
        "created_at:>='{}'",
        since.to_rfc3339_opts(SecondsFormat::Secs, true)
    )
}

/// Joins search terms with `AND`, skipping absent ones.
#[must_use]
pub fn all_of(terms: &[Option<String>]) -> Option<String> {
    let present: Vec<&str> = terms.iter().flatten().map(String::as_str).collect();
    (!present.is_empty()).then(|| present.join(" AND "))
}

/// One page of products matching `query`, oldest change first.
pub async fn products_page<S: Sleeper>(
    client: &ShopifyClient<S>,
    query: Option<String>,
    after: Option<String>,
) -> Result<(Vec<Node<WireProduct>>, PageInfo), ShopifyError> {
    let variants_first = products::Variables::default_variantsFirst();
    let node = 7 + count(variants_first);
    let first = fit_first(client, products::Variables::default_first(), node);
    let variables = products::Variables {
        first,
        after,
        query,
        variants_first,
    };
    let estimate = page_cost(first, node);
    let data: ProductsData = client.run_as::<Products, _>(variables, estimate).await?;
    Ok((read_nodes(data.products.nodes), data.products.page_info))
}

/// One page of orders matching `query`, oldest change first.
pub async fn orders_page<S: Sleeper>(
    client: &ShopifyClient<S>,
    query: Option<String>,
    after: Option<String>,
) -> Result<(Vec<Node<WireOrder>>, PageInfo), ShopifyError> {
    let line_items_first = orders::Variables::default_lineItemsFirst();
    // A line item selects product, variant and originalUnitPriceSet { shopMoney }.
    let node = 5 + 5 * count(line_items_first);
    let first = fit_first(client, orders::Variables::default_first(), node);
    let variables = orders::Variables {
        first,
        after,
        query,
        line_items_first,
    };
    let estimate = page_cost(first, node);
    let data: OrdersData = client.run_as::<Orders, _>(variables, estimate).await?;
    Ok((read_nodes(data.orders.nodes), data.orders.page_info))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrderLinesData {
    order: Option<OrderLines>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrderLines {
    line_items: Nodes<WireLineItem>,
}

/// Every line item of order `id` after cursor `after` (the first page came with the
/// order). `None` when the order is gone or no longer readable.
pub async fn remaining_line_items<S: Sleeper>(
    client: &ShopifyClient<S>,
    id: &str,
    mut after: String,
) -> Result<Option<Vec<WireLineItem>>, ShopifyError> {
    let mut lines = Vec::new();
    loop {
        let variables = order_line_items::Variables {
            id: id.to_owned(),
            first: order_line_items::Variables::default_first(),
            after: Some(after),
        };
        let estimate = page_cost(variables.first, 5) + 1;
        let data: OrderLinesData = client
            .run_as::<OrderLineItems, _>(variables, estimate)
            .await?;
        let Some(order) = data.order else {
            return Ok(None);
        };
        let next = order.line_items.rest_after().map(str::to_owned);
        lines.extend(order.line_items.nodes);
        match next {
            Some(cursor) => after = cursor,
            None => return Ok(Some(lines)),
        }
    }
}

/// One page of product ids, in id order (for the deletion reconciliation).
pub async fn product_ids_page<S: Sleeper>(
    client: &ShopifyClient<S>,
    after: Option<String>,
) -> Result<(Vec<String>, PageInfo), ShopifyError> {
    let variables = product_ids::Variables {
        first: product_ids::Variables::default_first(),
        after,
        query: None,
    };
    let estimate = page_cost(variables.first, 1);
    let data = client.run::<ProductIds>(variables, estimate).await?;
    let ids = data.products.nodes.into_iter().map(|n| n.id).collect();
    let info = data.products.page_info;
    Ok((
        ids,
        PageInfo {
            has_next_page: info.has_next_page,
            end_cursor: info.end_cursor,
        },
    ))
}

/// How many products match `query`, exactly.
pub async fn products_count<S: Sleeper>(
    client: &ShopifyClient<S>,
    query: Option<String>,
) -> Result<u64, ShopifyError> {
    let data = client
        .run::<ProductsCount>(products_count::Variables { query }, 1)
        .await?;
    Ok(data.products_count.map_or(0, |c| c.count.max(0) as u64))
}

/// How many orders match `query`, exactly.
pub async fn orders_count<S: Sleeper>(
    client: &ShopifyClient<S>,
    query: Option<String>,
) -> Result<u64, ShopifyError> {
    let data = client
        .run::<OrdersCount>(orders_count::Variables { query }, 1)
        .await?;
    Ok(data.orders_count.map_or(0, |c| c.count.max(0) as u64))
}

/// The scopes granted to our token.
pub async fn access_scopes<S: Sleeper>(
    client: &ShopifyClient<S>,
) -> Result<Vec<String>, ShopifyError> {
    let data = client.run::<AppScopes>(app_scopes::Variables {}, 2).await?;
    Ok(data
        .current_app_installation
        .access_scopes
        .into_iter()
        .map(|s| s.handle)
        .collect())
}

/// The page size to ask for: `default`, or fewer when the shop's bucket (as learned) or
/// Shopify's single-query limit could not pay a page of `default` nodes costing `node`.
/// At least one node, so a tiny bucket still makes progress (and says so if it cannot).
fn fit_first<S: Sleeper>(client: &ShopifyClient<S>, default: i64, node: u32) -> i64 {
    let maximum = client
        .bucket()
        .limits()
        .maximum
        .min(f64::from(SINGLE_QUERY_MAX));
    let affordable = ((maximum - 3.0) / f64::from(node.max(1))).floor() as i64;
    default.min(affordable).max(1)
}

/// Our estimate of the requested cost of a page of `first` nodes costing `node` each:
/// one point per object, a page size's worth of nodes per connection, and a few points
/// for the page itself. Only a first guess: the client reserves what Shopify reported
/// for the same shape once it has seen one answer.
fn page_cost(first: i64, node: u32) -> u32 {
    3_u32.saturating_add(count(first).saturating_mul(node))
}

fn count(first: i64) -> u32 {
    u32::try_from(first.max(0)).unwrap_or(u32::MAX)
}

/// Reads every node on its own, so one odd record costs only itself. Public for the
/// hostile-input tests and fuzz targets, which feed it arbitrary nodes.
#[must_use]
pub fn read_nodes<T: serde::de::DeserializeOwned>(nodes: Vec<serde_json::Value>) -> Vec<Node<T>> {
    nodes
        .into_iter()
        .map(|node| {
            let id = node
                .get("id")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned);
            serde_path_to_error::deserialize(node).map_err(|e| Unreadable {
                id,
                field: e.path().to_string(),
                reason: e.inner().to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn search_strings_are_utc_with_z() {
        let at = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap();
        assert_eq!(updated_since(at), "updated_at:>='2026-11-20T10:00:00Z'");
        assert_eq!(
            all_of(&[Some(updated_since(at)), None, Some(created_since(at))]).as_deref(),
            Some("updated_at:>='2026-11-20T10:00:00Z' AND created_at:>='2026-11-20T10:00:00Z'")
        );
        assert_eq!(all_of(&[None]), None);
    }

    #[test]
    fn page_costs_match_the_operation_files() {
        // The costs quoted in graphql/shopify/{products,orders,product_ids}.graphql.
        assert_eq!(page_cost(10, 7 + count(25)), 323);
        assert_eq!(page_cost(5, 5 + 5 * count(20)), 528);
        assert_eq!(page_cost(250, 1), 253);
    }

    #[test]
    fn one_bad_node_does_not_spoil_the_page() {
        let nodes = vec![
            serde_json::json!({"id": "gid://shopify/Order/1", "createdAt": "2026-01-01T00:00:00Z"}),
            serde_json::json!({"id": "gid://shopify/Order/2", "createdAt": "yesterday"}),
        ];
        let read: Vec<Node<WireOrder>> = read_nodes(nodes);
        assert!(read[0].is_ok());
        let error = read[1].as_ref().unwrap_err();
        assert_eq!(error.id.as_deref(), Some("gid://shopify/Order/2"));
        assert_eq!(error.field, "createdAt");
    }
}
