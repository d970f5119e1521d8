//! Deliveries over HTTP to a real listener: Shopify's headers and signature, bodies
//! that the daemon's parser turns into exactly what the GraphQL pull maps for the same
//! record, the echo of metafield writes, retries, timeouts, holding and duplicates.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::HeaderMap;
use chrono::Duration as Span;
use serde_json::{json, Map, Value};
use tokio::sync::mpsc;

use super::super::document::prepare;
use super::super::mutations;
use super::super::tests::{small, Harness, METAFIELDS_SET, ORDERS, PRODUCTS};
use super::super::values::coerce_variables;
use super::WebhookCounters;
use crate::model::{
    CustomerHash, InstallSalt, LineItem, Money, Order, OrderFlags, OrderId, Product, ProductId,
    VariantId,
};
use crate::platform::shopify::map;
use crate::platform::shopify::webhook_payload::parse;
use crate::platform::webhook_event::WebhookEvent;
use crate::platform::webhook_signature::verify;

const SECRET: &[u8] = b"shpss_app_client_secret";

/// Short retries so failure tests take milliseconds.
const RETRIES: [Duration; 3] = [
    Duration::from_millis(10),
    Duration::from_millis(20),
    Duration::from_millis(40),
];

fn salt() -> InstallSalt {
    InstallSalt([4; 32])
}

/// A webhook endpoint on `127.0.0.1:0` answering from a script of (status, delay),
/// then 200 at once; hands over every request it got.
struct Endpoint {
    url: String,
    rx: mpsc::UnboundedReceiver<(HeaderMap, Bytes)>,
    _server: tokio::task::JoinHandle<()>,
}

