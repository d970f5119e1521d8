//! WooCommerce REST API v3 wire shapes: only the fields the daemon reads, as the API
//! sends them (reference §5, §6, §8, §9; checked against the captured fixtures).
//!
//! Unknown fields are ignored, so newer WooCommerce versions and plugins adding fields
//! do not break reads. Nearly every field has a default because `_fields=` trims
//! responses to what was asked for, and webhook payloads are built at delivery time
//! (a force-deleted product arrives as an [`WireError`]). Money stays as the text the
//! store sent (`""` when unset); parsing is the mapper's job, so it can name the field.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer};

/// A product from `/products`, `/products/{id}`, a batch item or a product webhook.
#[derive(Debug, Clone, Deserialize)]
pub struct WireProduct {
    /// Numeric id; kept as text in the model.
    pub id: u64,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub slug: String,
    /// Absent only when trimmed away with `_fields=`.
    #[serde(default, rename = "type")]
    pub kind: ProductType,
    /// draft, pending, private, publish, future or trash.
    #[serde(default)]
    pub status: String,
    /// visible, catalog, search or hidden.
    #[serde(default)]
    pub catalog_visibility: String,
    /// Current effective price; `""` when unset or when the merchant typed nonsense.
    #[serde(default, deserialize_with = "string_or_null")]
    pub price: String,
    #[serde(default, deserialize_with = "string_or_null")]
    pub regular_price: String,
    #[serde(default, deserialize_with = "string_or_null")]
    pub sale_price: String,
    #[serde(default, deserialize_with = "string_or_null")]
    pub sku: String,
    /// instock, outofstock or onbackorder.
    #[serde(default)]
    pub stock_status: String,
    /// Null when stock is not managed.
    #[serde(default)]
    pub stock_quantity: Option<i64>,
    /// Parent of a variation fetched through `/products/{id}`; 0 otherwise.
    #[serde(default)]
    pub parent_id: u64,
    #[serde(default)]
    pub categories: Vec<Term>,
    #[serde(default)]
    pub tags: Vec<Term>,
    /// Brands (WooCommerce 9.6+); absent on older stores.
    #[serde(default)]
    pub brands: Vec<Term>,
    #[serde(default)]
    pub attributes: Vec<WireAttribute>,
    /// The product image first, then the gallery; empty without images.
    #[serde(default)]
    pub images: Vec<WireImage>,
    /// Variation ids of a variable product (read-only).
    #[serde(default)]
    pub variations: Vec<u64>,
    /// Stored as sent: may hold unknown ids, the product itself, or duplicates (§7).
    #[serde(default)]
    pub upsell_ids: Vec<u64>,
    #[serde(default)]
    pub cross_sell_ids: Vec<u64>,
    #[serde(default)]
    pub meta_data: Vec<WireMeta>,
    /// Last change in UTC, the incremental sync's high-water mark.
    #[serde(default, deserialize_with = "gmt")]
    pub date_modified_gmt: Option<DateTime<Utc>>,
}

/// `type` of a product. Variations only show up as `variation` when fetched by id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductType {
    Simple,
    Variable,
    Grouped,
    External,
    Variation,
    /// A type added by a plugin (subscriptions, bundles), or the field was trimmed.
    #[default]
    #[serde(other)]
    Other,
}

/// A variation from `/products/{id}/variations`. Its `name` is just the attribute
/// value ("M").
#[derive(Debug, Clone, Deserialize)]
pub struct WireVariation {
    pub id: u64,
    #[serde(default)]
    pub parent_id: u64,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub status: String,
    #[serde(default, deserialize_with = "string_or_null")]
    pub sku: String,
    #[serde(default, deserialize_with = "string_or_null")]
    pub price: String,
    #[serde(default, deserialize_with = "string_or_null")]
    pub regular_price: String,
    #[serde(default, deserialize_with = "string_or_null")]
    pub sale_price: String,
    #[serde(default)]
    pub stock_status: String,
    #[serde(default)]
    pub stock_quantity: Option<i64>,
    /// `{id, name, slug, option}`; the slug's case may differ from the parent's.
    #[serde(default)]
    pub attributes: Vec<WireAttribute>,
    #[serde(default)]
    pub meta_data: Vec<WireMeta>,
    #[serde(default, deserialize_with = "gmt")]
    pub date_modified_gmt: Option<DateTime<Utc>>,
}

/// An image of a product's `images`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct WireImage {
    /// The full-size file's URL.
    pub src: String,
}

/// A category, tag or brand reference.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Term {
    pub id: u64,
    pub name: String,
    pub slug: String,
}

/// A product attribute (`options`) or a variation's chosen value (`option`).
/// `id` is 0 for custom (local) attributes.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct WireAttribute {
    pub id: u64,
    pub name: String,
    pub slug: String,
    pub variation: bool,
    pub options: Vec<String>,
    pub option: Option<String>,
}

/// One `meta_data` entry. Scalars come back as strings (`42` → `"42"`), objects and
/// arrays as JSON, so the value is kept untyped.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct WireMeta {
    pub id: u64,
    pub key: String,
    pub value: serde_json::Value,
}

