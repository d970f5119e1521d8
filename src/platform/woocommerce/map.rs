//! Mapping of WooCommerce wire shapes ([`super::wire`]) into the platform-neutral model.
//!
//! Ids are numbers on the wire and kept as their decimal text, never rebuilt. A record
//! that cannot be mapped is an error naming the record, its id and the field; the
//! caller reports it and goes on.

use chrono::{DateTime, Utc};

use super::wire::{ProductType, WireLineItem, WireOrder, WireProduct, WireVariation};
use crate::model::{
    CustomerHash, InstallSalt, LineItem, Money, Order, OrderFlags, OrderId, Product, ProductId,
    ProductStatus, Variant, VariantId,
};

use crate::platform::customer_key::from_pseudonym;
pub use crate::platform::map_error::MapError;

/// Maps a product.
///
/// A simple or external product becomes one variant whose id is the product id: that is
/// what an order line with `variation_id` 0 refers to. A variable parent comes without
/// variants; its variations are read from `/products/{id}/variations` and added with
/// [`variation`]. A product without a price (`""`, as a grouped parent has, or as
/// WooCommerce stores invalid price text) gets no variant: WooCommerce does not sell it,
/// so it must not be recommended. A variation fetched through `/products/{id}` is
/// refused, since recommendations link parents only.
pub fn product(wire: WireProduct) -> Result<Product, MapError> {
    let id = wire.id.to_string();
    let error = |field: &str, reason: String| MapError {
        record: "product",
        id: id.clone(),
        field: field.to_owned(),
        reason,
    };
    if wire.kind == ProductType::Variation {
        return Err(error(
            "type",
            format!("a variation (of product {}), not a product", wire.parent_id),
        ));
    }
    let updated_at = wire
        .date_modified_gmt
        .ok_or_else(|| error("date_modified_gmt", "missing".to_owned()))?;
    let prices = Prices::parse(&wire.price, &wire.regular_price, &wire.sale_price)
        .map_err(|(field, reason)| error(field, reason))?;
    let variants = match (wire.kind, prices.price) {
        (ProductType::Variable | ProductType::Grouped, _) | (_, None) => Vec::new(),
        (_, Some(price)) => vec![Variant {
            id: VariantId::new(id.clone()),
            title: String::new(),
            sku: non_empty(wire.sku),
            price,
            compare_at_price: prices.compare_at,
            available: in_stock(&wire.stock_status),
            inventory_quantity: wire.stock_quantity,
        }],
    };
    // The first category is the product's kind; further categories describe it like
    // tags do (model: `Product::tags`).
    let mut categories = wire.categories.into_iter().map(|c| c.name);
    let product_type = categories.next().unwrap_or_default();
    let tags = wire
        .tags
        .into_iter()
        .map(|t| t.name)
        .chain(categories)
        .collect();
    Ok(Product {
        id: ProductId::new(id.clone()),
        title: wire.name,
        handle: wire.slug,
        product_type,
        tags,
        vendor: wire
            .brands
            .into_iter()
            .next()
            .map(|b| b.name)
            .unwrap_or_default(),
        status: status(&wire.status, &wire.catalog_visibility),
        variants,
        updated_at,
        image_url: wire
            .images
            .into_iter()
            .map(|i| i.src)
            .find(|src| !src.is_empty()),
    })
}

/// Maps a variation of a variable product into a variant of its parent. A variation
/// without a price is an error here, unlike a product: the caller asked for it as a
/// variant and should drop it knowingly.
pub fn variation(wire: WireVariation) -> Result<Variant, MapError> {
    let id = wire.id.to_string();
    let error = |field: &str, reason: String| MapError {
        record: "variation",
        id: id.clone(),
        field: field.to_owned(),
        reason,
    };
    let prices = Prices::parse(&wire.price, &wire.regular_price, &wire.sale_price)
        .map_err(|(field, reason)| error(field, reason))?;
    let price = prices
        .price
        .ok_or_else(|| error("price", "empty: the variation cannot be bought".to_owned()))?;
    Ok(Variant {
        id: VariantId::new(id.clone()),
        title: wire.name,
        sku: non_empty(wire.sku),
        price,
        compare_at_price: prices.compare_at,
        // A variation set to private or draft cannot be bought even when in stock.
        available: in_stock(&wire.stock_status) && matches!(wire.status.as_str(), "publish" | ""),
        inventory_quantity: wire.stock_quantity,
    })
}

