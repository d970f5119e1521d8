//! Every record is built twice, GraphQL-shaped through `map` (what the pull stores) and
//! REST-shaped through `parse` (what a webhook delivers), and the two must be equal.

use serde_json::{json, Value};

use super::parse;
use crate::model::{CustomerHash, InstallSalt, Order, OrderId, Product, ProductId};
use crate::platform::shopify::map;
use crate::platform::webhook_event::{PayloadError, WebhookEvent};

fn salt() -> InstallSalt {
    InstallSalt([5; 32])
}

fn body(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).unwrap()
}

fn pulled_product(graphql: Value) -> Product {
    map::product(serde_json::from_value(graphql).unwrap(), Vec::new()).unwrap()
}

fn pulled_order(graphql: Value) -> Order {
    map::order(
        serde_json::from_value(graphql).unwrap(),
        Vec::new(),
        &salt(),
    )
    .unwrap()
}

fn delivered_product(topic: &str, rest: &Value) -> (Product, bool) {
    match parse(topic, &body(rest), &salt()).unwrap() {
        WebhookEvent::Product { product, complete } => (product, complete),
        other => panic!("not a product: {other:?}"),
    }
}

fn delivered_order(topic: &str, rest: &Value) -> Order {
    match parse(topic, &body(rest), &salt()).unwrap() {
        WebhookEvent::Order(order) => order,
        other => panic!("not an order: {other:?}"),
    }
}

fn error(topic: &str, rest: &[u8]) -> PayloadError {
    parse(topic, rest, &salt()).unwrap_err()
}

fn graphql_product() -> Value {
    json!({
        "id": "gid://shopify/Product/632910392", "handle": "ipod-nano", "title": "IPod Nano",
        "productType": "Cult Products", "vendor": "Apple", "tags": ["Emotive", "Flash Memory"],
        "status": "ACTIVE", "updatedAt": "2026-11-20T15:00:00Z",
        "featuredMedia": {"preview": {"image": {"url": "https://cdn.shopify.com/s/files/1/ipod-nano.png"}}},
        "variants": {"nodes": [
            {"id": "gid://shopify/ProductVariant/808950810", "title": "Pink", "sku": "IPOD-P",
             "price": "199.00", "compareAtPrice": "249.00", "inventoryQuantity": 10,
             "availableForSale": true},
            {"id": "gid://shopify/ProductVariant/808950811", "title": "Black", "sku": "",
             "price": "199.00", "compareAtPrice": null, "inventoryQuantity": 0,
             "availableForSale": true},
            {"id": "gid://shopify/ProductVariant/808950812", "title": "Red", "sku": null,
             "price": "189.5", "compareAtPrice": null, "inventoryQuantity": -2,
             "availableForSale": false}
        ]}
    })
}

/// The same product as products/update delivers it (2026-10, times in the shop's zone).
fn rest_product() -> Value {
    json!({
        "admin_graphql_api_id": "gid://shopify/Product/632910392", "id": 632_910_392,
        "title": "IPod Nano", "handle": "ipod-nano", "product_type": "Cult Products",
        "vendor": "Apple", "tags": "Emotive, Flash Memory", "status": "active",
        "body_html": "<p>It's the small iPod.</p>", "published_scope": "web",
        "created_at": "2026-01-02T10:00:00-05:00", "updated_at": "2026-11-20T10:00:00-05:00",
        "variants": [
            {"admin_graphql_api_id": "gid://shopify/ProductVariant/808950810",
             "id": 808_950_810, "product_id": 632_910_392, "title": "Pink", "sku": "IPOD-P",
             "price": "199.00", "compare_at_price": "249.00", "inventory_policy": "deny",
             "inventory_quantity": 10, "old_inventory_quantity": 10, "position": 1},
            {"admin_graphql_api_id": "gid://shopify/ProductVariant/808950811",
             "id": 808_950_811, "product_id": 632_910_392, "title": "Black", "sku": "",
             "price": "199.00", "compare_at_price": null, "inventory_policy": "continue",
             "inventory_quantity": 0, "old_inventory_quantity": 0, "position": 2},
            {"admin_graphql_api_id": "gid://shopify/ProductVariant/808950812",
             "id": 808_950_812, "product_id": 632_910_392, "title": "Red", "sku": null,
             "price": "189.5", "compare_at_price": null, "inventory_policy": "deny",
             "inventory_management": "shopify", "inventory_quantity": -2, "position": 3}
        ],
        "options": [], "images": [],
        "image": {"id": 850_703_190, "product_id": 632_910_392, "position": 1,
                  "src": "https://cdn.shopify.com/s/files/1/ipod-nano.png", "alt": null}
    })
}

