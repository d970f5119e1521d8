//! Personal data out of webhook bodies before they are queued. Order and customer
//! deliveries carry the buyer's name, email, phone, addresses and platform id; the
//! queue is in the store, and sled keeps the bytes of a removed value in its log files
//! until it compacts them, so whatever is queued is on disk for a while after the job
//! is done. Only hashed customer ids may be stored: these bodies are reduced to what the
//! parsers read before the queue sees them.
//!
//! What is kept: every member but the personal ones below. The customer is named by a
//! [`pseudonym`] carrying the hash the mappers would compute from their id (or, for a
//! WooCommerce guest, their billing email), where the parsers look for it: a Shopify
//! `customer.admin_graphql_api_id` (its `id` set to 0), a WooCommerce
//! `billing.email` (with `customer_id` 0 for an order, `id` 0 for `customer.*`).
//! Products and other topics pass unchanged: they hold no one's data. A body that is
//! not a JSON object passes unchanged too; the parser reports it.

use serde_json::{json, Map, Value};

use super::customer_key::{customer_key, pseudonym};
use crate::model::{CustomerHash, InstallSalt};

/// Members that describe a person or point to one (WooCommerce's `_links` name the
/// customer's URL), wherever an order or customer body has them.
const PERSONAL: [&str; 23] = [
    "email",
    "contact_email",
    "phone",
    "first_name",
    "last_name",
    "name",
    "company",
    "billing_address",
    "shipping_address",
    "shipping",
    "default_address",
    "addresses",
    "customer_ip_address",
    "customer_user_agent",
    "customer_note",
    "note",
    "note_attributes",
    "browser_ip",
    "client_details",
    "meta_data",
    "properties",
    "username",
    "_links",
];

/// `body` without personal data if `topic` is about a person; see the module doc.
#[must_use]
pub fn minimize(topic: &str, body: &[u8], salt: &InstallSalt) -> Vec<u8> {
    let shopify = topic.starts_with("orders/") || topic.starts_with("customers/");
    let woo_order = topic.starts_with("order.");
    let woo_customer = topic.starts_with("customer.");
    if !(shopify || woo_order || woo_customer) {
        return body.to_vec();
    }
    let Ok(Value::Object(mut object)) = serde_json::from_slice::<Value>(body) else {
        return body.to_vec();
    };
    let customer = if shopify {
        shopify_customer(&object, salt)
    } else {
        woo_customer_of(&object, woo_customer, salt)
    };
    drop_personal(&mut object);
    match customer {
        Some(hash) if shopify => {
            object.insert(
                "customer".into(),
                json!({"id": 0, "admin_graphql_api_id": pseudonym(&hash)}),
            );
        }
        Some(hash) => {
            let id_member = if woo_customer { "id" } else { "customer_id" };
            object.insert(id_member.into(), 0.into());
            object.insert("billing".into(), json!({"email": pseudonym(&hash)}));
        }
        None => {}
    }
    Value::Object(object).to_string().into_bytes()
}

/// Removes the personal members, and the whole customer and billing objects (what the
/// parsers need of them comes back as a pseudonym), from the body and its lines.
fn drop_personal(object: &mut Map<String, Value>) {
    object.retain(|key, _| !PERSONAL.contains(&key.as_str()) && key != "billing");
    if let Some(Value::Object(_)) = object.get("customer") {
        object.remove("customer");
    }
    if let Some(Value::Array(lines)) = object.get_mut("line_items") {
        for line in lines.iter_mut().filter_map(Value::as_object_mut) {
            line.retain(|key, _| key == "name" || !PERSONAL.contains(&key.as_str()));
        }
    }
}

/// The hash of a Shopify body's customer, as the mapper computes it from their GID.
fn shopify_customer(object: &Map<String, Value>, salt: &InstallSalt) -> Option<CustomerHash> {
    let customer = object.get("customer")?;
    let id = customer
        .get("admin_graphql_api_id")
        .and_then(Value::as_str)
        .filter(|gid| !gid.trim().is_empty())
        .map(str::to_owned)
        .or_else(|| {
            customer
                .get("id")
                .and_then(Value::as_u64)
                .map(|n| n.to_string())
        })?;
    let key = customer_key("shopify", &id).ok()?;
    Some(CustomerHash::new(salt, &key))
}

