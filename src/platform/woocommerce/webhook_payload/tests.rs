//! Every captured delivery (`shared/fixtures/woocommerce/webhook_delivery_*.json`) is
//! parsed from its raw body, and what a webhook maps equals what the pull maps from the
//! same JSON.

use std::path::PathBuf;

use serde_json::{json, Value};

use super::{parse, registered_customer};
use crate::model::{InstallSalt, OrderId, ProductId};
use crate::platform::webhook_event::{PayloadError, WebhookEvent};
use crate::platform::webhook_signature::verify;
use crate::platform::woocommerce::map;
use crate::platform::woocommerce::wire::{WireOrder, WireProduct};

/// The capture store's webhook secret (not a credential, see the fixtures' README).
const CAPTURE_SECRET: &[u8] = b"harness-webhook-secret-not-a-credential";

fn dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/fixtures/woocommerce/"
    ))
}

fn load(name: &str) -> Value {
    let text = std::fs::read_to_string(dir().join(format!("{name}.json"))).expect("fixture");
    serde_json::from_str(&text).expect("fixture JSON")
}

fn salt() -> InstallSalt {
    InstallSalt([9; 32])
}

fn sales() -> Vec<String> {
    vec!["processing".to_owned(), "completed".to_owned()]
}

fn header<'a>(capture: &'a Value, name: &str) -> Option<&'a str> {
    capture["headers"]
        .as_array()?
        .iter()
        .find(|pair| {
            pair[0]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
        .and_then(|pair| pair[1].as_str())
}

/// A capture's event, parsed from the exact bytes received; `None` for the ping, which
/// the server answers before any parsing.
fn delivered(name: &str) -> Option<(Value, WebhookEvent)> {
    let capture = load(name);
    let topic = header(&capture, "X-WC-Webhook-Topic")?.to_owned();
    let raw = capture["body_raw"].as_str().expect("body_raw").to_owned();
    let signature = header(&capture, "X-WC-Webhook-Signature").expect("signed");
    assert_eq!(verify(CAPTURE_SECRET, raw.as_bytes(), signature), Ok(()));
    let event = parse(&topic, raw.as_bytes(), &salt(), &sales()).expect(name);
    Some((capture["body_json"].clone(), event))
}

/// What the pull stores for an order record (`pull::fetch_orders`).
fn pulled_order(json: Value) -> crate::model::Order {
    let wire: WireOrder = serde_json::from_value(json).unwrap();
    map::order(wire, &salt(), &sales()).unwrap()
}

/// What the pull stores for a product record before its variations are added.
fn pulled_product(json: Value) -> crate::model::Product {
    let wire: WireProduct = serde_json::from_value(json).unwrap();
    map::product(wire).unwrap()
}

/// What each capture must give, by file name.
fn expected(name: &str, json: Value) -> Option<WebhookEvent> {
    Some(match name {
        "webhook_delivery_ping" => return None,
        "webhook_delivery_order_created" | "webhook_delivery_order_updated" => {
            WebhookEvent::Order(pulled_order(json))
        }
        "webhook_delivery_product_updated" => WebhookEvent::Product {
            product: pulled_product(json),
            complete: true,
        },
        // Built at delivery time: the product had been trashed meanwhile.
        "webhook_delivery_product_created" | "webhook_delivery_product_deleted" => {
            WebhookEvent::ProductDeleted(ProductId::new("20"))
        }
        "webhook_delivery_product_created_after_force_delete" => WebhookEvent::Ignored(
            "product.created: woocommerce_rest_product_invalid_id: deleted before delivery, \
             and the body names no id"
                .to_owned(),
        ),
        other => panic!("capture {other} has no expectation here: add one"),
    })
}

#[test]
fn every_captured_delivery_parses_as_expected() {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .expect("fixtures")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".json").map(str::to_owned))
        .filter(|n| n.starts_with("webhook_delivery_"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 7, "{names:?}");
    for name in names {
        let event = delivered(&name);
        let want = expected(&name, load(&name)["body_json"].clone());
        assert_eq!(event.map(|(_, e)| e), want, "{name}");
    }
}

#[test]
fn a_delivered_order_is_what_the_pull_stores() {
    let (json, event) = delivered("webhook_delivery_order_created").unwrap();
    let WebhookEvent::Order(order) = event else {
        panic!("{event:?}");
    };
    assert_eq!(order, pulled_order(json));
    assert_eq!(order.id, OrderId::new("21"));
    // Pending: kept, never a sale.
    assert!(order.flags.test && !order.counts_as_sale());
    assert_eq!(order.customer, None, "a guest without an email");

    // The captured paid guest order, delivered as order.updated.
    let record = load("order_single")["response"]["body"].clone();
    let body = serde_json::to_vec(&record).unwrap();
    let event = parse("order.updated", &body, &salt(), &sales()).unwrap();
    assert_eq!(event, WebhookEvent::Order(pulled_order(record)));
    let WebhookEvent::Order(order) = event else {
        unreachable!()
    };
    assert!(order.counts_as_sale() && order.customer.is_some());
    assert_eq!(
        parse("order.restored", &body, &salt(), &sales()).unwrap(),
        WebhookEvent::Order(order)
    );
}

