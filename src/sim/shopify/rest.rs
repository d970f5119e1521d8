//! Records as webhooks carry them: REST-shaped JSON (reference §6) in payload version
//! 2026-10: `snake_case`, numeric `id` beside `admin_graphql_api_id`, `tags` as one
//! comma-separated string, lowercase `status` and `financial_status`, times in the
//! shop's zone with an offset. Only fields the shop keeps are filled; the rest of a
//! real payload's members are present with empty values, so receivers see the shape.
//!
//! Variants have no `inventory_management` since 2024-07. A buyable variant without
//! stock is rendered selling on backorder (`inventory_policy: continue`), which is how
//! Shopify's `availableForSale` comes out true for it; an unbuyable one as `deny`. A
//! variant marked unbuyable while holding stock has no REST spelling and reads as
//! buyable from a payload.

use chrono::{DateTime, FixedOffset, Offset as _, SecondsFormat, Utc};
use serde_json::{json, Value};

use super::ids::{customer_number, gid, money};
use super::state::{status_name, LineRec, OrderRec, ProductRec, ShopData, VariantRec};
use crate::model::{Money, ProductStatus};
use crate::sim::person::Person;

/// The simulated shop's zone for REST times: UTC−5 (New York in winter), so receivers
/// must honour offsets.
const SHOP_OFFSET_SECONDS: i32 = -5 * 3600;

/// Inventory items are numbered beside their variants.
const INVENTORY_ITEM_OFFSET: u64 = 10_000_000_000_000;