/// The hash of a WooCommerce body's customer: a registered one by id (`customer_id`
/// of an order, `id` of a customer), a guest by billing email.
fn woo_customer_of(
    object: &Map<String, Value>,
    is_customer: bool,
    salt: &InstallSalt,
) -> Option<CustomerHash> {
    let id_member = if is_customer { "id" } else { "customer_id" };
    let registered = object
        .get(id_member)
        .and_then(Value::as_u64)
        .filter(|id| *id != 0);
    if let Some(id) = registered {
        let key = customer_key("woocommerce", &id.to_string()).ok()?;
        return Some(CustomerHash::new(salt, &key));
    }
    let email = object.get("billing")?.get("email")?.as_str()?.trim();
    (!email.is_empty()).then(|| CustomerHash::new(salt, &format!("email:{}", email.to_lowercase())))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::platform::customer_key::from_pseudonym;

    fn salt() -> InstallSalt {
        InstallSalt([9; 32])
    }

    fn minimized(topic: &str, body: &Value) -> Value {
        serde_json::from_slice(&minimize(topic, body.to_string().as_bytes(), &salt())).unwrap()
    }

    fn carried(value: &Value) -> CustomerHash {
        from_pseudonym(value.as_str().unwrap()).unwrap()
    }

    #[test]
    fn a_shopify_order_keeps_its_lines_and_the_customer_hash_and_loses_the_person() {
        let body = json!({"id": 5, "email": "ann@example.com", "phone": "+4917012",
            "customer": {"id": 7, "admin_graphql_api_id": "gid://shopify/Customer/7",
                         "email": "ann@example.com", "first_name": "Ann",
                         "default_address": {"address1": "Lindenallee 3"}},
            "billing_address": {"name": "Ann Achterberg"}, "shipping_address": {},
            "line_items": [{"product_id": 1, "quantity": 2, "price": "3.00", "name": "Mug",
                            "properties": [{"name": "engraving", "value": "Ann"}]}]});
        let out = minimized("orders/create", &body);
        let hash = CustomerHash::new(&salt(), "gid://shopify/Customer/7");
        assert_eq!(
            out,
            json!({"id": 5,
                   "customer": {"id": 0, "admin_graphql_api_id": pseudonym(&hash)},
                   "line_items": [{"product_id": 1, "quantity": 2, "price": "3.00", "name": "Mug"}]})
        );
    }

    #[test]
    fn a_woocommerce_guest_and_a_registered_customer_keep_only_their_hash() {
        let guest = json!({"id": 9, "customer_id": 0, "status": "completed",
            "billing": {"first_name": "Ann", "email": "Ann@Example.com ", "phone": "1"},
            "shipping": {"address_1": "Lindenallee 3"}, "customer_ip_address": "10.0.0.1"});
        let out = minimized("order.created", &guest);
        let text = out.to_string();
        assert!(!text.contains("Ann") && !text.contains("xample") && !text.contains("Linden"));
        assert_eq!(
            carried(&out["billing"]["email"]),
            CustomerHash::new(&salt(), "email:ann@example.com")
        );
        let registered = json!({"id": 9, "customer_id": 12, "billing": {"email": "a@b.example"}});
        let out = minimized("order.updated", &registered);
        assert_eq!(out["customer_id"], json!(0));
        assert_eq!(
            carried(&out["billing"]["email"]),
            CustomerHash::new(&salt(), "customer:12")
        );
        let deleted = minimized(
            "customer.deleted",
            &json!({"id": 12, "email": "a@b.example"}),
        );
        assert_eq!(deleted["id"], json!(0));
        assert_eq!(
            carried(&deleted["billing"]["email"]),
            CustomerHash::new(&salt(), "customer:12")
        );
    }

    /// What matters: the parsers read the same events from a minimized body as from
    /// the one the platform sent.
    #[test]
    fn the_parsers_read_the_same_events_from_minimized_bodies() {
        use crate::platform::{shopify, woocommerce};
        let line = json!({"product_id": 1, "variant_id": 2, "quantity": 1, "price": "3.00"});
        let shopify_order = json!({"id": 5, "admin_graphql_api_id": "gid://shopify/Order/5",
            "created_at": "2026-11-18T09:00:00-05:00", "email": "ann@example.com",
            "customer": {"id": 7, "email": "ann@example.com"}, "line_items": [line]});
        let redact = json!({"customer": {"id": 7, "email": "ann@example.com"},
            "orders_to_redact": [5]});
        for (topic, body) in [
            ("orders/create", shopify_order),
            ("customers/redact", redact),
        ] {
            let raw = body.to_string().into_bytes();
            let parse = |b: &[u8]| shopify::webhook_payload::parse(topic, b, &salt()).unwrap();
            assert_eq!(
                parse(&minimize(topic, &raw, &salt())),
                parse(&raw),
                "{topic}"
            );
        }
        let woo_line = json!({"id": 1, "product_id": 3, "variation_id": 0, "quantity": 1,
            "price": 4.5, "subtotal": "4.50", "total": "4.50"});
        let sales = ["completed".to_owned()];
        for body in [
            json!({"id": 9, "status": "completed", "date_created_gmt": "2026-01-02T03:04:05",
                   "customer_id": 0, "billing": {"email": "Guest@Example.com"},
                   "line_items": [woo_line]}),
            json!({"id": 9, "status": "completed", "date_created_gmt": "2026-01-02T03:04:05",
                   "customer_id": 12, "billing": {"email": "reg@example.com"},
                   "line_items": [woo_line]}),
        ] {
            let raw = body.to_string().into_bytes();
            let parse = |b: &[u8]| {
                woocommerce::webhook_payload::parse("order.created", b, &salt(), &sales).unwrap()
            };
            assert_eq!(
                parse(&minimize("order.created", &raw, &salt())),
                parse(&raw)
            );
        }
        let raw = br#"{"id": 12, "email": "reg@example.com"}"#;
        let parse =
            |b: &[u8]| woocommerce::webhook_payload::parse("customer.deleted", b, &salt(), &sales);
        assert_eq!(
            parse(&minimize("customer.deleted", raw, &salt())).unwrap(),
            parse(raw).unwrap()
        );
    }

    #[test]
    fn products_and_unreadable_bodies_pass_unchanged() {
        let product = json!({"id": 1, "name": "Mug", "meta_data": [{"key": "k", "value": 1}]});
        let bytes = product.to_string().into_bytes();
        assert_eq!(minimize("product.updated", &bytes, &salt()), bytes);
        assert_eq!(minimize("orders/create", b"not json", &salt()), b"not json");
    }
}