#[test]
fn a_variable_product_is_incomplete_and_a_variation_is_ignored() {
    let record = load("product_single_variable")["response"]["body"].clone();
    let body = serde_json::to_vec(&record).unwrap();
    assert_eq!(
        parse("product.updated", &body, &salt(), &sales()).unwrap(),
        WebhookEvent::Product {
            product: pulled_product(record),
            complete: false,
        }
    );
    let variation = load("product_get_variation_id_via_products")["response"]["body"].clone();
    let body = serde_json::to_vec(&variation).unwrap();
    assert_eq!(
        parse("product.updated", &body, &salt(), &sales()).unwrap(),
        WebhookEvent::Ignored("product.updated: variation 14 of product 13".to_owned())
    );
}

#[test]
fn restored_products_and_simple_ones_are_complete() {
    let record = load("product_single")["response"]["body"].clone();
    let body = serde_json::to_vec(&record).unwrap();
    for topic in ["product.created", "product.updated", "product.restored"] {
        assert_eq!(
            parse(topic, &body, &salt(), &sales()).unwrap(),
            WebhookEvent::Product {
                product: pulled_product(record.clone()),
                complete: true,
            },
            "{topic}"
        );
    }
}

#[test]
fn deletions_trash_and_customers() {
    let parsed = |topic: &str, body: &[u8]| parse(topic, body, &salt(), &sales()).unwrap();
    assert_eq!(
        parsed("order.deleted", br#"{"id":21}"#),
        WebhookEvent::OrderDeleted(OrderId::new("21"))
    );
    let trashed = json!({"id": 17, "status": "trash", "date_created_gmt": "2026-11-21T16:41:03"});
    assert_eq!(
        parsed("order.updated", &serde_json::to_vec(&trashed).unwrap()),
        WebhookEvent::OrderDeleted(OrderId::new("17"))
    );
    let gone = br#"{"code":"woocommerce_rest_shop_order_invalid_id","message":"Invalid ID.","data":{"status":404}}"#;
    assert!(
        matches!(parsed("order.updated", gone), WebhookEvent::Ignored(why)
        if why.contains("woocommerce_rest_shop_order_invalid_id"))
    );
    assert_eq!(
        parsed("customer.deleted", br#"{"id":2}"#),
        WebhookEvent::CustomerRedact {
            customer: Some(registered_customer(&salt(), 2)),
            orders: Vec::new(),
        }
    );
    // The hash is the one the pull gives customer 2's orders.
    let order = pulled_order(json!({"id": 17, "status": "completed", "customer_id": 2,
        "date_created_gmt": "2026-11-21T16:41:03"}));
    assert_eq!(order.customer, Some(registered_customer(&salt(), 2)));
    for topic in ["coupon.created", "customer.created", "action.woocommerce_x"] {
        assert_eq!(
            parsed(topic, br#"{"id":1,"code":"SAVE10"}"#),
            WebhookEvent::Ignored(topic.to_owned())
        );
    }
}

fn error(topic: &str, body: &[u8]) -> PayloadError {
    parse(topic, body, &salt(), &sales()).unwrap_err()
}

#[test]
fn bad_bodies_name_the_field() {
    assert_eq!(error("product.deleted", br#"{"name":"x"}"#).field, "id");
    assert_eq!(error("order.deleted", br#"{"id":"21"}"#).field, "id");
    assert_eq!(
        error("product.updated", br#"{"name":"no id","status":"publish"}"#).field,
        "id"
    );
    let mut order = load("webhook_delivery_order_created")["body_json"].clone();
    order["line_items"][0]["quantity"] = json!("1");
    let err = error("order.created", &serde_json::to_vec(&order).unwrap());
    assert_eq!(err.field, "line_items[0].quantity");
    assert!(
        err.to_string().starts_with("order.created webhook"),
        "{err}"
    );
    assert!(
        !err.to_string().contains("Hand Grinder"),
        "no body in errors"
    );

    order["line_items"][0]["quantity"] = json!(-1);
    let err = error("order.created", &serde_json::to_vec(&order).unwrap());
    assert_eq!(err.field, "line_items[0].quantity");

    let mut product = load("webhook_delivery_product_updated")["body_json"].clone();
    product["regular_price"] = json!("12,50");
    let err = error("product.updated", &serde_json::to_vec(&product).unwrap());
    assert_eq!(err.field, "regular_price");
    assert!(err.reason.starts_with("product 11:"), "{err}");

    let err = error("product.updated", b"webhook_id=1");
    assert_eq!(err.field, ".");
    assert!(err.reason.contains("not valid JSON"), "{err}");
}