#[test]
fn a_delivered_product_equals_the_pulled_one() {
    let (delivered, complete) = delivered_product("products/update", &rest_product());
    assert_eq!(delivered, pulled_product(graphql_product()));
    assert!(complete);
    let (created, _) = delivered_product("products/create", &rest_product());
    assert_eq!(created, delivered);
}

#[test]
fn gids_are_built_from_numeric_ids_when_the_payload_trims_them() {
    let mut rest = rest_product();
    rest.as_object_mut().unwrap().remove("admin_graphql_api_id");
    for variant in rest["variants"].as_array_mut().unwrap() {
        variant
            .as_object_mut()
            .unwrap()
            .remove("admin_graphql_api_id");
    }
    let (delivered, _) = delivered_product("products/update", &rest);
    assert_eq!(delivered, pulled_product(graphql_product()));
}

#[test]
fn statuses_map_like_graphql_enums() {
    for (rest, graphql) in [
        ("draft", "DRAFT"),
        ("archived", "ARCHIVED"),
        ("unlisted", "UNLISTED"),
    ] {
        let mut r = rest_product();
        r["status"] = json!(rest);
        let mut g = graphql_product();
        g["status"] = json!(graphql);
        assert_eq!(
            delivered_product("products/update", &r).0,
            pulled_product(g)
        );
    }
}

#[test]
fn an_out_of_stock_variant_of_unknown_tracking_makes_the_product_incomplete() {
    let mut rest = rest_product();
    rest["variants"][2]
        .as_object_mut()
        .unwrap()
        .remove("inventory_management");
    let (delivered, complete) = delivered_product("products/update", &rest);
    assert!(!complete);
    assert!(!delivered.variants[2].available, "never guessed available");
    assert_eq!(delivered, pulled_product(graphql_product()));

    // An explicit null says "not tracked": buyable whatever the quantity.
    rest["variants"][2]["inventory_management"] = Value::Null;
    let (delivered, complete) = delivered_product("products/update", &rest);
    assert!(complete);
    assert!(delivered.variants[2].available);
}

#[test]
fn a_product_without_its_variants_is_incomplete() {
    let mut rest = rest_product();
    rest.as_object_mut().unwrap().remove("variants");
    let (delivered, complete) = delivered_product("products/update", &rest);
    assert!(!complete);
    assert!(delivered.variants.is_empty());
}

fn graphql_order() -> Value {
    json!({
        "id": "gid://shopify/Order/450789469", "name": "#1001",
        "createdAt": "2026-11-20T15:00:00Z", "updatedAt": "2026-11-20T16:00:00Z",
        "processedAt": "2026-11-19T09:30:00Z", "cancelledAt": null, "test": false,
        "displayFinancialStatus": "PARTIALLY_REFUNDED",
        "customer": {"id": "gid://shopify/Customer/207119551"},
        "lineItems": {"nodes": [
            {"quantity": 2, "product": {"id": "gid://shopify/Product/632910392"},
             "variant": {"id": "gid://shopify/ProductVariant/808950810"},
             "originalUnitPriceSet": {"shopMoney": {"amount": "199.0", "currencyCode": "USD"}}},
            {"quantity": 1, "product": null, "variant": null,
             "originalUnitPriceSet": {"shopMoney": {"amount": "5.0", "currencyCode": "USD"}}},
            {"quantity": 1, "product": {"id": "gid://shopify/Product/921728736"},
             "variant": null,
             "originalUnitPriceSet": {"shopMoney": {"amount": "19.95", "currencyCode": "USD"}}}
        ]}
    })
}

