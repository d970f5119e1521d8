//! The daemon's webhook endpoints against the simulated stores, in process: each kind of
//! delivery answered with the right status and leaving the right trace in the store —
//! valid, bad signature, replayed, oversized, unknown shop, the creation ping, the echo
//! of our own writes, and every privacy topic.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;
use upsell_sync::config::Config;
use upsell_sync::daemon::Daemon;
use upsell_sync::model::{OrderId, ProductId};
use upsell_sync::platform::webhook_signature::sign;
use upsell_sync::sim::scenario::{Scenario, ScenarioSpec, SHOPIFY_SHOP, WOO_SHOP};
use upsell_sync::store::ShopStore;
use upsell_sync::sync::status::ShopStatus;

const SPEC: ScenarioSpec = ScenarioSpec {
    seed: 21,
    products: 100,
    orders: 600,
    streamed: 10,
    now: chrono::DateTime::from_timestamp(1_795_000_000, 0).expect("a valid time"),
};

/// Both stores, the daemon against them after its first pass, and the secrets.
struct Rig {
    scenario: Scenario,
    daemon: Daemon,
    shopify_secret: String,
    _dir: tempfile::TempDir,
}

impl Rig {
    async fn start() -> Self {
        let scenario = Scenario::start(SPEC).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let config = scenario
            .write_config(dir.path(), "127.0.0.1:0".parse().unwrap())
            .unwrap();
        let mut config = Config::load(&config).unwrap();
        config.daemon.webhook_body_limit_bytes = 64 * 1024;
        let daemon = Daemon::start(config).await.unwrap();
        let secret =
            |name: &str| std::fs::read_to_string(dir.path().join("secrets").join(name)).unwrap();
        let rig = Self {
            shopify_secret: secret("shopify-webhook-secret"),
            scenario,
            daemon,
            _dir: dir,
        };
        rig.wait_for(SHOPIFY_SHOP, "the first push", |s| s.last_push.is_some())
            .await;
        rig.wait_for(WOO_SHOP, "the first push", |s| s.last_push.is_some())
            .await;
        rig
    }

    fn url(&self, platform: &str, shop: &str) -> String {
        format!(
            "http://{}/webhooks/{platform}/{shop}",
            self.daemon.address()
        )
    }

    fn store(&self, shop: &str) -> ShopStore {
        self.daemon.store().shop(shop).unwrap()
    }

    /// A signed Shopify delivery.
    async fn shopify(&self, topic: &str, event: &str, body: &[u8], secret: &str) -> StatusCode {
        reqwest::Client::new()
            .post(self.url("shopify", SHOPIFY_SHOP))
            .header("X-Shopify-Topic", topic)
            .header("X-Shopify-Hmac-Sha256", sign(secret.as_bytes(), body))
            .header("X-Shopify-Event-Id", event)
            .header("X-Shopify-Shop-Domain", "simulated-shop.myshopify.com")
            .header("Content-Type", "application/json")
            .body(body.to_vec())
            .send()
            .await
            .unwrap()
            .status()
    }