/// The money fields of a product or variation, `""` read as unset.
struct Prices {
    price: Option<Money>,
    compare_at: Option<Money>,
}

impl Prices {
    /// `compare_at` is the regular price when it is above the current price (on sale);
    /// `sale_price` is only checked for being readable, as `price` already reflects it.
    fn parse(price: &str, regular: &str, sale: &str) -> Result<Self, (&'static str, String)> {
        let price = optional_money(price).map_err(|r| ("price", r))?;
        let regular = optional_money(regular).map_err(|r| ("regular_price", r))?;
        optional_money(sale).map_err(|r| ("sale_price", r))?;
        let compare_at = regular.filter(|r| price.is_some_and(|p| *r > p));
        Ok(Self { price, compare_at })
    }
}

/// A WooCommerce money string: `""` is "not set", anything else must be a decimal.
fn optional_money(text: &str) -> Result<Option<Money>, String> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    Money::parse(text).map(Some).map_err(|e| e.to_string())
}

fn non_empty(text: String) -> Option<String> {
    Some(text).filter(|s| !s.trim().is_empty())
}

/// Backorders still take orders, so `onbackorder` is buyable; only `outofstock` is not.
fn in_stock(stock_status: &str) -> bool {
    stock_status != "outofstock"
}

/// `publish` is the only status a shopper can buy from, and then only when the product
/// is visible somewhere: `hidden` catalog visibility is WooCommerce's "unlisted", kept
/// out of recommendations like Shopify's UNLISTED. Trash is archived; draft, pending,
/// private, future and unknown statuses are treated as drafts rather than trusted.
fn status(status: &str, catalog_visibility: &str) -> ProductStatus {
    match status {
        "publish" if catalog_visibility == "hidden" => ProductStatus::Draft,
        "publish" => ProductStatus::Active,
        "trash" => ProductStatus::Archived,
        "draft" | "pending" | "private" | "future" => ProductStatus::Draft,
        other => {
            tracing::warn!(
                status = other,
                "unknown WooCommerce product status, treated as draft"
            );
            ProductStatus::Draft
        }
    }
}