/// The same order as orders/create delivers it.
fn rest_order() -> Value {
    json!({
        "id": 450_789_469, "admin_graphql_api_id": "gid://shopify/Order/450789469",
        "name": "#1001", "order_number": 1001, "currency": "USD", "email": "bob@example.com",
        "created_at": "2026-11-20T10:00:00-05:00", "updated_at": "2026-11-20T11:00:00-05:00",
        "processed_at": "2026-11-19T04:30:00-05:00", "cancelled_at": null,
        "cancel_reason": null, "test": false, "financial_status": "partially_refunded",
        "customer": {"id": 207_119_551, "email": "bob@example.com", "first_name": "Bob",
                     "admin_graphql_api_id": "gid://shopify/Customer/207119551"},
        "line_items": [
            {"id": 466_157_049, "product_id": 632_910_392, "variant_id": 808_950_810,
             "quantity": 2, "price": "199.00", "title": "IPod Nano - Pink",
             "price_set": {"shop_money": {"amount": "199.00", "currency_code": "USD"}}},
            {"id": 518_995_019, "product_id": null, "variant_id": null, "quantity": 1,
             "price": "5.00", "title": "Gift wrap"},
            {"id": 703_073_504, "product_id": 921_728_736, "variant_id": null,
             "quantity": 1, "price": "19.95", "title": "Deleted variant"}
        ]
    })
}

#[test]
fn a_delivered_order_equals_the_pulled_one() {
    let pulled = pulled_order(graphql_order());
    for topic in [
        "orders/create",
        "orders/updated",
        "orders/paid",
        "orders/cancelled",
    ] {
        assert_eq!(delivered_order(topic, &rest_order()), pulled, "{topic}");
    }
    assert_eq!(
        pulled.customer,
        Some(CustomerHash::new(
            &salt(),
            "gid://shopify/Customer/207119551"
        ))
    );
    assert!(pulled.counts_as_sale());
}

#[test]
fn cancelled_refunded_voided_and_test_orders_are_flagged_like_the_pull() {
    let cases: [(&str, Value, &str, Value); 4] = [
        (
            "cancelled_at",
            json!("2026-11-21T08:00:00-05:00"),
            "cancelledAt",
            json!("2026-11-21T13:00:00Z"),
        ),
        (
            "financial_status",
            json!("refunded"),
            "displayFinancialStatus",
            json!("REFUNDED"),
        ),
        (
            "financial_status",
            json!("voided"),
            "displayFinancialStatus",
            json!("VOIDED"),
        ),
        ("test", json!(true), "test", json!(true)),
    ];
    for (rest_key, rest_value, graphql_key, graphql_value) in cases {
        let mut rest = rest_order();
        rest[rest_key] = rest_value;
        let mut graphql = graphql_order();
        graphql[graphql_key] = graphql_value;
        let delivered = delivered_order("orders/updated", &rest);
        assert_eq!(delivered, pulled_order(graphql), "{rest_key}");
        assert!(!delivered.counts_as_sale(), "{rest_key}");
    }
}

#[test]
fn an_order_without_customer_has_none() {
    let mut rest = rest_order();
    rest["customer"] = Value::Null;
    let mut graphql = graphql_order();
    graphql["customer"] = Value::Null;
    let delivered = delivered_order("orders/create", &rest);
    assert_eq!(delivered.customer, None);
    assert_eq!(delivered, pulled_order(graphql));
}

