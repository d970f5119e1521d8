//! What a verified webhook delivery means for the store, whatever platform sent it.
//!
//! The platform parsers (`shopify::webhook_payload`, `woocommerce::webhook_payload`)
//! turn a topic and a raw body into a [`WebhookEvent`] whose ids, customer hashes,
//! flags and prices are exactly what the pull stores for the same record, so a webhook
//! and a later pull never disagree about one order or product. A body that does not fit
//! its topic is a [`PayloadError`] naming the field, never quoting the body (it may hold
//! a customer's name or address).

use serde::de::DeserializeOwned;

use crate::model::{CustomerHash, Order, OrderId, Product, ProductId};
use crate::platform::map_error::MapError;

/// A delivery reduced to what the daemon does about it.
#[derive(Clone, Debug, PartialEq)]
pub enum WebhookEvent {
    /// An order was created or changed (paid, cancelled, refunded...): upsert it. Its
    /// flags say whether it counts as a sale.
    Order(Order),
    /// An order was deleted (or trashed): remove it.
    OrderDeleted(OrderId),
    /// A product was created or changed. `complete == false` means its variants are not
    /// (fully) in the payload and must be fetched or kept from the stored copy:
    /// WooCommerce variable products list only variation ids, and Shopify payloads
    /// since 2024-07 lack `inventory_management`, so an out-of-stock variant that does
    /// not sell on backorder may or may not be tracked, i.e. may or may not be buyable.
    Product {
        /// The product as the pull maps it (for `complete == false`, with the variants
        /// the payload could describe).
        product: Product,
        /// Whether `product.variants` is the whole truth.
        complete: bool,
    },
    /// A product was deleted (or trashed): remove it and its lists.
    ProductDeleted(ProductId),
    /// Privacy: forget this customer's orders (the hashed id, plus the platform order
    /// ids the payload names).
    CustomerRedact {
        /// The customer, hashed as the pull hashes order customers.
        customer: Option<CustomerHash>,
        /// Orders the platform asks to redact.
        orders: Vec<OrderId>,
    },
    /// Privacy: a data request; we hold no personal data, only hashed ids: acknowledged,
    /// nothing to do.
    CustomerDataRequest,
    /// Privacy: delete everything stored for the shop.
    ShopRedact,
    /// The app was uninstalled: stop syncing the shop, keep its data.
    Uninstalled,
    /// A topic we subscribe to but do not act on, or do not know: acknowledged and
    /// dropped (its name, or why, for the log).
    Ignored(String),
}

/// Longest reason kept: serde quotes the offending value, which must not turn an error
/// message into a copy of the payload.
const MAX_REASON: usize = 200;

/// Why a delivery's body does not fit its topic. Answer 2xx anyway (a redelivery would
/// carry the same body), log it, and let the next pull repair what it described.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{topic} webhook: field `{field}`: {reason}")]
pub struct PayloadError {
    /// The topic as the platform named it (`orders/create`, `product.updated`).
    pub topic: String,
    /// The field path in the payload's own spelling (`line_items[1].quantity`), `.`
    /// for the body as a whole.
    pub field: String,
    /// What was wrong.
    pub reason: String,
}

impl PayloadError {
    /// An error about `field` of a `topic` payload.
    pub fn new(topic: &str, field: impl Into<String>, reason: impl Into<String>) -> Self {
        let mut reason: String = reason.into();
        if reason.chars().count() > MAX_REASON {
            reason = reason.chars().take(MAX_REASON).collect::<String>() + "…";
        }
        Self {
            topic: topic.to_owned(),
            field: field.into(),
            reason,
        }
    }

    /// A record the mapper refused; `field` translates its field path into the
    /// payload's spelling where the mapper read another shape.
    pub fn mapped(topic: &str, error: &MapError, field: impl Fn(&str) -> String) -> Self {
        let reason = format!("{} {}: {}", error.record, error.id, error.reason);
        Self::new(topic, field(&error.field), reason)
    }
}

