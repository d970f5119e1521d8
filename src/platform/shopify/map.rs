//! Shopify's wire shapes (camelCase JSON, as both paged queries and bulk-operation
//! lines deliver them) and their mapping into the platform-neutral model.
//!
//! Ids are kept exactly as received (GIDs are opaque). A record that cannot be mapped
//! is an error naming the record and the field; the caller reports it and goes on.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::platform::shopify::read::PageInfo;

use crate::model::{
    InstallSalt, LineItem, Money, Order, OrderFlags, OrderId, Product, ProductId, ProductStatus,
    Variant, VariantId,
};

use crate::platform::customer_key::customer_hash;
pub use crate::platform::map_error::MapError;

/// `{ nodes: [...] }`, the shape of a nested connection in our operations.
#[derive(Debug, Clone, Deserialize)]
pub struct Nodes<T> {
    /// The connection's nodes.
    pub nodes: Vec<T>,
    /// Whether more nodes follow (absent when not selected).
    #[serde(default, rename = "pageInfo")]
    pub page_info: Option<PageInfo>,
}

impl<T> Nodes<T> {
    /// The cursor to read the rest from, when the connection had more than it showed.
    #[must_use]
    pub fn rest_after(&self) -> Option<&str> {
        self.page_info.as_ref().and_then(PageInfo::next_after)
    }

    /// Whether the connection had more nodes than it showed.
    #[must_use]
    pub fn truncated(&self) -> bool {
        self.page_info.as_ref().is_some_and(|p| p.has_next_page)
    }
}

/// A product as our operations select it. In bulk output the variants arrive as
/// separate lines and `variants` is absent.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireProduct {
    pub id: String,
    #[serde(default)]
    pub handle: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub product_type: String,
    #[serde(default)]
    pub vendor: String,
    #[serde(default)]
    pub tags: Vec<String>,
    pub status: String,
    pub updated_at: DateTime<Utc>,
    /// The main image; null for a product without media or before Shopify processed it.
    #[serde(default)]
    pub featured_media: Option<WireMedia>,
    #[serde(default)]
    pub variants: Option<Nodes<WireVariant>>,
}

/// `featuredMedia { preview { image { url } } }`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WireMedia {
    /// Null until the media is processed.
    #[serde(default)]
    pub preview: Option<WirePreview>,
}

/// A media file's preview.
#[derive(Debug, Clone, Deserialize)]
pub struct WirePreview {
    /// Null until `status` is READY.
    #[serde(default)]
    pub image: Option<WireImage>,
}

/// An image's location.
#[derive(Debug, Clone, Deserialize)]
pub struct WireImage {
    pub url: String,
}

impl WireMedia {
    /// The media with just this image, as REST payloads name it.
    #[must_use]
    pub fn image(url: String) -> Self {
        Self {
            preview: Some(WirePreview {
                image: Some(WireImage { url }),
            }),
        }
    }

    /// The preview image's URL, when there is one.
    #[must_use]
    pub fn url(self) -> Option<String> {
        self.preview?.image.map(|i| i.url)
    }
}

/// A product variant.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireVariant {
    pub id: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub sku: Option<String>,
    pub price: String,
    #[serde(default)]
    pub compare_at_price: Option<String>,
    #[serde(default)]
    pub inventory_quantity: Option<i64>,
    #[serde(default)]
    pub available_for_sale: bool,
}

/// `{ id }` of a linked object.
#[derive(Debug, Clone, Deserialize)]
pub struct IdRef {
    pub id: String,
}

/// An order as our operations select it. In bulk output the line items arrive as
/// separate lines and `lineItems` is absent.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireOrder {
    pub id: String,
    pub created_at: DateTime<Utc>,
    /// Last change, the incremental pull's high-water mark.
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub processed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub cancelled_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub test: bool,
    #[serde(default)]
    pub display_financial_status: Option<String>,
    #[serde(default)]
    pub customer: Option<IdRef>,
    #[serde(default)]
    pub line_items: Option<Nodes<WireLineItem>>,
}

