//! Every capture from the real WooCommerce store in `shared/fixtures/woocommerce` is
//! parsed with the wire type the daemon would use for it, and products and orders are
//! mapped into the model. A new fixture nobody handles fails the test, so the wire types
//! cannot silently fall behind what the store sends.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_json::Value;
use upsell_sync::model::{InstallSalt, Money, ProductStatus};
use upsell_sync::platform::woocommerce::map;
use upsell_sync::platform::woocommerce::wire::{
    BatchItem, ProductType, WireBatch, WireError, WireOrder, WireProduct, WireVariation,
};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/woocommerce")
}

fn salt() -> InstallSalt {
    InstallSalt([3; 32])
}

fn sale_statuses() -> Vec<String> {
    vec!["processing".to_owned(), "completed".to_owned()]
}

fn parse<T: DeserializeOwned>(name: &str, body: &Value) -> T {
    serde_path_to_error::deserialize(body)
        .unwrap_or_else(|e| panic!("{name}: {} at {}", e.inner(), e.path()))
}

/// `(status, body)` of a REST capture.
fn response(name: &str, capture: &Value) -> (u64, Value) {
    let status = capture["response"]["status"]
        .as_u64()
        .unwrap_or_else(|| panic!("{name}: no response.status"));
    (status, capture["response"]["body"].clone())
}

fn check_error(name: &str, body: &Value, status: Option<u64>) {
    let error: WireError = parse(name, body);
    assert!(!error.code.is_empty(), "{name}: empty error code");
    assert!(!error.message.is_empty(), "{name}: empty error message");
    let data_status = error.data.status.map(u64::from);
    assert!(
        data_status.is_some_and(|s| s >= 400),
        "{name}: data.status {data_status:?}"
    );
    if let Some(status) = status {
        assert_eq!(data_status, Some(status), "{name}: data.status vs HTTP");
    }
}

/// Maps a full product and checks what the fixtures promise about it.
fn check_product(name: &str, wire: WireProduct) {
    let kind = wire.kind;
    let id = wire.id;
    assert_ne!(id, 0, "{name}: product id 0");
    let price_text = wire.price.clone();
    let product = map::product(wire).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(product.id.as_str(), id.to_string());
    assert!(!product.title.is_empty(), "{name}: no title");
    match kind {
        ProductType::Simple | ProductType::External if !price_text.is_empty() => {
            let variant = product
                .variants
                .first()
                .unwrap_or_else(|| panic!("{name}: priced product without variant"));
            assert_eq!(Ok(variant.price), Money::parse(&price_text), "{name}");
            assert!(variant.price > Money(0), "{name}: zero price");
        }
        _ => assert!(product.variants.is_empty(), "{name}: unexpected variants"),
    }
    if product.status == ProductStatus::Active {
        assert!(!product.handle.is_empty(), "{name}: active without slug");
    }
}

fn check_order(name: &str, wire: WireOrder) -> usize {
    assert_ne!(wire.id, 0, "{name}: order id 0");
    let guest_email = (wire.customer_id == 0).then(|| wire.billing.email.to_lowercase());
    let lines_in = wire.line_items.len();
    let status = wire.status.clone();
    let order =
        map::order(wire, &salt(), &sale_statuses()).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(order.lines.len(), lines_in, "{name}: lines dropped");
    assert!(!order.lines.is_empty(), "{name}: order without lines");
    for line in &order.lines {
        assert!(line.quantity > 0, "{name}: quantity 0");
        assert!(line.unit_price > Money(0), "{name}: unit price not parsed");
        assert_ne!(line.product.as_str(), "0", "{name}");
    }
    // A guest without a billing email (an order created in the admin or via REST)
    // has no customer to key.
    let keyable = guest_email.as_ref().is_none_or(|e| !e.is_empty());
    assert_eq!(order.customer.is_some(), keyable, "{name}: customer keying");
    assert_eq!(
        order.counts_as_sale(),
        sale_statuses().contains(&status),
        "{name}: status {status}"
    );
    if let Some(email) = guest_email.filter(|e| !e.is_empty()) {
        assert!(
            !format!("{order:?}").to_lowercase().contains(&email),
            "{name}: guest email stored"
        );
    }
    order.lines.len()
}

fn check_batch(name: &str, body: &Value) {
    let batch: WireBatch<WireProduct> = parse(name, body);
    let items: Vec<_> = batch
        .create
        .into_iter()
        .chain(batch.update)
        .chain(batch.delete)
        .collect();
    assert!(!items.is_empty(), "{name}: empty batch");
    for item in items {
        match item {
            BatchItem::Done(product) => check_product(name, product),
            BatchItem::Failed { error, .. } => {
                assert!(!error.code.is_empty(), "{name}: empty item error code");
                assert!(error.data.status.is_some(), "{name}: item error status");
            }
        }
    }
}