/// Reads a JSON body into `T`, naming the field that did not fit.
pub fn decode<T: DeserializeOwned>(topic: &str, body: &[u8]) -> Result<T, PayloadError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize::<_, T>(&mut deserializer).map_err(|e| {
        let mut field = e.path().to_string();
        let inner = e.into_inner();
        if inner.classify() == serde_json::error::Category::Data {
            let reason = inner.to_string();
            if let Some(missing) = missing_field(&reason) {
                field = join(&field, missing);
            }
            PayloadError::new(topic, field, reason)
        } else if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok() {
            // Valid JSON that serde_json still reports as a syntax error: a list where
            // an enum's text belongs reads as "expected value". The shape at the path
            // is wrong, so name the path.
            let field = if field.is_empty() {
                ".".to_owned()
            } else {
                field
            };
            PayloadError::new(topic, field, format!("unexpected value ({inner})"))
        } else {
            // The body as a whole is not JSON; the reason says where. (The parser's
            // path there may be an empty key, which would name no field at all.)
            PayloadError::new(topic, ".", format!("not valid JSON ({inner})"))
        }
    })?;
    deserializer.end().map_err(|e| {
        PayloadError::new(topic, ".", format!("trailing data after the JSON ({e})"))
    })?;
    Ok(value)
}

/// The name in serde's "missing field `id` at line 1 column 9": `serde_path_to_error`
/// stops at the record that lacks it, but the field to name is the missing one.
fn missing_field(reason: &str) -> Option<&str> {
    reason.strip_prefix("missing field `")?.split('`').next()
}

/// `parent.name`, or just `name` at the root (`.`).
fn join(parent: &str, name: &str) -> String {
    if parent == "." {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    }
}

/// `{"id": N}`, the whole body of the platforms' deletion topics.
#[derive(Debug, Clone, Copy, serde::Deserialize)]
pub struct IdOnly {
    /// The deleted record's numeric id.
    pub id: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_names_the_field_and_the_body_is_not_json() {
        let err = decode::<IdOnly>("products/delete", br#"{"id": "12"}"#).unwrap_err();
        assert_eq!(err.field, "id");
        assert!(err
            .to_string()
            .starts_with("products/delete webhook: field `id`"));
        let err = decode::<IdOnly>("products/delete", b"{}").unwrap_err();
        assert_eq!(err.field, "id");
        let err = decode::<Vec<IdOnly>>("t", br#"[{"id": 1}, {"x": 2}]"#).unwrap_err();
        assert_eq!(err.field, "[1].id");
        let err = decode::<IdOnly>("products/delete", b"<html>").unwrap_err();
        assert_eq!(err.field, ".");
        assert!(err.reason.starts_with("not valid JSON"), "{err}");
        let err = decode::<IdOnly>("products/delete", br#"{"id": 1} {}"#).unwrap_err();
        assert!(err.reason.starts_with("trailing data"), "{err}");
        assert_eq!(decode::<IdOnly>("t", br#"{"id": 7}"#).unwrap().id, 7);
    }

    #[test]
    fn a_body_that_is_not_json_names_the_whole_body_even_inside_an_empty_key() {
        // Found by the webhook_woocommerce fuzz target: the field came out empty.
        let err = decode::<IdOnly>("order.created", br#"{"":r0}:60}d"20}"#).unwrap_err();
        assert_eq!(err.field, ".");
        assert!(err.reason.starts_with("not valid JSON"), "{err}");
    }

    #[test]
    fn a_list_where_an_enum_belongs_names_the_field_not_the_whole_body() {
        // Found by tests/hostile_webhooks.rs: serde_json calls this a syntax error.
        #[derive(Debug, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        enum Kind {
            Simple,
            #[serde(other)]
            Other,
        }
        #[derive(Debug, serde::Deserialize)]
        struct Typed {
            #[serde(rename = "type")]
            _kind: Kind,
        }
        let err = decode::<Typed>("product.created", br#"{"type": []}"#).unwrap_err();
        assert_eq!(err.field, "type", "{err}");
        assert!(!err.reason.starts_with("not valid JSON"), "{err}");
    }

    #[test]
    fn long_reasons_are_cut_so_no_body_is_copied_into_logs() {
        let value = "x".repeat(5_000);
        let body = format!(r#"{{"id": "{value}"}}"#);
        let err = decode::<IdOnly>("t", body.as_bytes()).unwrap_err();
        assert!(err.reason.chars().count() <= MAX_REASON + 1);
    }
}