    async fn wait_for(&self, shop: &str, what: &str, done: impl Fn(&ShopStatus) -> bool) {
        let started = Instant::now();
        loop {
            let status = self.daemon.board().shop(shop).unwrap();
            if done(&status) {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{shop}: no {what} in 60 s: {status:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until the shop's queue is empty and its pipeline idle.
    async fn settle(&self, shop: &str) {
        let store = self.store(shop);
        self.wait_for(shop, "idle", |s| {
            store.job_count() == 0 && matches!(s.phase.as_str(), "idle" | "stopped")
        })
        .await;
    }

    /// A Shopify order (REST, as webhooks carry it) for a product of the store.
    fn shopify_order(&self, number: u64, customer: u64) -> (OrderId, Vec<u8>) {
        let products = self.scenario.shopify.state().products();
        let numeric = |gid: &str| gid.rsplit('/').next().unwrap().parse::<u64>().unwrap();
        let lines: Vec<serde_json::Value> = products
            .iter()
            .take(2)
            .map(|p| {
                let variant = &p.product.variants[0];
                json!({"product_id": numeric(&p.gid), "variant_id": numeric(variant.id.as_str()),
                       "quantity": 1, "price": "10.00"})
            })
            .collect();
        let body = json!({
            "id": number,
            "admin_graphql_api_id": format!("gid://shopify/Order/{number}"),
            "created_at": "2026-11-18T09:00:00-05:00",
            "cancelled_at": null,
            "test": false,
            "financial_status": "paid",
            "customer": {"id": customer},
            "line_items": lines,
        });
        (
            OrderId::new(format!("gid://shopify/Order/{number}")),
            body.to_string().into_bytes(),
        )
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn a_valid_delivery_is_stored_applied_and_pushed_and_a_replay_is_dropped() {
    runtime().block_on(async {
        let rig = Rig::start().await;
        rig.settle(SHOPIFY_SHOP).await;
        let before = rig.daemon.board().shop(SHOPIFY_SHOP).unwrap();
        let (id, body) = rig.shopify_order(990_001, 4242);
        let status = rig
            .shopify("orders/create", "event-1", &body, &rig.shopify_secret)
            .await;
        assert_eq!(status, StatusCode::OK);
        rig.wait_for(SHOPIFY_SHOP, "applied job", |s| {
            s.jobs_applied > before.jobs_applied
        })
        .await;
        assert!(rig.store(SHOPIFY_SHOP).get_order(&id).unwrap().is_some());
        rig.settle(SHOPIFY_SHOP).await;
        let after = rig.daemon.board().shop(SHOPIFY_SHOP).unwrap();
        assert!(
            after.last_push > before.last_push,
            "no push followed the order"
        );

        // The same event again (a platform retry): acknowledged, not queued again.
        let again = rig
            .shopify("orders/create", "event-1", &body, &rig.shopify_secret)
            .await;
        assert_eq!(again, StatusCode::OK);
        let replayed = rig.daemon.board().shop(SHOPIFY_SHOP).unwrap();
        assert_eq!(replayed.webhooks.get("duplicate"), Some(&1));
        assert_eq!(rig.store(SHOPIFY_SHOP).job_count(), 0);
        rig.daemon.shutdown().await.unwrap();
    });
}

#[test]
fn bad_signatures_oversized_bodies_and_unknown_shops_are_refused_and_nothing_is_stored() {
    runtime().block_on(async {
        let rig = Rig::start().await;
        rig.settle(SHOPIFY_SHOP).await;
        let store = rig.store(SHOPIFY_SHOP);
        let (id, body) = rig.shopify_order(990_002, 4243);
        let forged = rig
            .shopify("orders/create", "event-2", &body, "not-the-secret")
            .await;
        assert_eq!(forged, StatusCode::UNAUTHORIZED);
        let unsigned = reqwest::Client::new()
            .post(rig.url("shopify", SHOPIFY_SHOP))
            .header("X-Shopify-Topic", "orders/create")
            .body(body.clone())
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(unsigned, StatusCode::UNAUTHORIZED);
        let huge = vec![b' '; 65 * 1024];
        let oversized = rig
            .shopify("orders/create", "event-3", &huge, &rig.shopify_secret)
            .await;
        assert_eq!(oversized, StatusCode::PAYLOAD_TOO_LARGE);
        let unknown = reqwest::Client::new()
            .post(rig.url("shopify", "no-such-shop"))
            .body(body.clone())
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(unknown, StatusCode::NOT_FOUND);
        // A shop of the other platform is unknown on this endpoint.
        let wrong_platform = reqwest::Client::new()
            .post(rig.url("woocommerce", SHOPIFY_SHOP))
            .body(body.clone())
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(wrong_platform, StatusCode::NOT_FOUND);
        assert_eq!(store.job_count(), 0);
        assert!(store.get_order(&id).unwrap().is_none());
        let status = rig.daemon.board().shop(SHOPIFY_SHOP).unwrap();
        assert_eq!(status.webhooks.get("unauthorized"), Some(&2));
        assert_eq!(status.webhooks.get("too_large"), Some(&1));
        assert_eq!(
            status.webhooks.get("accepted"),
            None.or(status.webhooks.get("accepted"))
        );
        rig.daemon.shutdown().await.unwrap();
    });
}

#[test]
fn woocommerce_pings_are_answered_and_echoes_of_our_writes_cause_no_push() {
    runtime().block_on(async {
        let rig = Rig::start().await;
        rig.settle(WOO_SHOP).await;
        let ping = reqwest::Client::new()
            .post(rig.url("woocommerce", WOO_SHOP))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("webhook_id=7")
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(ping, StatusCode::OK);
        // From now on the store sends order.created for new orders and product.updated
        // for every product we write, as WooCommerce does after each write.
        let mut scenario = rig.scenario;
        scenario.subscribe(rig.daemon.address());
        let before = rig.daemon.board().shop(WOO_SHOP).unwrap();
        let batches = scenario.woo.state().counters().batch_calls;
        while scenario.place_next_order() != Some(WOO_SHOP) {}
        let store = rig.daemon.store().shop(WOO_SHOP).unwrap();
        let settled = |s: &ShopStatus| {
            s.jobs_applied > before.jobs_applied
                && store.job_count() == 0
                && s.phase.as_str() == "idle"
        };
        let started = Instant::now();
        while !settled(&rig.daemon.board().shop(WOO_SHOP).unwrap()) {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the order was not applied"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let pushed = scenario.woo.state().counters().batch_calls;
        assert!(pushed > batches, "the new order changed no list");
        // Every product that push wrote comes back as product.updated: all ignored.
        let echoes = scenario.woo.state().deliveries_sent();
        tokio::time::sleep(Duration::from_secs(1)).await;
        let started = Instant::now();
        while store.job_count() > 0 || scenario.woo.state().pending_deliveries() > 0 {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "echoes not drained"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let after = rig.daemon.board().shop(WOO_SHOP).unwrap();
        assert!(
            scenario.woo.state().deliveries_sent() > echoes || echoes > 1,
            "no echo was sent"
        );
        assert_eq!(
            after.jobs_applied,
            before.jobs_applied + 1,
            "an echo changed the store: {after:?}"
        );
        assert!(after.jobs_ignored > before.jobs_ignored, "{after:?}");
        assert_eq!(
            scenario.woo.state().counters().batch_calls,
            pushed,
            "an echo caused a push"
        );
        rig.daemon.shutdown().await.unwrap();
    });
}

#[test]
fn privacy_topics_delete_what_they_name_and_uninstall_stops_the_shop() {
    runtime().block_on(async {
        let rig = Rig::start().await;
        rig.settle(SHOPIFY_SHOP).await;
        let store = rig.store(SHOPIFY_SHOP);
        let sim_orders = rig.scenario.shopify.state().orders();
        let customer_gid = sim_orders
            .iter()
            .find_map(|o| o.customer_gid.clone())
            .unwrap();
        let theirs: Vec<OrderId> = sim_orders
            .iter()
            .filter(|o| o.customer_gid.as_deref() == Some(customer_gid.as_str()))
            .map(|o| OrderId::new(o.gid.clone()))
            .collect();
        assert!(theirs
            .iter()
            .all(|id| store.get_order(id).unwrap().is_some()));
        let orders_before = store.order_count();

        // customers/data_request: acknowledged, nothing deleted (we hold no personal data).
        let numeric_id: u64 = customer_gid.rsplit('/').next().unwrap().parse().unwrap();
        let request = json!({"shop_id": 1, "shop_domain": "simulated-shop.myshopify.com",
            "orders_requested": [], "customer": {"id": numeric_id, "email": "a@example.com"},
            "data_request": {"id": 9}})
        .to_string();
        let status = rig
            .shopify(
                "customers/data_request",
                "p-1",
                request.as_bytes(),
                &rig.shopify_secret,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        rig.settle(SHOPIFY_SHOP).await;
        assert_eq!(store.order_count(), orders_before);

        // customers/redact: the customer's orders leave the store and the counts.
        let redact = json!({"shop_id": 1, "shop_domain": "simulated-shop.myshopify.com",
            "customer": {"id": numeric_id, "email": "a@example.com", "phone": null},
            "orders_to_redact": []})
        .to_string();
        let status = rig
            .shopify(
                "customers/redact",
                "p-2",
                redact.as_bytes(),
                &rig.shopify_secret,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        rig.settle(SHOPIFY_SHOP).await;
        assert!(theirs
            .iter()
            .all(|id| store.get_order(id).unwrap().is_none()));
        assert_eq!(store.order_count(), orders_before - theirs.len());

        // app/uninstalled: the shop stops, its data stays.
        let products = store.product_count();
        let status = rig
            .shopify("app/uninstalled", "p-3", b"{\"id\":1}", &rig.shopify_secret)
            .await;
        assert_eq!(status, StatusCode::OK);
        rig.wait_for(SHOPIFY_SHOP, "stop", |s| s.halted.is_some())
            .await;
        assert_eq!(store.product_count(), products);
        assert!(store.halt().unwrap().is_some());

        // shop/redact (48 h after uninstalling): everything of the shop is deleted.
        let redact_shop =
            json!({"shop_id": 1, "shop_domain": "simulated-shop.myshopify.com"}).to_string();
        let status = rig
            .shopify(
                "shop/redact",
                "p-4",
                redact_shop.as_bytes(),
                &rig.shopify_secret,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        rig.settle(SHOPIFY_SHOP).await;
        assert_eq!((store.product_count(), store.order_count()), (0, 0));
        assert!(store
            .get_recs(&ProductId::new("gid://shopify/Product/7000000000001"))
            .unwrap()
            .is_none());
        // The other shop is untouched.
        assert!(rig.store(WOO_SHOP).order_count() > 0);
        rig.daemon.shutdown().await.unwrap();
    });
}

/// A merchant editing orders (one unit more or fewer) makes the platform send each
/// whole order back: the daemon applies every one as an update and re-ranks what it
/// touches, and its order count stays where it was (the steady soak rests on this).
#[test]
fn touched_orders_come_back_as_updates_and_the_order_count_stays() {
    runtime().block_on(async {
        let mut rig = Rig::start().await;
        rig.scenario.subscribe(rig.daemon.address());
        rig.settle(SHOPIFY_SHOP).await;
        rig.settle(WOO_SHOP).await;
        let board = rig.daemon.board();
        let before = [SHOPIFY_SHOP, WOO_SHOP].map(|shop| board.shop(shop).unwrap());
        let stored = [SHOPIFY_SHOP, WOO_SHOP].map(|shop| rig.store(shop).order_count());
        for _ in 0..20 {
            rig.scenario.touch_next_order();
        }
        assert_eq!(rig.scenario.touched(), 20);
        for ((shop, before), stored) in [SHOPIFY_SHOP, WOO_SHOP].iter().zip(&before).zip(stored) {
            rig.wait_for(shop, "ten updates applied", |s| {
                s.jobs_applied >= before.jobs_applied + 10
            })
            .await;
            rig.settle(shop).await;
            let after = board.shop(shop).unwrap();
            assert_eq!(after.orders, before.orders, "{shop}");
            assert_eq!(rig.store(shop).order_count(), stored, "{shop}");
            assert!(before.orders > 0, "{shop}");
            assert_eq!(after.failures, 0, "{shop}");
            assert!(after.errors.is_empty(), "{shop}: {:?}", after.errors);
        }
        rig.daemon.shutdown().await.unwrap();
    });
}
