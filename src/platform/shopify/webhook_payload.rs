//! Shopify webhook bodies (reference §6) into [`WebhookEvent`]s.
//!
//! Deliveries are REST-shaped (`snake_case`, numeric `id` beside `admin_graphql_api_id`,
//! `tags` as one comma-separated string, lowercase enums), while the pull reads GraphQL.
//! So the payload is read into small REST types, rebuilt as the GraphQL wire types of
//! [`map`], and mapped by the very functions the pull uses: ids are the GIDs, customers
//! are hashed from their GID, and `cancelled`/`refunded`/`test` and `status` follow the
//! same rules. Errors name the field in the payload's own spelling.
//!
//! One thing REST cannot say: since API 2024-07 variants lack `inventory_management`,
//! so a variant that is out of stock and does not sell on backorder may still be
//! buyable (untracked). Such a variant is mapped as unavailable and the product as
//! incomplete (`complete: false`): the worker asks the API rather than guess.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};

use super::map::{
    self, IdRef, MapError, MoneyBag, MoneyV2, Nodes, WireLineItem, WireMedia, WireOrder,
    WireProduct, WireVariant,
};
use crate::model::{InstallSalt, OrderId, ProductId};
use crate::platform::customer_key::customer_hash;
use crate::platform::webhook_event::{decode, IdOnly, PayloadError, WebhookEvent};

/// Reads the body of a delivery on `topic` (the `X-Shopify-Topic` header). The body must
/// already be verified; customer ids are hashed with `salt` as the pull hashes them.
pub fn parse(topic: &str, body: &[u8], salt: &InstallSalt) -> Result<WebhookEvent, PayloadError> {
    match topic {
        "orders/create" | "orders/updated" | "orders/paid" | "orders/cancelled" => {
            order(topic, body, salt).map(WebhookEvent::Order)
        }
        "products/create" | "products/update" => product(topic, body),
        "products/delete" => {
            let deleted: IdOnly = decode(topic, body)?;
            Ok(WebhookEvent::ProductDeleted(ProductId::new(gid(
                "Product", deleted.id, None,
            ))))
        }
        "customers/redact" => redact(topic, body, salt),
        "customers/data_request" => Ok(WebhookEvent::CustomerDataRequest),
        "shop/redact" => Ok(WebhookEvent::ShopRedact),
        "app/uninstalled" => Ok(WebhookEvent::Uninstalled),
        other => Ok(WebhookEvent::Ignored(other.to_owned())),
    }
}

/// A product as products/create and products/update deliver it.
#[derive(Debug, Deserialize)]
struct RestProduct {
    id: u64,
    #[serde(default)]
    admin_graphql_api_id: Option<String>,
    #[serde(default, deserialize_with = "text")]
    title: String,
    #[serde(default, deserialize_with = "text")]
    handle: String,
    #[serde(default, deserialize_with = "text")]
    product_type: String,
    #[serde(default, deserialize_with = "text")]
    vendor: String,
    /// `"a, b, c"`.
    #[serde(default, deserialize_with = "text")]
    tags: String,
    /// active, draft, archived or unlisted.
    status: String,
    updated_at: DateTime<Utc>,
    /// Absent when the subscription's `includeFields` left it out.
    #[serde(default)]
    variants: Option<Vec<RestVariant>>,
    /// The first image, null without one. Our subscriptions keep every field, so null
    /// means no image, not "left out".
    #[serde(default)]
    image: Option<RestImage>,
}

/// `image` of a REST product.
#[derive(Debug, Deserialize)]
struct RestImage {
    src: String,
}

#[derive(Debug, Deserialize)]
struct RestVariant {
    id: u64,
    #[serde(default)]
    admin_graphql_api_id: Option<String>,
    #[serde(default, deserialize_with = "text")]
    title: String,
    #[serde(default)]
    sku: Option<String>,
    price: String,
    #[serde(default)]
    compare_at_price: Option<String>,
    #[serde(default)]
    inventory_quantity: Option<i64>,
    /// `deny` or `continue` (sells on backorder).
    #[serde(default, deserialize_with = "text")]
    inventory_policy: String,
    /// Absent since 2024-07.
    #[serde(default, deserialize_with = "tracking")]
    inventory_management: Tracking,
}

/// What `inventory_management` says about stock tracking.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Tracking {
    /// The field is absent (payload version 2024-07 and later).
    #[default]
    Unsaid,
    /// `null` or `""`: stock is not tracked, the variant is always buyable.
    Untracked,
    /// `shopify` or a fulfillment service's handle.
    Tracked,
}

/// An order as the orders/* topics deliver it.
#[derive(Debug, Deserialize)]
struct RestOrder {
    id: u64,
    #[serde(default)]
    admin_graphql_api_id: Option<String>,
    created_at: DateTime<Utc>,
    #[serde(default)]
    processed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    cancelled_at: Option<DateTime<Utc>>,
    #[serde(default)]
    test: bool,
    /// `paid`, `refunded`, `voided`, `partially_refunded`, `pending`, ...
    #[serde(default)]
    financial_status: Option<String>,
    /// Null for orders without a customer.
    #[serde(default)]
    customer: Option<RestRef>,
    #[serde(default)]
    line_items: Vec<RestLine>,
}

#[derive(Debug, Deserialize)]
struct RestLine {
    quantity: i64,
    /// Null for custom items and products deleted since.
    #[serde(default)]
    product_id: Option<u64>,
    #[serde(default)]
    variant_id: Option<u64>,
    /// Unit price before discounts, in the shop's currency (GraphQL's
    /// `originalUnitPriceSet.shopMoney.amount`).
    price: String,
}