/// A webhook delivery: the body is the REST shape of its topic's resource.
fn check_delivery(name: &str, capture: &Value) {
    let topic = capture["headers"].as_array().and_then(|headers| {
        headers.iter().find_map(|h| {
            (h[0].as_str()?.eq_ignore_ascii_case("x-wc-webhook-topic")).then(|| h[1].as_str())?
        })
    });
    let body = &capture["body_json"];
    match topic {
        // The ping is form-encoded and unsigned.
        None => {
            assert!(body.is_null(), "{name}: ping with JSON body");
            assert!(capture["body_raw"]
                .as_str()
                .is_some_and(|b| b.starts_with("webhook_id=")));
        }
        Some(t) if t.ends_with(".deleted") => {
            assert!(
                body["id"].as_u64().is_some_and(|id| id != 0),
                "{name}: deleted id"
            );
        }
        Some(t) if t.starts_with("product.") && body.get("code").is_some() => {
            check_error(name, body, None);
        }
        Some(t) if t.starts_with("product.") => check_product(name, parse(name, body)),
        Some(t) if t.starts_with("order.") => {
            check_order(name, parse(name, body));
        }
        Some(t) => panic!("{name}: unexpected topic {t}"),
    }
}

/// Handles one file; `false` when nothing knows what it is.
fn check_file(name: &str, capture: &Value) -> bool {
    if name == "observations.json" {
        assert!(capture.as_array().is_some_and(|a| !a.is_empty()), "{name}");
        return true;
    }
    if name.starts_with("webhook_delivery_") {
        check_delivery(name, capture);
        return true;
    }
    let (status, body) = response(name, capture);
    if name.starts_with("error_") {
        check_error(name, &body, Some(status));
        return true;
    }
    assert!((200..300).contains(&status), "{name}: HTTP {status}");
    match name {
        // Webhook records are read only to register and re-enable webhooks; the
        // client, not this mapping, handles them.
        n if n.starts_with("webhook_") => {
            assert!(body["id"].as_u64().is_some_and(|id| id != 0), "{name}");
            assert!(
                body["status"].as_str().is_some_and(|s| !s.is_empty()),
                "{name}"
            );
        }
        n if n.starts_with("products_batch_") => check_batch(name, &body),
        n if n.starts_with("products_") => {
            let products: Vec<WireProduct> = parse(name, &body);
            if name == "products_page_past_end.json" {
                assert!(products.is_empty(), "{name}");
            }
            for product in products {
                check_product(name, product);
            }
        }
        "variations_list.json" => {
            let variations: Vec<WireVariation> = parse(name, &body);
            assert_eq!(variations.len(), 2, "{name}");
            for wire in variations {
                assert_eq!(wire.parent_id, 13, "{name}");
                let variant = map::variation(wire).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert!(variant.price > Money(0), "{name}");
            }
        }
        "variation_create.json" => {
            let wire: WireVariation = parse(name, &body);
            assert_ne!(wire.id, 0, "{name}");
            map::variation(wire).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        // Trimmed with `_fields=`: only the linked ids, stored as sent (999999 included).
        "product_fields_linked_ids.json" => {
            let wire: WireProduct = parse(name, &body);
            assert_eq!(wire.upsell_ids, [12], "{name}");
            assert_eq!(wire.cross_sell_ids, [13, 999_999], "{name}");
            assert!(wire.date_modified_gmt.is_some(), "{name}");
        }
        "product_include_meta.json" => {
            let wire: WireProduct = parse(name, &body);
            assert_eq!(wire.id, 11, "{name}");
        }
        "product_get_variation_id_via_products.json" => {
            let wire: WireProduct = parse(name, &body);
            assert_eq!((wire.kind, wire.parent_id), (ProductType::Variation, 13));
            assert_eq!(map::product(wire).unwrap_err().field, "type", "{name}");
        }
        n if n.starts_with("product_") => {
            let wire: WireProduct = parse(name, &body);
            if name == "product_update_linked_ids.json" {
                assert_eq!(wire.upsell_ids, [12], "{name}");
            }
            if name == "product_update_meta_data.json" {
                assert!(!wire.meta_data.is_empty(), "{name}");
                assert!(wire
                    .meta_data
                    .iter()
                    .all(|m| m.id != 0 && !m.key.is_empty()));
            }
            check_product(name, wire);
        }
        n if n.starts_with("orders_") => {
            let orders: Vec<WireOrder> = parse(name, &body);
            assert!(!orders.is_empty(), "{name}");
            for order in orders {
                check_order(name, order);
            }
        }
        n if n.starts_with("order_") => {
            let lines = check_order(name, parse(name, &body));
            if name == "order_single.json" {
                assert_eq!(lines, 2, "{name}");
            }
        }
        _ => return false,
    }
    true
}

#[test]
fn every_woocommerce_fixture_parses_and_maps() {
    let dir = fixtures_dir();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!(
            "note: {} is absent; WooCommerce fixtures skipped",
            dir.display()
        );
        return;
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no fixtures in {}", dir.display());
    let mut unhandled = Vec::new();
    for name in &names {
        let text =
            std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        // The README describes the captures; it is the only file that is not one.
        if name == "README.md" {
            assert!(!text.trim().is_empty(), "{name}: empty");
            continue;
        }
        let is_json = Path::new(name)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        if !is_json {
            unhandled.push(name.clone());
            continue;
        }
        let capture: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        if !check_file(name, &capture) {
            unhandled.push(name.clone());
        }
    }
    assert!(
        unhandled.is_empty(),
        "fixtures nobody handles: {unhandled:?}"
    );
    println!("{} WooCommerce fixtures checked", names.len());
}
