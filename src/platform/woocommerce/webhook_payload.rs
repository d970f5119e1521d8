//! WooCommerce webhook bodies (reference §11) into [`WebhookEvent`]s.
//!
//! A delivery carries the v3 REST representation of the resource, so it is read with
//! the pull's wire types and mapped by the pull's mapper: ids, customer hashes, sale
//! flags and prices come out exactly as the pull stores them. What WooCommerce adds:
//! the payload is built *at delivery time*, so a product trashed meanwhile arrives as
//! product.created with status `trash` (a deletion), and one deleted for good arrives
//! as the REST error object, which has no id to act on (ignored; the next pull's
//! reconciliation removes it). `deleted` topics carry only `{"id": N}`. The creation
//! ping (`webhook_id=N`, form-encoded) never reaches this module.

use super::map;
use super::wire::{Billing, ProductType, WireError, WireOrder, WireProduct};
use crate::model::{CustomerHash, InstallSalt, OrderId, ProductId};
use crate::platform::customer_key::from_pseudonym;
use crate::platform::webhook_event::{decode, IdOnly, PayloadError, WebhookEvent};

/// Topics whose body is the resource's REST representation, built at delivery time.
const RECORD_TOPICS: [&str; 6] = [
    "order.created",
    "order.updated",
    "order.restored",
    "product.created",
    "product.updated",
    "product.restored",
];

/// Reads the body of a delivery on `topic` (the `X-WC-Webhook-Topic` header). The body
/// must already be verified. Customers are hashed with `salt` and orders flagged by
/// `sale_statuses`, as the pull does.
pub fn parse(
    topic: &str,
    body: &[u8],
    salt: &InstallSalt,
    sale_statuses: &[String],
) -> Result<WebhookEvent, PayloadError> {
    if RECORD_TOPICS.contains(&topic) {
        if let Some(gone) = deleted_before_delivery(topic, body) {
            return Ok(gone);
        }
    }
    match topic {
        "order.created" | "order.updated" | "order.restored" => {
            order(topic, body, salt, sale_statuses)
        }
        "order.deleted" => {
            let id = decode::<IdOnly>(topic, body)?.id;
            Ok(WebhookEvent::OrderDeleted(OrderId::new(id.to_string())))
        }
        "product.created" | "product.updated" | "product.restored" => product(topic, body),
        "product.deleted" => {
            let id = decode::<IdOnly>(topic, body)?.id;
            Ok(WebhookEvent::ProductDeleted(ProductId::new(id.to_string())))
        }
        "customer.deleted" => {
            let deleted = decode::<DeletedCustomer>(topic, body)?;
            // A queued delivery carries the hash in place of the id (`webhook_privacy`).
            let customer = from_pseudonym(&deleted.billing.email)
                .unwrap_or_else(|| registered_customer(salt, deleted.id));
            Ok(WebhookEvent::CustomerRedact {
                customer: Some(customer),
                orders: Vec::new(),
            })
        }
        other => Ok(WebhookEvent::Ignored(other.to_owned())),
    }
}

/// `customer.deleted`: the customer's id, or their pseudonym in `billing.email`.
#[derive(Debug, serde::Deserialize)]
struct DeletedCustomer {
    id: u64,
    #[serde(default)]
    billing: Billing,
}

/// The hash the pull gives orders of registered customer `id` (see [`map::order`]).
#[must_use]
pub fn registered_customer(salt: &InstallSalt, id: u64) -> CustomerHash {
    CustomerHash::new(salt, &format!("customer:{id}"))
}

/// The REST error object a resource deleted before delivery turns into, as an ignored
/// event. Products and orders have no `code` member, so only an error object reads as
/// one.
fn deleted_before_delivery(topic: &str, body: &[u8]) -> Option<WebhookEvent> {
    let gone = serde_json::from_slice::<WireError>(body).ok()?;
    Some(WebhookEvent::Ignored(format!(
        "{topic}: {}: deleted before delivery, and the body names no id",
        gone.code
    )))
}

/// An order, mapped as the pull maps it. A trashed order (delivered as order.updated
/// after the trash) is a deletion: the pull's listing leaves trash out and its
/// reconciliation removes such orders from the store.
fn order(
    topic: &str,
    body: &[u8],
    salt: &InstallSalt,
    sale_statuses: &[String],
) -> Result<WebhookEvent, PayloadError> {
    let wire: WireOrder = decode(topic, body)?;
    if wire.status == "trash" {
        return Ok(WebhookEvent::OrderDeleted(OrderId::new(
            wire.id.to_string(),
        )));
    }
    map::order(wire, salt, sale_statuses)
        .map(WebhookEvent::Order)
        .map_err(|e| PayloadError::mapped(topic, &e, str::to_owned))
}

/// A product, mapped as the pull maps it. Its variations are only listed by id, so a
/// product that has any is incomplete. A trashed product is a deletion (the pull's
/// trash pass removes it too). A variation's own save also fires product.updated, with
/// the variation as payload; it says nothing the parent's next read will not, so it is
/// ignored.
fn product(topic: &str, body: &[u8]) -> Result<WebhookEvent, PayloadError> {
    let wire: WireProduct = decode(topic, body)?;
    if wire.status == "trash" {
        return Ok(WebhookEvent::ProductDeleted(ProductId::new(
            wire.id.to_string(),
        )));
    }
    if wire.kind == ProductType::Variation {
        return Ok(WebhookEvent::Ignored(format!(
            "{topic}: variation {} of product {}",
            wire.id, wire.parent_id
        )));
    }
    let complete = wire.variations.is_empty();
    let product = map::product(wire).map_err(|e| PayloadError::mapped(topic, &e, str::to_owned))?;
    Ok(WebhookEvent::Product { product, complete })
}

#[cfg(test)]
mod tests;