#[test]
fn deletions_and_privacy_topics_name_gids_and_hashes() {
    assert_eq!(
        parse("products/delete", br#"{"id": 632910392}"#, &salt()).unwrap(),
        WebhookEvent::ProductDeleted(ProductId::new("gid://shopify/Product/632910392"))
    );
    let redact = json!({"shop_id": 954_889, "shop_domain": "x.myshopify.com",
        "customer": {"id": 191_167, "email": "john@example.com", "phone": "555-625-1199"},
        "orders_to_redact": [299_938, 280_263]});
    assert_eq!(
        parse("customers/redact", &body(&redact), &salt()).unwrap(),
        WebhookEvent::CustomerRedact {
            customer: Some(CustomerHash::new(&salt(), "gid://shopify/Customer/191167")),
            orders: vec![
                OrderId::new("gid://shopify/Order/299938"),
                OrderId::new("gid://shopify/Order/280263"),
            ],
        }
    );
    let request = json!({"shop_id": 954_889, "shop_domain": "x.myshopify.com",
        "orders_requested": [299_938], "customer": {"id": 191_167}, "data_request": {"id": 9999}});
    assert_eq!(
        parse("customers/data_request", &body(&request), &salt()).unwrap(),
        WebhookEvent::CustomerDataRequest
    );
    let shop = br#"{"shop_id": 954889, "shop_domain": "x.myshopify.com"}"#;
    assert_eq!(
        parse("shop/redact", shop, &salt()).unwrap(),
        WebhookEvent::ShopRedact
    );
    assert_eq!(
        parse("app/uninstalled", br#"{"id": 548380009}"#, &salt()).unwrap(),
        WebhookEvent::Uninstalled
    );
    let finished = br#"{"admin_graphql_api_id":"gid://shopify/BulkOperation/1"}"#;
    assert_eq!(
        parse("bulk_operations/finish", finished, &salt()).unwrap(),
        WebhookEvent::Ignored("bulk_operations/finish".to_owned())
    );
}

#[test]
fn a_redaction_without_customer_still_names_its_orders() {
    let redact = br#"{"shop_id": 1, "customer": null, "orders_to_redact": [7]}"#;
    assert_eq!(
        parse("customers/redact", redact, &salt()).unwrap(),
        WebhookEvent::CustomerRedact {
            customer: None,
            orders: vec![OrderId::new("gid://shopify/Order/7")],
        }
    );
}

#[test]
fn bad_bodies_name_the_field() {
    let mut rest = rest_product();
    rest.as_object_mut().unwrap().remove("id");
    assert_eq!(error("products/update", &body(&rest)).field, "id");

    assert_eq!(
        error("products/delete", br#"{"id": "632910392"}"#).field,
        "id"
    );
    assert_eq!(error("products/delete", b"{}").field, "id");

    let mut rest = rest_order();
    rest["line_items"][0]["quantity"] = json!("2");
    let err = error("orders/create", &body(&rest));
    assert_eq!(err.field, "line_items[0].quantity");
    assert!(
        err.to_string().starts_with("orders/create webhook"),
        "{err}"
    );

    rest = rest_order();
    rest["customer"]["id"] = json!("bob@example.com");
    let err = error("orders/create", &body(&rest));
    assert_eq!(err.field, "customer.id");

    let err = error("orders/paid", b"not json at all");
    assert_eq!(err.field, ".");
    assert!(err.reason.contains("not valid JSON"), "{err}");
}

#[test]
fn values_the_mapper_refuses_are_named_in_rest_spelling() {
    let mut rest = rest_product();
    rest["variants"][1]["price"] = json!("twelve");
    assert_eq!(
        error("products/update", &body(&rest)).field,
        "variants[1].price"
    );
    rest = rest_product();
    rest["variants"][0]["compare_at_price"] = json!("1,5");
    assert_eq!(
        error("products/update", &body(&rest)).field,
        "variants[0].compare_at_price"
    );
    let mut rest = rest_order();
    rest["line_items"][2]["price"] = json!("free");
    let err = error("orders/create", &body(&rest));
    assert_eq!(err.field, "line_items[2].price");
    assert!(
        err.reason.contains("gid://shopify/Order/450789469"),
        "{err}"
    );
    rest = rest_order();
    rest["line_items"][0]["quantity"] = json!(-1);
    assert_eq!(
        error("orders/create", &body(&rest)).field,
        "line_items[0].quantity"
    );
}