/// `{id, admin_graphql_api_id}` of a linked record (further fields are ignored).
#[derive(Debug, Deserialize)]
struct RestRef {
    id: u64,
    #[serde(default)]
    admin_graphql_api_id: Option<String>,
}

/// customers/redact: `{shop_id, shop_domain, customer: {id, ...}, orders_to_redact}`.
#[derive(Debug, Deserialize)]
struct RestRedact {
    #[serde(default)]
    customer: Option<RestRef>,
    #[serde(default)]
    orders_to_redact: Vec<u64>,
}

fn order(
    topic: &str,
    body: &[u8],
    salt: &InstallSalt,
) -> Result<crate::model::Order, PayloadError> {
    let rest: RestOrder = decode(topic, body)?;
    let lines = rest
        .line_items
        .into_iter()
        .map(|line| WireLineItem {
            quantity: line.quantity,
            product: line.product_id.map(|n| id_ref("Product", n, None)),
            variant: line.variant_id.map(|n| id_ref("ProductVariant", n, None)),
            original_unit_price_set: MoneyBag {
                shop_money: MoneyV2 {
                    amount: line.price,
                    currency_code: String::new(),
                },
            },
        })
        .collect();
    let wire = WireOrder {
        id: gid("Order", rest.id, rest.admin_graphql_api_id),
        created_at: rest.created_at,
        updated_at: None,
        processed_at: rest.processed_at,
        cancelled_at: rest.cancelled_at,
        test: rest.test,
        display_financial_status: rest.financial_status.map(|s| s.to_uppercase()),
        customer: rest
            .customer
            .map(|c| id_ref("Customer", c.id, c.admin_graphql_api_id)),
        line_items: Some(nodes(lines)),
    };
    map::order(wire, Vec::new(), salt).map_err(|e| mapped(topic, &e))
}

fn product(topic: &str, body: &[u8]) -> Result<WebhookEvent, PayloadError> {
    let rest: RestProduct = decode(topic, body)?;
    let mut complete = rest.variants.is_some();
    let variants = rest
        .variants
        .unwrap_or_default()
        .into_iter()
        .map(|v| {
            let available = available(&v);
            complete &= available.is_some();
            WireVariant {
                id: gid("ProductVariant", v.id, v.admin_graphql_api_id),
                title: v.title,
                sku: v.sku,
                price: v.price,
                compare_at_price: v.compare_at_price,
                inventory_quantity: v.inventory_quantity,
                available_for_sale: available.unwrap_or(false),
            }
        })
        .collect();
    let wire = WireProduct {
        id: gid("Product", rest.id, rest.admin_graphql_api_id),
        handle: rest.handle,
        title: rest.title,
        product_type: rest.product_type,
        vendor: rest.vendor,
        tags: tags(&rest.tags),
        status: rest.status.to_uppercase(),
        updated_at: rest.updated_at,
        featured_media: rest.image.map(|i| WireMedia::image(i.src)),
        variants: Some(nodes(variants)),
    };
    let product = map::product(wire, Vec::new()).map_err(|e| mapped(topic, &e))?;
    Ok(WebhookEvent::Product { product, complete })
}

fn redact(topic: &str, body: &[u8], salt: &InstallSalt) -> Result<WebhookEvent, PayloadError> {
    let rest: RestRedact = decode(topic, body)?;
    Ok(WebhookEvent::CustomerRedact {
        customer: rest
            .customer
            .map(|c| customer_hash(salt, &gid("Customer", c.id, c.admin_graphql_api_id))),
        orders: rest
            .orders_to_redact
            .into_iter()
            .map(|n| OrderId::new(gid("Order", n, None)))
            .collect(),
    })
}

/// GraphQL's `availableForSale` from REST fields: in stock, or selling on backorder, or
/// not tracked. `None` when the payload cannot tell (out of stock, `deny`, and no
/// `inventory_management` to say whether stock is tracked at all).
fn available(v: &RestVariant) -> Option<bool> {
    if v.inventory_policy.eq_ignore_ascii_case("continue")
        || v.inventory_quantity.is_some_and(|q| q > 0)
    {
        return Some(true);
    }
    match v.inventory_management {
        Tracking::Unsaid => None,
        Tracking::Untracked => Some(true),
        Tracking::Tracked => Some(false),
    }
}

/// The GID a payload gave, else the one Shopify builds from the numeric id.
fn gid(kind: &str, id: u64, given: Option<String>) -> String {
    given
        .filter(|g| !g.trim().is_empty())
        .unwrap_or_else(|| format!("gid://shopify/{kind}/{id}"))
}

fn id_ref(kind: &str, id: u64, given: Option<String>) -> IdRef {
    IdRef {
        id: gid(kind, id, given),
    }
}

fn nodes<T>(items: Vec<T>) -> Nodes<T> {
    Nodes {
        nodes: items,
        page_info: None,
    }
}

/// REST's comma-separated tags as GraphQL's list.
fn tags(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A mapper error with its GraphQL field path respelt as the REST payload's.
fn mapped(topic: &str, error: &MapError) -> PayloadError {
    PayloadError::mapped(topic, error, |field| {
        field
            .replace("lineItems", "line_items")
            .replace("originalUnitPriceSet.shopMoney.amount", "price")
            .replace("compareAtPrice", "compare_at_price")
    })
}

/// Text that may be null.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

/// A present `inventory_management` (absent ones stay [`Tracking::Unsaid`]).
fn tracking<'de, D: Deserializer<'de>>(d: D) -> Result<Tracking, D::Error> {
    Ok(match Option::<String>::deserialize(d)? {
        Some(handle) if !handle.trim().is_empty() => Tracking::Tracked,
        _ => Tracking::Untracked,
    })
}

#[cfg(test)]
mod tests;