impl Endpoint {
    async fn start(script: Vec<(u16, Duration)>) -> Self {
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        let (tx, rx) = mpsc::unbounded_channel();
        let app = axum::Router::new().fallback(move |headers: HeaderMap, body: Bytes| {
            let tx = tx.clone();
            let next = script.lock().unwrap().pop_front();
            async move {
                let _ = tx.send((headers, body));
                let (status, delay) = next.unwrap_or((200, Duration::ZERO));
                tokio::time::sleep(delay).await;
                axum::http::StatusCode::from_u16(status).unwrap()
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://{}/webhooks/shopify/main",
            listener.local_addr().unwrap()
        );
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            url,
            rx,
            _server: server,
        }
    }

    async fn ok() -> Self {
        Self::start(Vec::new()).await
    }

    /// The next request (within five seconds).
    async fn next(&mut self) -> (HeaderMap, Bytes) {
        tokio::time::timeout(Duration::from_secs(5), self.rx.recv())
            .await
            .expect("a delivery within 5 s")
            .expect("endpoint alive")
    }

    /// Whether nothing arrives within `wait`.
    async fn quiet_for(&mut self, wait: Duration) -> bool {
        tokio::time::timeout(wait, self.rx.recv()).await.is_err()
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// A simulator with fast retries, subscribed to `endpoint`.
async fn subscribed(endpoint: &Endpoint) -> Harness {
    let h = Harness::start(small().with_webhook_retries(RETRIES)).await;
    h.sim
        .state()
        .subscribe_webhooks(endpoint.url.clone(), SECRET);
    h
}

/// The event a delivery carries, after checking its signature.
fn event(headers: &HeaderMap, body: &Bytes) -> WebhookEvent {
    let signature = header(headers, "x-shopify-hmac-sha256");
    assert_eq!(verify(SECRET, body, signature), Ok(()));
    parse(header(headers, "x-shopify-topic"), body, &salt()).expect("parses")
}

fn number(gid: &str) -> &str {
    gid.rsplit('/').next().unwrap()
}

/// Product `gid` as the pull reads and maps it.
async fn pulled_product(h: &Harness, gid: &str) -> Product {
    let query = format!("id:{}", number(gid));
    let answer = h.gql(PRODUCTS, json!({"first": 1, "query": query})).await;
    let node = answer["data"]["products"]["nodes"][0].clone();
    assert_eq!(node["id"], gid);
    map::product(serde_json::from_value(node).unwrap(), Vec::new()).unwrap()
}

/// Order `gid` as the pull reads and maps it.
async fn pulled_order(h: &Harness, gid: &str) -> Order {
    let query = format!("id:{}", number(gid));
    let answer = h.gql(ORDERS, json!({"first": 1, "query": query})).await;
    let node = answer["data"]["orders"]["nodes"][0].clone();
    assert_eq!(node["id"], gid);
    map::order(serde_json::from_value(node).unwrap(), Vec::new(), &salt()).unwrap()
}

fn product_gids(h: &Harness) -> Vec<String> {
    let products = h.sim.state().products();
    products.into_iter().map(|p| p.gid).collect()
}

fn first_product(h: &Harness) -> String {
    product_gids(h).swap_remove(0)
}

#[tokio::test]
async fn a_product_update_arrives_signed_with_shopify_headers() {
    let mut endpoint = Endpoint::ok().await;
    let h = subscribed(&endpoint).await;
    let gid = first_product(&h);
    assert!(h.sim.state().update_product(&gid, |p| {
        p.title = "Renamed, with a comma".to_owned();
        p.tags = vec!["b tag".to_owned(), "a-tag".to_owned()];
        for v in &mut p.variants {
            v.available = true;
            v.inventory_quantity = Some(3);
        }
    }));
    let (headers, body) = endpoint.next().await;
    assert_eq!(header(&headers, "x-shopify-topic"), "products/update");
    assert_eq!(
        header(&headers, "x-shopify-shop-domain"),
        "simulated-shop.myshopify.com"
    );
    assert_eq!(header(&headers, "x-shopify-api-version"), "2026-10");
    assert_eq!(header(&headers, "content-type"), "application/json");
    assert_eq!(header(&headers, "user-agent"), "Shopify-Captain-Hook");
    for id in ["x-shopify-webhook-id", "x-shopify-event-id"] {
        let value = header(&headers, id);
        assert_eq!((value.len(), &value[14..15]), (36, "4"), "{id}: {value}");
    }
    let triggered = header(&headers, "x-shopify-triggered-at");
    let triggered = chrono::DateTime::parse_from_rfc3339(triggered).expect(triggered);
    assert_eq!(triggered, h.sim.state().now());
    let rest: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(rest["tags"], "b tag, a-tag");
    assert!(rest["updated_at"].as_str().unwrap().ends_with("-05:00"));
    assert_eq!(
        event(&headers, &body),
        WebhookEvent::Product {
            product: pulled_product(&h, &gid).await,
            complete: true,
        }
    );
    h.sim.state().webhooks_settled().await;
    assert_eq!(
        h.sim.state().webhook_counters(),
        WebhookCounters {
            events: 1,
            delivered: 1,
            failed_attempts: 0,
            given_up: 0,
        }
    );
}

#[tokio::test]
async fn stock_and_backorders_read_like_available_for_sale() {
    let mut endpoint = Endpoint::ok().await;
    let h = subscribed(&endpoint).await;
    let gid = first_product(&h);
    let cases = [
        // (available, stock) → complete
        ((true, Some(0)), true),   // sells on backorder: `continue`
        ((true, None), true),      // idem, quantity unknown
        ((false, Some(0)), false), // out of stock, `deny`: tracking unknown since 2024-07
    ];
    for ((available, stock), complete) in cases {
        h.sim.state().update_product(&gid, |p| {
            p.variants.truncate(1);
            p.variants[0].available = available;
            p.variants[0].inventory_quantity = stock;
        });
        let (headers, body) = endpoint.next().await;
        assert_eq!(
            event(&headers, &body),
            WebhookEvent::Product {
                product: pulled_product(&h, &gid).await,
                complete,
            },
            "{available} {stock:?}"
        );
    }
}

#[tokio::test]
async fn orders_changes_and_deletions_parse_to_what_the_pull_maps() {
    let mut endpoint = Endpoint::ok().await;
    let h = subscribed(&endpoint).await;
    let products = h.sim.state().products();
    let (a, b) = (&products[1].product, &products[2].product);
    let order = Order {
        id: OrderId::new("webhook-test"),
        created_at: h.sim.state().now() - Span::minutes(5),
        customer: Some(CustomerHash([7; 16])),
        flags: OrderFlags::default(),
        lines: vec![
            LineItem {
                product: a.id.clone(),
                variant: Some(a.variants[0].id.clone()),
                quantity: 2,
                unit_price: Money::parse("12.50").unwrap(),
            },
            LineItem {
                product: b.id.clone(),
                variant: None,
                quantity: 1,
                unit_price: Money::parse("3").unwrap(),
            },
            LineItem {
                product: ProductId::new("gid://shopify/Product/1"),
                variant: Some(VariantId::new("gid://shopify/ProductVariant/1")),
                quantity: 1,
                unit_price: Money::parse("1").unwrap(),
            },
        ],
    };
    let gid = h.sim.state().add_order(&order);
    let (headers, body) = endpoint.next().await;
    assert_eq!(header(&headers, "x-shopify-topic"), "orders/create");
    let created = event(&headers, &body);
    let pulled = pulled_order(&h, &gid).await;
    assert_eq!(created, WebhookEvent::Order(pulled.clone()));
    assert_eq!(pulled.lines.len(), 2, "the unknown product's line has none");
    assert!(pulled.customer.is_some() && pulled.counts_as_sale());

    assert!(h.sim.state().update_order(&gid, |f| f.cancelled = true));
    let (headers, body) = endpoint.next().await;
    assert_eq!(header(&headers, "x-shopify-topic"), "orders/cancelled");
    let cancelled = pulled_order(&h, &gid).await;
    assert!(cancelled.flags.cancelled);
    assert_eq!(event(&headers, &body), WebhookEvent::Order(cancelled));

    assert!(h.sim.state().update_order(&gid, |f| {
        f.cancelled = false;
        f.refunded = true;
    }));
    let (headers, body) = endpoint.next().await;
    assert_eq!(header(&headers, "x-shopify-topic"), "orders/updated");
    let refunded = pulled_order(&h, &gid).await;
    assert!(refunded.flags.refunded && !refunded.flags.cancelled);
    assert_eq!(event(&headers, &body), WebhookEvent::Order(refunded));

    // Deleting a product: products/delete, and the order's line loses it on both paths.
    assert!(h.sim.state().delete_product(a.id.as_str()));
    let (headers, body) = endpoint.next().await;
    assert_eq!(
        &body[..],
        format!("{{\"id\":{}}}", number(a.id.as_str())).as_bytes()
    );
    assert_eq!(
        event(&headers, &body),
        WebhookEvent::ProductDeleted(a.id.clone())
    );
    assert!(h.sim.state().update_order(&gid, |_| {}));
    let (headers, body) = endpoint.next().await;
    let after = pulled_order(&h, &gid).await;
    assert_eq!(after.lines.len(), 1);
    assert_eq!(event(&headers, &body), WebhookEvent::Order(after));
    assert!(!h.sim.state().update_order("gid://shopify/Order/1", |_| {}));
}

/// Runs `metafieldsSet` the way a bulk mutation line does: on a plain thread, outside
/// any runtime.
fn bulk_line(h: &Harness, variables: &Value) {
    let shared = Arc::clone(&h.sim.state().shared);
    let provided: Map<String, Value> = variables.as_object().unwrap().clone();
    std::thread::spawn(move || {
        let prepared = prepare(METAFIELDS_SET, None).unwrap();
        let vars = coerce_variables(&prepared.doc, prepared.operation(), &provided).unwrap();
        let (_, errors) = mutations::execute(&shared, &prepared, &vars);
        assert!(errors.is_empty(), "{errors:?}");
    })
    .join()
    .unwrap();
}

#[tokio::test]
async fn metafield_writes_echo_as_product_updates() {
    let mut endpoint = Endpoint::ok().await;
    let h = subscribed(&endpoint).await;
    let ids = product_gids(&h);
    let input = |owner: &str, key: &str| {
        json!({"ownerId": owner, "namespace": "upsell_sync", "key": key,
               "type": "list.product_reference", "value": json!([ids[5]]).to_string()})
    };
    let vars = json!({"metafields": [input(&ids[0], "cross_sell"), input(&ids[0], "upsell"),
                                     input(&ids[1], "cross_sell")]});
    let answer = h.gql(METAFIELDS_SET, vars).await;
    assert_eq!(answer["data"]["metafieldsSet"]["userErrors"], json!([]));
    let mut owners = Vec::new();
    for _ in 0..2 {
        let (headers, body) = endpoint.next().await;
        assert_eq!(header(&headers, "x-shopify-topic"), "products/update");
        let WebhookEvent::Product { product, .. } = event(&headers, &body) else {
            panic!("not a product");
        };
        assert_eq!(product, pulled_product(&h, product.id.as_str()).await);
        owners.push(product.id.0);
    }
    owners.sort();
    let mut expected = vec![ids[0].clone(), ids[1].clone()];
    expected.sort();
    assert_eq!(owners, expected, "one delivery per product written");

    bulk_line(&h, &json!({"metafields": [input(&ids[2], "related")]}));
    let (headers, body) = endpoint.next().await;
    assert!(matches!(event(&headers, &body),
        WebhookEvent::Product { product, .. } if product.id.as_str() == ids[2]));

    let refused = json!({"metafields": [{"ownerId": ids[3], "namespace": "upsell_sync",
        "key": "k", "type": "list.product_reference", "value": "not json"}]});
    h.gql(METAFIELDS_SET, refused).await;
    assert!(
        endpoint.quiet_for(Duration::from_millis(200)).await,
        "nothing written, nothing fired"
    );
}

#[tokio::test]
async fn failed_attempts_are_retried_with_the_same_ids_then_given_up() {
    let mut endpoint = Endpoint::start(vec![
        (500, Duration::ZERO),
        (302, Duration::ZERO),
        (200, Duration::ZERO),
    ])
    .await;
    let h = subscribed(&endpoint).await;
    h.sim.state().update_product(&first_product(&h), |_| {});
    let mut seen = Vec::new();
    for _ in 0..3 {
        let (headers, body) = endpoint.next().await;
        let ids = (
            header(&headers, "x-shopify-webhook-id").to_owned(),
            header(&headers, "x-shopify-event-id").to_owned(),
            header(&headers, "x-shopify-triggered-at").to_owned(),
        );
        seen.push((ids, body));
    }
    assert!(
        seen.windows(2).all(|w| w[0] == w[1]),
        "retries resend the same delivery"
    );
    h.sim.state().webhooks_settled().await;
    let counters = h.sim.state().webhook_counters();
    assert_eq!((counters.delivered, counters.failed_attempts), (1, 2));

    let mut failing = Endpoint::start(vec![(503, Duration::ZERO); 4]).await;
    h.sim
        .state()
        .subscribe_webhooks(failing.url.clone(), SECRET);
    h.sim.state().update_product(&first_product(&h), |_| {});
    for _ in 0..=RETRIES.len() {
        failing.next().await;
    }
    h.sim.state().webhooks_settled().await;
    assert!(failing.quiet_for(Duration::from_millis(100)).await);
    assert_eq!(
        h.sim.state().webhook_counters(),
        WebhookCounters {
            events: 2,
            delivered: 1,
            failed_attempts: 2 + 4,
            given_up: 1,
        }
    );
}

#[tokio::test]
async fn a_receiver_slower_than_the_timeout_fails_the_attempt() {
    let mut endpoint = Endpoint::start(vec![(200, Duration::from_millis(800))]).await;
    let mut config = small().with_webhook_retries([Duration::from_millis(10)]);
    config.webhook_timeout = Duration::from_millis(200);
    let h = Harness::start(config).await;
    h.sim
        .state()
        .subscribe_webhooks(endpoint.url.clone(), SECRET);
    h.sim.state().update_product(&first_product(&h), |_| {});
    endpoint.next().await;
    endpoint.next().await;
    h.sim.state().webhooks_settled().await;
    let counters = h.sim.state().webhook_counters();
    assert_eq!((counters.failed_attempts, counters.delivered), (1, 1));
}

#[tokio::test]
async fn held_deliveries_wait_and_duplicates_keep_the_event_id() {
    let mut endpoint = Endpoint::ok().await;
    let h = Harness::start(small().with_webhook_retries(RETRIES)).await;
    let state = h.sim.state();
    state.update_product(&first_product(&h), |_| {});
    assert_eq!(state.webhook_counters(), WebhookCounters::default());
    assert!(
        !state.redeliver_last_webhook(),
        "nothing subscribed, nothing sent"
    );

    state.subscribe_webhooks(endpoint.url.clone(), SECRET);
    state.hold_webhooks(true);
    let ids = product_gids(&h);
    state.update_product(&ids[0], |_| {});
    state.update_product(&ids[1], |_| {});
    assert_eq!(state.pending_webhooks(), 2);
    assert!(endpoint.quiet_for(Duration::from_millis(100)).await);
    assert_eq!(state.deliver_pending_webhooks().await, 2);
    let first = endpoint.next().await;
    let second = endpoint.next().await;
    assert_ne!(
        header(&first.0, "x-shopify-event-id"),
        header(&second.0, "x-shopify-event-id")
    );

    assert!(state.redeliver_last_webhook(), "held like any delivery");
    assert_eq!(state.pending_webhooks(), 1);
    state.hold_webhooks(false);
    let (headers, body) = endpoint.next().await;
    let (last, last_body) = [&first, &second]
        .into_iter()
        .find(|(h, _)| header(h, "x-shopify-event-id") == header(&headers, "x-shopify-event-id"))
        .expect("a duplicate of a delivered event");
    assert_eq!(&body, last_body);
    assert_ne!(
        header(&headers, "x-shopify-webhook-id"),
        header(last, "x-shopify-webhook-id")
    );

    assert_eq!(state.pending_webhooks(), 0);
    state.update_product(&ids[2], |_| {});
    endpoint.next().await;
    state.unsubscribe_webhooks();
    state.update_product(&ids[3], |_| {});
    state.webhooks_settled().await;
    assert!(endpoint.quiet_for(Duration::from_millis(100)).await);
    assert_eq!(state.webhook_counters().delivered, 4);
}