/// One line of an order.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireLineItem {
    pub quantity: i64,
    /// Null for custom items and products deleted since.
    #[serde(default)]
    pub product: Option<IdRef>,
    #[serde(default)]
    pub variant: Option<IdRef>,
    pub original_unit_price_set: MoneyBag,
}

/// `{ shopMoney { amount currencyCode } }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MoneyBag {
    pub shop_money: MoneyV2,
}

/// An amount in the shop's currency.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MoneyV2 {
    pub amount: String,
    #[serde(default)]
    pub currency_code: String,
}

/// Maps a product; `late_variants` are variants delivered as separate bulk lines.
pub fn product(wire: WireProduct, late_variants: Vec<WireVariant>) -> Result<Product, MapError> {
    let error = |field: String, reason: String| MapError {
        record: "product",
        id: wire.id.clone(),
        field,
        reason,
    };
    let inline = wire.variants.clone().map(|v| v.nodes).unwrap_or_default();
    let variants = inline
        .into_iter()
        .chain(late_variants)
        .enumerate()
        .map(|(i, v)| variant(v).map_err(|e| error(format!("variants[{i}].{}", e.0), e.1)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Product {
        id: ProductId::new(wire.id.clone()),
        title: wire.title,
        handle: wire.handle,
        product_type: wire.product_type,
        tags: wire.tags,
        vendor: wire.vendor,
        status: status(&wire.status),
        variants,
        updated_at: wire.updated_at,
        image_url: wire.featured_media.and_then(WireMedia::url),
    })
}

/// ACTIVE is the only status a shopper can buy from. UNLISTED (2025-10+) is active
/// but hidden from recommendations, so it must not be recommended either; an unknown
/// future status is treated the same way rather than trusted.
fn status(text: &str) -> ProductStatus {
    match text {
        "ACTIVE" => ProductStatus::Active,
        "ARCHIVED" => ProductStatus::Archived,
        "DRAFT" | "UNLISTED" => ProductStatus::Draft,
        other => {
            tracing::warn!(
                status = other,
                "unknown Shopify product status, treated as DRAFT"
            );
            ProductStatus::Draft
        }
    }
}

/// Adds a variant that arrived after its product was stored (bulk output without
/// grouping); a variant already there is replaced.
pub fn add_late_variant(product: &mut Product, wire: WireVariant) -> Result<(), MapError> {
    let mapped = variant(wire).map_err(|(field, reason)| MapError {
        record: "variant",
        id: product.id.0.clone(),
        field,
        reason,
    })?;
    product.variants.retain(|v| v.id != mapped.id);
    product.variants.push(mapped);
    Ok(())
}

/// Adds a line item that arrived after its order was stored (bulk output without
/// grouping). Each line arrives once per pass, and a repeated pass rewrites the order
/// from its record first, so no line is counted twice.
pub fn add_late_line(order: &mut Order, wire: WireLineItem) -> Result<(), MapError> {
    if let Some(mapped) = line(wire).map_err(|(field, reason)| MapError {
        record: "line item",
        id: order.id.0.clone(),
        field,
        reason,
    })? {
        order.lines.push(mapped);
    }
    Ok(())
}

/// A line item, or `None` for custom items and deleted products (no product to link).
fn line(wire: WireLineItem) -> Result<Option<LineItem>, (String, String)> {
    let Some(product) = wire.product else {
        return Ok(None);
    };
    let quantity = u32::try_from(wire.quantity).map_err(|_| {
        (
            "quantity".to_owned(),
            format!("{} is not a count", wire.quantity),
        )
    })?;
    let unit_price =
        Money::parse(&wire.original_unit_price_set.shop_money.amount).map_err(|e| {
            (
                "originalUnitPriceSet.shopMoney.amount".to_owned(),
                e.to_string(),
            )
        })?;
    Ok(Some(LineItem {
        product: ProductId::new(product.id),
        variant: wire.variant.map(|v| VariantId::new(v.id)),
        quantity,
        unit_price,
    }))
}

fn variant(wire: WireVariant) -> Result<Variant, (String, String)> {
    let price = Money::parse(&wire.price).map_err(|e| ("price".to_owned(), e.to_string()))?;
    let compare_at_price = wire
        .compare_at_price
        .as_deref()
        .map(Money::parse)
        .transpose()
        .map_err(|e| ("compareAtPrice".to_owned(), e.to_string()))?;
    Ok(Variant {
        id: VariantId::new(wire.id),
        title: wire.title,
        sku: wire.sku.filter(|s| !s.is_empty()),
        price,
        compare_at_price,
        available: wire.available_for_sale,
        inventory_quantity: wire.inventory_quantity,
    })
}

/// Maps an order, hashing its customer id with the install salt on arrival; lines for
/// custom items or deleted products (no product) are left out. `late_lines` are line
/// items delivered as separate bulk lines.
pub fn order(
    wire: WireOrder,
    late_lines: Vec<WireLineItem>,
    salt: &InstallSalt,
) -> Result<Order, MapError> {
    let error = |field: String, reason: String| MapError {
        record: "order",
        id: wire.id.clone(),
        field,
        reason,
    };
    let inline = wire.line_items.clone().map(|l| l.nodes).unwrap_or_default();
    let mut lines = Vec::new();
    for (i, wire_line) in inline.into_iter().chain(late_lines).enumerate() {
        if let Some(mapped) =
            line(wire_line).map_err(|(f, r)| error(format!("lineItems[{i}].{f}"), r))?
        {
            lines.push(mapped);
        }
    }
    let financial = wire.display_financial_status.as_deref().unwrap_or("");
    Ok(Order {
        id: OrderId::new(wire.id.clone()),
        // processedAt is when the order was placed (imported orders keep their date).
        created_at: wire.processed_at.unwrap_or(wire.created_at),
        // A queued webhook carries the hash in place of the id (`webhook_privacy`).
        customer: wire.customer.map(|c| customer_hash(salt, &c.id)),
        flags: OrderFlags {
            cancelled: wire.cancelled_at.is_some(),
            test: wire.test,
            // Fully refunded or voided orders were not sales; partial refunds still were.
            refunded: matches!(financial, "REFUNDED" | "VOIDED"),
        },
        lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CustomerHash;
    use serde_json::json;

    fn wire_product(value: serde_json::Value) -> WireProduct {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn a_product_keeps_its_gids_and_maps_every_field() {
        let wire = wire_product(json!({
            "id": "gid://shopify/Product/1", "handle": "mug", "title": "Mug",
            "productType": "Kitchen", "vendor": "Acme", "tags": ["ceramic"],
            "status": "ACTIVE", "updatedAt": "2026-11-20T10:00:00Z",
            "featuredMedia": {"preview": {"image": {"url": "https://cdn.shopify.com/s/files/mug.jpg"}}},
            "variants": {"nodes": [{"id": "gid://shopify/ProductVariant/11", "title": "Default",
                "sku": "", "price": "12.00", "compareAtPrice": "15.00",
                "inventoryQuantity": 4, "availableForSale": true}]}
        }));
        let late: WireVariant = serde_json::from_value(json!({
            "id": "gid://shopify/ProductVariant/12", "price": "14.5",
            "compareAtPrice": null, "inventoryQuantity": 0, "availableForSale": false,
            "__parentId": "gid://shopify/Product/1"
        }))
        .unwrap();
        let p = product(wire, vec![late]).unwrap();
        assert_eq!(p.id.as_str(), "gid://shopify/Product/1");
        assert_eq!(p.status, ProductStatus::Active);
        assert_eq!(p.variants.len(), 2);
        assert_eq!(p.variants[0].price, Money::parse("12").unwrap());
        assert_eq!(
            p.variants[0].compare_at_price,
            Some(Money::parse("15").unwrap())
        );
        assert_eq!(p.variants[0].sku, None);
        assert_eq!(p.variants[1].id.as_str(), "gid://shopify/ProductVariant/12");
        assert!(!p.variants[1].available);
        assert!(p.is_available());
        assert_eq!(
            p.image_url.as_deref(),
            Some("https://cdn.shopify.com/s/files/mug.jpg")
        );
    }

    #[test]
    fn unlisted_and_unknown_statuses_are_never_recommendable() {
        for status in ["UNLISTED", "DRAFT", "SOMETHING_NEW"] {
            let wire = wire_product(json!({"id": "gid://shopify/Product/2", "status": status,
                "updatedAt": "2026-11-20T10:00:00Z"}));
            assert_eq!(product(wire, vec![]).unwrap().status, ProductStatus::Draft);
        }
    }

    #[test]
    fn media_without_a_processed_preview_is_no_image() {
        for media in [
            json!(null),
            json!({"preview": null}),
            json!({"preview": {"image": null}}),
        ] {
            let wire = wire_product(json!({"id": "gid://shopify/Product/4", "status": "ACTIVE",
                "updatedAt": "2026-11-20T10:00:00Z", "featuredMedia": media}));
            assert_eq!(product(wire, vec![]).unwrap().image_url, None);
        }
    }

    #[test]
    fn a_bad_price_names_the_product_and_the_field() {
        let wire = wire_product(json!({"id": "gid://shopify/Product/3", "status": "ACTIVE",
            "updatedAt": "2026-11-20T10:00:00Z",
            "variants": {"nodes": [{"id": "v", "price": "12.00", "availableForSale": true},
                                   {"id": "w", "price": "twelve", "availableForSale": true}]}}));
        let err = product(wire, vec![]).unwrap_err();
        assert_eq!(err.field, "variants[1].price");
        assert!(err.to_string().contains("gid://shopify/Product/3"), "{err}");
    }

    fn wire_order(value: serde_json::Value) -> WireOrder {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn an_order_hashes_its_customer_and_skips_lines_without_a_product() {
        let salt = InstallSalt([3; 32]);
        let wire = wire_order(json!({
            "id": "gid://shopify/Order/9", "name": "#1009",
            "createdAt": "2026-11-20T10:00:00Z", "processedAt": "2025-01-05T08:00:00Z",
            "cancelledAt": null, "test": false, "displayFinancialStatus": "PARTIALLY_REFUNDED",
            "customer": {"id": "gid://shopify/Customer/77"},
            "lineItems": {"nodes": [
                {"quantity": 2, "product": {"id": "gid://shopify/Product/1"},
                 "variant": {"id": "gid://shopify/ProductVariant/11"},
                 "originalUnitPriceSet": {"shopMoney": {"amount": "12.0", "currencyCode": "EUR"}}},
                {"quantity": 1, "product": null, "variant": null,
                 "originalUnitPriceSet": {"shopMoney": {"amount": "5.0", "currencyCode": "EUR"}}}
            ]}
        }));
        let o = order(wire, vec![], &salt).unwrap();
        assert_eq!(o.lines.len(), 1);
        assert_eq!(o.lines[0].quantity, 2);
        assert_eq!(o.created_at.to_rfc3339(), "2025-01-05T08:00:00+00:00");
        assert_eq!(
            o.customer,
            Some(CustomerHash::new(&salt, "gid://shopify/Customer/77"))
        );
        assert!(o.counts_as_sale());
    }

    #[test]
    fn cancelled_test_and_refunded_orders_are_flagged() {
        let salt = InstallSalt([3; 32]);
        let base = json!({"id": "o", "createdAt": "2026-11-20T10:00:00Z"});
        let with = |key: &str, value: serde_json::Value| {
            let mut v = base.clone();
            v[key] = value;
            order(wire_order(v), vec![], &salt).unwrap()
        };
        assert!(
            with("cancelledAt", json!("2026-11-21T10:00:00Z"))
                .flags
                .cancelled
        );
        assert!(with("test", json!(true)).flags.test);
        assert!(
            with("displayFinancialStatus", json!("REFUNDED"))
                .flags
                .refunded
        );
        assert!(!with("displayFinancialStatus", json!("PAID")).flags.refunded);
    }

    #[test]
    fn a_negative_quantity_names_the_line() {
        let wire = wire_order(
            json!({"id": "gid://shopify/Order/1", "createdAt": "2026-11-20T10:00:00Z",
            "lineItems": {"nodes": [{"quantity": -1, "product": {"id": "p"},
                "originalUnitPriceSet": {"shopMoney": {"amount": "1"}}}]}}),
        );
        let err = order(wire, vec![], &InstallSalt([0; 32])).unwrap_err();
        assert_eq!(err.field, "lineItems[0].quantity");
    }
}