/// Maps an order, hashing its customer on arrival.
///
/// Registered customers are keyed `customer:<id>`; guests (`customer_id` 0) by their
/// lowercased billing email, `email:<email>`, so one guest's repeat orders are linked
/// without the email ever being stored. A guest without an email has no customer.
///
/// Statuses listed in `sale_statuses` (by default processing and completed) are sales.
/// Any other status sets a flag so the order is kept but not counted: `cancelled` and
/// `failed` set `cancelled`, `refunded` sets `refunded`, and everything else (pending,
/// on-hold, checkout-draft, trash, plugin statuses) sets `test`. `test` is the model's
/// flag for "exists on the platform but was never a sale" (`OrderFlags::test`), which is
/// exactly what an unpaid or abandoned order is; using `cancelled` instead would be
/// wrong for a pending order that later completes, and the next sync clears the flag
/// when the status changes.
///
/// Lines point at the parent product (WooCommerce already sends the parent as
/// `product_id` for variations) and at the variation as variant, or at the product's
/// implicit variant (its own id) for simple products. Lines of products deleted since
/// (`product_id` 0) are left out.
pub fn order(
    wire: WireOrder,
    salt: &InstallSalt,
    sale_statuses: &[String],
) -> Result<Order, MapError> {
    let id = wire.id.to_string();
    let error = |field: String, reason: String| MapError {
        record: "order",
        id: id.clone(),
        field,
        reason,
    };
    let created_at: DateTime<Utc> = wire
        .date_created_gmt
        .ok_or_else(|| error("date_created_gmt".to_owned(), "missing".to_owned()))?;
    let mut lines = Vec::with_capacity(wire.line_items.len());
    for (i, wire_line) in wire.line_items.into_iter().enumerate() {
        if let Some(mapped) =
            line(&wire_line).map_err(|(f, r)| error(format!("line_items[{i}].{f}"), r))?
        {
            lines.push(mapped);
        }
    }
    let customer = if wire.customer_id != 0 {
        Some(CustomerHash::new(
            salt,
            &format!("customer:{}", wire.customer_id),
        ))
    } else {
        // A queued webhook carries the hash in place of the email (`webhook_privacy`).
        let email = wire.billing.email.trim().to_lowercase();
        (!email.is_empty()).then(|| {
            from_pseudonym(&email)
                .unwrap_or_else(|| CustomerHash::new(salt, &format!("email:{email}")))
        })
    };
    let is_sale = sale_statuses.iter().any(|s| s == &wire.status);
    let flags = if is_sale {
        OrderFlags::default()
    } else {
        match wire.status.as_str() {
            "cancelled" | "failed" => OrderFlags {
                cancelled: true,
                ..OrderFlags::default()
            },
            "refunded" => OrderFlags {
                refunded: true,
                ..OrderFlags::default()
            },
            _ => OrderFlags {
                test: true,
                ..OrderFlags::default()
            },
        }
    };
    Ok(Order {
        id: OrderId::new(id.clone()),
        created_at,
        customer,
        flags,
        lines,
    })
}