/// `2026-11-21T07:00:00-05:00`.
pub(crate) fn time(at: DateTime<Utc>) -> String {
    let zone = FixedOffset::east_opt(SHOP_OFFSET_SECONDS).unwrap_or_else(|| Utc.fix());
    at.with_timezone(&zone)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// products/create and products/update; `image_url` is the featured image's.
pub(crate) fn product(p: &ProductRec, image_url: Option<String>) -> Value {
    let image = image_url.map(|src| {
        json!({"id": p.num, "product_id": p.num, "position": 1, "src": src, "alt": null,
               "width": 96, "height": 96, "admin_graphql_api_id": gid("ProductImage", p.num),
               "created_at": time(p.created_at), "updated_at": time(p.updated_at),
               "variant_ids": []})
    });
    let published = p.status == ProductStatus::Active;
    json!({
        "admin_graphql_api_id": gid("Product", p.num),
        "body_html": "",
        "created_at": time(p.created_at),
        "handle": p.handle,
        "id": p.num,
        "product_type": p.product_type,
        "published_at": published.then(|| time(p.created_at)),
        "template_suffix": null,
        "title": p.title,
        "updated_at": time(p.updated_at),
        "vendor": p.vendor,
        "status": status_name(p.status).to_lowercase(),
        "published_scope": "global",
        "tags": p.tags.join(", "),
        "variants": p.variants.iter().enumerate().map(|(i, v)| variant(p, i, v)).collect::<Vec<_>>(),
        "options": [{"name": "Title", "position": 1, "product_id": p.num,
                     "values": p.variants.iter().map(|v| v.title.clone()).collect::<Vec<_>>()}],
        "images": image.iter().collect::<Vec<_>>(),
        "image": image,
        "media": [],
        "variant_gids": p.variants.iter().map(|v| json!({
            "admin_graphql_api_id": gid("ProductVariant", v.num),
            "updated_at": time(p.updated_at),
        })).collect::<Vec<_>>(),
        "has_variants_that_requires_components": false,
        "category": null,
    })
}

fn variant(p: &ProductRec, index: usize, v: &VariantRec) -> Value {
    let in_stock = v.inventory.is_some_and(|q| q > 0);
    let policy = if v.available && !in_stock {
        "continue"
    } else {
        "deny"
    };
    json!({
        "admin_graphql_api_id": gid("ProductVariant", v.num),
        "barcode": null,
        "compare_at_price": v.compare_at.map(money),
        "created_at": time(p.created_at),
        "id": v.num,
        "inventory_policy": policy,
        "position": index + 1,
        "price": money(v.price),
        "product_id": p.num,
        "sku": v.sku,
        "taxable": true,
        "title": v.title,
        "updated_at": time(p.updated_at),
        "option1": v.title,
        "option2": null,
        "option3": null,
        "image_id": null,
        "inventory_item_id": v.num + INVENTORY_ITEM_OFFSET,
        "inventory_quantity": v.inventory,
        "old_inventory_quantity": v.inventory,
    })
}

/// products/delete: the id alone.
pub(crate) fn deleted(num: u64) -> Value {
    json!({ "id": num })
}

/// orders/*: lines of products or variants deleted since have null ids, as the GraphQL
/// view has null `product`/`variant`.
pub(crate) fn order(data: &ShopData, o: &OrderRec, currency: &str) -> Value {
    let money_set = |amount: String| {
        json!({"shop_money": {"amount": amount, "currency_code": currency},
               "presentment_money": {"amount": amount, "currency_code": currency}})
    };
    let total: i64 = o
        .lines
        .iter()
        .map(|l| l.unit_price.0 * i64::from(l.quantity))
        .sum();
    let total = money(Money(total));
    let buyer = o
        .customer
        .as_ref()
        .map(|c| Person::numbered(customer_number(c), None));
    json!({
        "id": o.num,
        "admin_graphql_api_id": gid("Order", o.num),
        "name": format!("#{}", o.number),
        "order_number": o.number,
        "number": o.number.saturating_sub(1000),
        "created_at": time(o.created_at),
        "updated_at": time(o.updated_at),
        "processed_at": time(o.created_at),
        "cancelled_at": o.cancelled_at.map(time),
        "cancel_reason": o.cancelled_at.map(|_| "customer"),
        "closed_at": null,
        "test": o.test,
        "financial_status": o.financial_status().to_lowercase(),
        "fulfillment_status": null,
        "confirmed": true,
        "currency": currency,
        "presentment_currency": currency,
        "total_price": total,
        "total_price_set": money_set(total.clone()),
        "email": buyer.as_ref().map(|p| p.email.clone()),
        "phone": buyer.as_ref().map(|p| p.phone.clone()),
        "customer": o.customer.as_ref().map(|c| {
            let n = customer_number(c);
            let mut customer = person_json(&Person::numbered(n, None));
            customer["id"] = n.into();
            customer["admin_graphql_api_id"] = gid("Customer", n).into();
            customer
        }),
        "billing_address": buyer.as_ref().map(address_json),
        "shipping_address": buyer.as_ref().map(address_json),
        "line_items": o.lines.iter().map(|l| line(data, l, &money_set)).collect::<Vec<_>>(),
    })
}

/// A customer's own fields in an order payload, as Shopify sends them (the app was
/// granted protected customer data), with their default address.
fn person_json(p: &Person) -> Value {
    json!({
        "email": p.email, "first_name": p.first_name, "last_name": p.last_name,
        "phone": p.phone, "default_address": address_json(p),
    })
}

/// A mailing address of `p`.
fn address_json(p: &Person) -> Value {
    json!({
        "first_name": p.first_name, "last_name": p.last_name, "name": p.full_name(),
        "address1": p.address_1, "address2": null, "city": p.city, "zip": p.postcode,
        "country": "Germany", "country_code": "DE", "phone": p.phone,
    })
}

fn line(data: &ShopData, l: &LineRec, money_set: &impl Fn(String) -> Value) -> Value {
    let product = l.product.and_then(|n| data.products.get(&n));
    let variant = l.variant.and_then(|n| data.variant(n));
    let price = money(l.unit_price);
    json!({
        "id": l.num,
        "admin_graphql_api_id": gid("LineItem", l.num),
        "product_id": product.map(|p| p.num),
        "variant_id": variant.map(|(_, v)| v.num),
        "quantity": l.quantity,
        "price": price,
        "price_set": money_set(price.clone()),
        "title": product.map_or("Custom item", |p| p.title.as_str()),
        "variant_title": variant.map(|(_, v)| v.title.clone()),
        "sku": variant.and_then(|(_, v)| v.sku.clone()),
        "total_discount": "0.00",
    })
}
