//! Webhooks: the synchronous ping on creation, signed deliveries with Hookshot's
//! headers and PHP's escaping, coalescing, what deleted and force-deleted products
//! deliver, order events, and disabling after repeated failures.

use serde_json::{json, Value};

use super::fixtures::load;
use super::{Harness, Receiver};
use crate::platform::webhook_signature::verify;

const SECRET: &str = "hook-secret";

fn header<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn creating_a_webhook_pings_it_before_answering() {
    let mut receiver = Receiver::start(200).await;
    let h = Harness::small().await;
    let body = json!({"name": "t", "topic": "product.updated", "delivery_url": receiver.url, "secret": SECRET});
    let reply = h.post("/webhooks", &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.json().get("secret"), None);
    let (headers, ping) = receiver.try_next().expect("pinged before the answer");
    assert_eq!(&ping[..], b"webhook_id=1");
    assert_eq!(
        header(&headers, "content-type"),
        "application/x-www-form-urlencoded"
    );
    assert_eq!(header(&headers, "x-wc-webhook-topic"), "");
    assert!(h.sim.state().webhooks()[0].ping_ok);
    let listed = h.get("/webhooks", &[]).await;
    assert_eq!(listed.header("x-wp-total"), "1");
}

#[tokio::test]
async fn updates_are_delivered_signed_with_hookshot_headers() {
    let mut receiver = Receiver::start(200).await;
    let h = Harness::small().await;
    let hook = h
        .sim
        .state()
        .register_webhook("product.updated", &receiver.url, SECRET);
    let id = h.sim.state().products()[0].id;
    assert_eq!(
        h.put(&format!("/products/{id}"), &json!({"upsell_ids": [1]}))
            .await
            .status,
        200
    );
    let (headers, body) = receiver.next().await;
    let fixture = load("webhook_delivery_product_updated");
    for pair in fixture["headers"].as_array().expect("headers") {
        let name = pair[0].as_str().expect("name").to_lowercase();
        if !matches!(
            name.as_str(),
            "host" | "content-length" | "connection" | "accept-encoding"
        ) {
            assert!(headers.contains_key(name.as_str()), "missing {name}");
        }
    }
    assert_eq!(
        header(&headers, "user-agent"),
        "WooCommerce/11.0.1 Hookshot (WordPress/7.0.4)"
    );
    assert_eq!(
        header(&headers, "x-wc-webhook-source"),
        format!("{}/", h.sim.base_url())
    );
    assert_eq!(header(&headers, "x-wc-webhook-id"), hook.to_string());
    assert_eq!(header(&headers, "x-wc-webhook-event"), "updated");
    let signature = header(&headers, "x-wc-webhook-signature");
    assert_eq!(verify(SECRET.as_bytes(), &body, signature), Ok(()));
    let text = std::str::from_utf8(&body).expect("utf-8");
    assert!(
        text.contains(r"http:\/\/127.0.0.1"),
        "slashes escaped like PHP"
    );
    let parsed: Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(Some(parsed), h.sim.state().product_json(id));
    assert_eq!(h.sim.state().deliveries_sent(), 1);
}

#[tokio::test]
async fn repeated_changes_coalesce_into_one_delivery() {
    let mut receiver = Receiver::start(200).await;
    let h = Harness::small().await;
    let _ = h
        .sim
        .state()
        .register_webhook("product.updated", &receiver.url, SECRET);
    h.sim.state().hold_webhooks(true);
    let id = h.sim.state().products()[0].id;
    for n in 0..3 {
        assert!(h.sim.state().set_meta(id, "n", Some(json!(n))));
    }
    assert_eq!(h.sim.state().pending_deliveries(), 1);
    h.sim.state().hold_webhooks(false);
    let (_, body) = receiver.next().await;
    let parsed: Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(parsed["meta_data"][0]["value"], "2", "the latest state");
    assert!(
        receiver
            .quiet_for(std::time::Duration::from_millis(100))
            .await
    );
}

#[tokio::test]
async fn deleted_and_force_deleted_products_deliver_what_woocommerce_sends() {
    let mut receiver = Receiver::start(200).await;
    let h = Harness::small().await;
    let state = h.sim.state();
    let deleted = state.register_webhook("product.deleted", &receiver.url, SECRET);
    let created = state.register_webhook("product.created", &receiver.url, SECRET);
    state.hold_webhooks(true);
    let id = state.products()[1].id;
    assert!(state.trash_product(id));
    assert_eq!(state.deliver_now(deleted, id).await, Some(200));
    let (_, body) = receiver.next().await;
    assert_eq!(&body[..], format!("{{\"id\":{id}}}").as_bytes());
    let reply = h.post("/products", &json!({"name": "Probe"})).await;
    let new = reply.json()["id"].as_u64().expect("id");
    assert_eq!(
        h.call(
            "DELETE",
            &format!("/products/{new}"),
            &[("force", "true")],
            None
        )
        .await
        .status,
        200
    );
    assert_eq!(state.deliver_now(created, new).await, Some(200));
    let (_, body) = receiver.next().await;
    let expected = load("webhook_delivery_product_created_after_force_delete");
    assert_eq!(
        std::str::from_utf8(&body).expect("utf-8"),
        expected["body_raw"].as_str().expect("raw")
    );
    assert_eq!(
        state.pending_deliveries(),
        0,
        "delivered by hand, nothing left queued"
    );
}

#[tokio::test]
async fn new_orders_fire_created_and_updated() {
    let mut receiver = Receiver::start(200).await;
    let h = Harness::small().await;
    let state = h.sim.state();
    let _ = state.register_webhook("order.created", &receiver.url, "");
    let _ = state.register_webhook("order.updated", &receiver.url, "");
    let mut order =
        crate::sim::catalog::generate(&crate::sim::ShopSpec::new(7, 100, 300)).orders[0].clone();
    order.id = crate::model::OrderId::new("new-order");
    order.created_at = state.now();
    let id = state.add_order(&order);
    let mut topics = Vec::new();
    for _ in 0..2 {
        let (headers, body) = receiver.next().await;
        let secret = b"sim-webhook-secret";
        assert_eq!(
            verify(secret, &body, header(&headers, "x-wc-webhook-signature")),
            Ok(())
        );
        let parsed: Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(parsed["id"], id);
        topics.push(header(&headers, "x-wc-webhook-topic").to_owned());
    }
    topics.sort();
    assert_eq!(topics, ["order.created", "order.updated"]);
}

#[tokio::test]
async fn failing_receivers_get_disabled_on_the_seventh_failure() {
    let receiver = Receiver::start(500).await;
    let h = Harness::small().await;
    let state = h.sim.state();
    let hook = state.register_webhook("product.updated", &receiver.url, SECRET);
    let id = state.products()[0].id;
    for n in 1..=7 {
        assert_eq!(state.deliver_now(hook, id).await, Some(500));
        let status = state.webhooks()[0].status.clone();
        assert_eq!(status == "disabled", n == 7, "after failure {n}");
    }
    assert_eq!(
        state.deliver_now(hook, id).await,
        None,
        "disabled webhooks deliver nothing"
    );
    let reply = h.get(&format!("/webhooks/{hook}"), &[]).await;
    assert_eq!(reply.json()["status"], "disabled");
}