/// An order from `/orders`, `/orders/{id}` or an order webhook.
#[derive(Debug, Clone, Deserialize)]
pub struct WireOrder {
    pub id: u64,
    /// pending, processing, on-hold, completed, cancelled, refunded, failed,
    /// checkout-draft (and trash).
    #[serde(default)]
    pub status: String,
    #[serde(default, deserialize_with = "gmt")]
    pub date_created_gmt: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "gmt")]
    pub date_modified_gmt: Option<DateTime<Utc>>,
    /// 0 for guest orders.
    #[serde(default)]
    pub customer_id: u64,
    #[serde(default)]
    pub billing: Billing,
    #[serde(default)]
    pub line_items: Vec<WireLineItem>,
}

/// The part of the billing address we read: only the email, to key guests. It is
/// hashed on mapping and never stored.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Billing {
    /// May be `""` (or null on orders created without one).
    #[serde(default, deserialize_with = "string_or_null")]
    pub email: String,
}

/// One order line.
#[derive(Debug, Clone, Deserialize)]
pub struct WireLineItem {
    #[serde(default)]
    pub id: u64,
    /// The parent product for variations; 0 when the product was deleted since.
    #[serde(default)]
    pub product_id: u64,
    /// 0 for simple products.
    #[serde(default)]
    pub variation_id: u64,
    #[serde(default)]
    pub quantity: i64,
    /// Unit price after discounts, a JSON **number** (`22.5`, `79`), unlike every
    /// other money field.
    #[serde(default)]
    pub price: Option<f64>,
    #[serde(default, deserialize_with = "string_or_null")]
    pub subtotal: String,
    #[serde(default, deserialize_with = "string_or_null")]
    pub total: String,
}

/// `POST /{resource}/batch` response: only the lists that were sent are present.
#[derive(Debug, Clone, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct WireBatch<T> {
    #[serde(default)]
    pub create: Vec<BatchItem<T>>,
    #[serde(default)]
    pub update: Vec<BatchItem<T>>,
    #[serde(default)]
    pub delete: Vec<BatchItem<T>>,
}

/// One batch result: the full object, or a per-item error (`id` 0 for a failed create).
/// `Failed` is tried first because it needs an `error` member, while the object
/// shapes accept almost anything.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum BatchItem<T> {
    Failed { id: u64, error: WireError },
    Done(T),
}

/// The error body `{code, message, data: {status, ...}}` of every failed request (and
/// of a product webhook whose product was deleted before delivery).
#[derive(Debug, Clone, Deserialize)]
pub struct WireError {
    pub code: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub data: ErrorData,
}

/// `data` of an error. Validation errors add `params` and `details`, kept untyped.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ErrorData {
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub params: Option<serde_json::Value>,
    #[serde(default)]
    pub details: Option<serde_json::Value>,
}

/// Reads a `*_gmt` date. WooCommerce sends UTC without a designator
/// (`2026-11-20T10:00:00`); a value with an offset is accepted too, in case a plugin
/// or proxy rewrites it. Null stays `None` (unpaid, incomplete).
fn gmt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    let Some(text) = Option::<String>::deserialize(d)? else {
        return Ok(None);
    };
    if let Ok(naive) = text.parse::<NaiveDateTime>() {
        return Ok(Some(naive.and_utc()));
    }
    DateTime::parse_from_rfc3339(&text)
        .map(|t| Some(t.with_timezone(&Utc)))
        .map_err(|e| serde::de::Error::custom(format!("bad GMT date {text:?}: {e}")))
}

/// Text fields that some stores send as null instead of `""`.
fn string_or_null<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn gmt_dates_without_designator_are_utc() {
        let p: WireProduct =
            serde_json::from_value(json!({"id": 1, "date_modified_gmt": "2026-11-20T10:00:00"}))
                .unwrap();
        assert_eq!(
            p.date_modified_gmt.unwrap().to_rfc3339(),
            "2026-11-20T10:00:00+00:00"
        );
        let p: WireProduct =
            serde_json::from_value(json!({"id": 1, "date_modified_gmt": null})).unwrap();
        assert!(p.date_modified_gmt.is_none());
        assert!(serde_json::from_value::<WireProduct>(
            json!({"id": 1, "date_modified_gmt": "yesterday"})
        )
        .is_err());
    }

    #[test]
    fn unknown_types_and_fields_are_tolerated() {
        let p: WireProduct = serde_json::from_value(
            json!({"id": 5, "type": "subscription", "price": null, "whatever": [1]}),
        )
        .unwrap();
        assert_eq!(p.kind, ProductType::Other);
        assert_eq!(p.price, "");
    }

    #[test]
    fn batch_items_are_objects_or_errors() {
        let b: WireBatch<WireProduct> = serde_json::from_value(json!({
            "update": [
                {"id": 12, "name": "Grinder"},
                {"id": 9, "error": {"code": "woocommerce_rest_product_invalid_id",
                    "message": "Invalid ID.", "data": {"status": 400}}}
            ]
        }))
        .unwrap();
        assert!(b.create.is_empty());
        assert!(matches!(&b.update[0], BatchItem::Done(p) if p.id == 12));
        assert!(
            matches!(&b.update[1], BatchItem::Failed { id: 9, error } if error.data.status == Some(400))
        );
    }
}