/// A line, or `None` when its product was deleted. The unit price is the numeric
/// `price` (after discounts); if it is missing, `total / quantity`.
fn line(wire: &WireLineItem) -> Result<Option<LineItem>, (String, String)> {
    if wire.product_id == 0 {
        return Ok(None);
    }
    let quantity = u32::try_from(wire.quantity).map_err(|_| {
        (
            "quantity".to_owned(),
            format!("{} is not a count", wire.quantity),
        )
    })?;
    let unit_price = match wire.price {
        Some(p) if p.is_finite() && p.abs() < 1e12 => Money::from_f64(p),
        Some(p) => return Err(("price".to_owned(), format!("{p} is not a price"))),
        None => {
            let total =
                Money::parse(&wire.total).map_err(|e| ("total".to_owned(), e.to_string()))?;
            Money(total.0 / i64::from(quantity.max(1)))
        }
    };
    let variant = if wire.variation_id == 0 {
        wire.product_id
    } else {
        wire.variation_id
    };
    Ok(Some(LineItem {
        product: ProductId::new(wire.product_id.to_string()),
        variant: Some(VariantId::new(variant.to_string())),
        quantity,
        unit_price,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn salt() -> InstallSalt {
        InstallSalt([7; 32])
    }

    fn sales() -> Vec<String> {
        vec!["processing".to_owned(), "completed".to_owned()]
    }

    fn wire_product(value: serde_json::Value) -> WireProduct {
        serde_json::from_value(value).unwrap()
    }

    fn wire_order(value: serde_json::Value) -> WireOrder {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn a_simple_product_on_sale_maps_every_field() {
        let p = product(wire_product(json!({
            "id": 11, "name": "Espresso Beans 1kg", "slug": "espresso-beans-1kg",
            "type": "simple", "status": "publish", "catalog_visibility": "visible",
            "sku": "BEANS-1KG", "price": "19.99", "regular_price": "24.50", "sale_price": "19.99",
            "stock_status": "instock", "stock_quantity": 37,
            "categories": [{"id": 16, "name": "Coffee", "slug": "coffee"},
                           {"id": 19, "name": "Gifts", "slug": "gifts"}],
            "tags": [{"id": 18, "name": "bestseller", "slug": "bestseller"}],
            "images": [{"id": 31, "src": "https://shop.example/wp-content/uploads/2026/11/beans.jpg",
                        "name": "beans", "alt": ""},
                       {"id": 32, "src": "https://shop.example/wp-content/uploads/2026/11/bag.jpg"}],
            "date_modified_gmt": "2026-11-21T16:41:03"
        })))
        .unwrap();
        assert_eq!(p.id.as_str(), "11");
        assert_eq!(
            p.image_url.as_deref(),
            Some("https://shop.example/wp-content/uploads/2026/11/beans.jpg")
        );
        assert_eq!(p.handle, "espresso-beans-1kg");
        assert_eq!(p.product_type, "Coffee");
        assert_eq!(p.tags, ["bestseller", "Gifts"]);
        assert_eq!(p.status, ProductStatus::Active);
        assert_eq!(p.updated_at.to_rfc3339(), "2026-11-21T16:41:03+00:00");
        let v = &p.variants[0];
        assert_eq!(v.id.as_str(), "11");
        assert_eq!(v.price, Money::parse("19.99").unwrap());
        assert_eq!(v.compare_at_price, Some(Money::parse("24.50").unwrap()));
        assert_eq!(v.sku.as_deref(), Some("BEANS-1KG"));
        assert_eq!(v.inventory_quantity, Some(37));
        assert!(p.is_available());
    }

    #[test]
    fn empty_prices_mean_none_and_bad_ones_name_the_field() {
        let base = json!({"id": 19, "type": "simple", "status": "publish",
            "price": "", "regular_price": "", "sale_price": "",
            "date_modified_gmt": "2026-11-21T16:41:03"});
        let p = product(wire_product(base.clone())).unwrap();
        assert!(p.variants.is_empty());
        assert!(!p.is_available());

        let mut bad = base;
        bad["regular_price"] = json!("12,50");
        let err = product(wire_product(bad)).unwrap_err();
        assert_eq!((err.record, err.id.as_str()), ("product", "19"));
        assert_eq!(err.field, "regular_price");
    }

    #[test]
    fn statuses_and_variations_are_not_sold_as_products() {
        let at = "2026-11-21T16:41:03";
        let hidden = json!({"id": 1, "status": "publish", "catalog_visibility": "hidden",
            "price": "1", "date_modified_gmt": at});
        assert_eq!(
            product(wire_product(hidden)).unwrap().status,
            ProductStatus::Draft
        );
        let trash = json!({"id": 1, "status": "trash", "price": "1", "date_modified_gmt": at});
        assert_eq!(
            product(wire_product(trash)).unwrap().status,
            ProductStatus::Archived
        );
        let var = json!({"id": 14, "type": "variation", "parent_id": 13, "price": "1",
            "date_modified_gmt": at});
        assert_eq!(product(wire_product(var)).unwrap_err().field, "type");
        let undated = json!({"id": 2, "status": "publish", "price": "1"});
        assert_eq!(
            product(wire_product(undated)).unwrap_err().field,
            "date_modified_gmt"
        );
    }

    #[test]
    fn a_variable_parent_gets_its_variations_separately() {
        let p = product(wire_product(
            json!({"id": 13, "type": "variable", "status": "publish",
            "price": "22.50", "regular_price": "", "variations": [14, 15],
            "date_modified_gmt": "2026-11-21T16:41:02"}),
        ))
        .unwrap();
        assert!(p.variants.is_empty());
        let v = variation(
            serde_json::from_value(json!({"id": 15, "parent_id": 13, "name": "M",
                "status": "publish", "price": "22.50", "regular_price": "25.00",
                "sale_price": "22.50", "stock_status": "outofstock", "stock_quantity": null}))
            .unwrap(),
        )
        .unwrap();
        assert_eq!(v.id.as_str(), "15");
        assert_eq!(v.compare_at_price, Some(Money::parse("25").unwrap()));
        assert!(!v.available);
    }

    #[test]
    fn a_guest_order_is_keyed_by_hashed_email_and_variations_map_to_parents() {
        let o = order(
            wire_order(json!({
                "id": 16, "status": "processing", "customer_id": 0,
                "date_created_gmt": "2026-11-21T16:41:03",
                "billing": {"email": " Guest.Shopper@Example.test"},
                "line_items": [
                    {"product_id": 11, "variation_id": 0, "quantity": 2, "price": 19.99,
                     "subtotal": "39.98", "total": "39.98"},
                    {"product_id": 13, "variation_id": 15, "quantity": 1, "price": 22.5,
                     "subtotal": "22.50", "total": "22.50"},
                    {"product_id": 0, "variation_id": 0, "quantity": 1, "price": 5}
                ]
            })),
            &salt(),
            &sales(),
        )
        .unwrap();
        assert_eq!(o.id.as_str(), "16");
        assert_eq!(
            o.customer,
            Some(CustomerHash::new(
                &salt(),
                "email:guest.shopper@example.test"
            ))
        );
        assert!(o.counts_as_sale());
        assert_eq!(o.lines.len(), 2);
        assert_eq!(o.lines[0].variant.as_ref().unwrap().as_str(), "11");
        assert_eq!(o.lines[0].unit_price, Money::parse("19.99").unwrap());
        assert_eq!(o.lines[1].product.as_str(), "13");
        assert_eq!(o.lines[1].variant.as_ref().unwrap().as_str(), "15");
        assert_eq!(o.lines[1].unit_price, Money::parse("22.50").unwrap());
        assert!(!format!("{o:?}").to_lowercase().contains("guest.shopper"));
    }

    #[test]
    fn customers_by_id_and_guests_without_email() {
        let at = "2026-11-21T16:41:03";
        let known = order(
            wire_order(json!({"id": 17, "status": "completed", "customer_id": 2,
                "billing": {"email": "jane@example.test"}, "date_created_gmt": at})),
            &salt(),
            &sales(),
        )
        .unwrap();
        assert_eq!(
            known.customer,
            Some(CustomerHash::new(&salt(), "customer:2"))
        );
        let anonymous = order(
            wire_order(json!({"id": 18, "status": "completed", "customer_id": 0,
                "billing": {"email": ""}, "date_created_gmt": at})),
            &salt(),
            &sales(),
        )
        .unwrap();
        assert_eq!(anonymous.customer, None);
    }

    #[test]
    fn statuses_outside_sale_statuses_set_flags() {
        let flags = |status: &str| {
            order(
                wire_order(json!({"id": 1, "status": status,
                    "date_created_gmt": "2026-11-21T16:41:03"})),
                &salt(),
                &sales(),
            )
            .unwrap()
            .flags
        };
        assert_eq!(flags("completed"), OrderFlags::default());
        assert!(flags("cancelled").cancelled);
        assert!(flags("failed").cancelled);
        assert!(flags("refunded").refunded);
        assert!(flags("pending").test);
        assert!(flags("checkout-draft").test);
        assert!(!flags("on-hold").cancelled);
    }

    #[test]
    fn bad_lines_name_the_field_and_missing_prices_fall_back_to_total() {
        let at = "2026-11-21T16:41:03";
        let err = order(
            wire_order(
                json!({"id": 5, "status": "completed", "date_created_gmt": at,
                "line_items": [{"product_id": 1, "quantity": 1, "price": 1},
                               {"product_id": 2, "quantity": -1, "price": 1}]}),
            ),
            &salt(),
            &sales(),
        )
        .unwrap_err();
        assert_eq!(err.field, "line_items[1].quantity");
        let o = order(
            wire_order(
                json!({"id": 6, "status": "completed", "date_created_gmt": at,
                "line_items": [{"product_id": 1, "quantity": 3, "total": "30.00"}]}),
            ),
            &salt(),
            &sales(),
        )
        .unwrap();
        assert_eq!(o.lines[0].unit_price, Money::parse("10").unwrap());
        let undated = order(
            wire_order(json!({"id": 7, "status": "completed"})),
            &salt(),
            &sales(),
        );
        assert_eq!(undated.unwrap_err().field, "date_created_gmt");
    }
}
