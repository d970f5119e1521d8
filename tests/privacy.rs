//! Privacy (issue 7, point 4) against both simulated stores, whose orders carry their
//! buyers' names, emails, phones and addresses as real ones do:
//! - after pulls and webhooks, no buyer's email, name, phone, street or raw customer id
//!   is anywhere in the store: not in any key or value of any sled tree, not in the raw
//!   bytes of the store's files (where sled keeps removed values for a while);
//! - `forget --customer` removes the customer's orders, the lists stop counting them,
//!   and no later sync (incremental or full) brings them back;
//! - `forget --shop` removes one shop and leaves the other as it was;
//! - the redaction webhooks (Shopify `customers/redact`, WooCommerce `customer.deleted`)
//!   forget the customer just as well.

#[path = "support/files.rs"]
mod files;
mod support;

use std::path::{Path, PathBuf};

use files::files_under;
use std::time::{Duration, Instant};

use chrono::DateTime;
use serde_json::{json, Value};
use support::text;
use upsell_sync::config::Config;
use upsell_sync::daemon::Daemon;
use upsell_sync::model::{
    CustomerHash, LineItem, Money, Order, OrderFlags, OrderId, ProductId, ProductRecs,
    ProductStatus,
};
use upsell_sync::platform::webhook_signature::sign;
use upsell_sync::sim::person::Person;
use upsell_sync::sim::scenario::{Scenario, ScenarioSpec, SHOPIFY_SHOP, WOO_SHOP};
use upsell_sync::store::{load_or_create_salt, Store, SHOP_TREES};
use upsell_sync::sync::status::ShopStatus;

const SPEC: ScenarioSpec = ScenarioSpec {
    seed: 41,
    products: 60,
    orders: 300,
    streamed: 8,
    now: DateTime::from_timestamp(1_795_000_000, 0).expect("a valid time"),
};

/// Both stores and a config for them in a temporary directory (the data directory too).
struct Rig {
    scenario: Scenario,
    dir: tempfile::TempDir,
}

impl Rig {
    async fn start() -> Self {
        let scenario = Scenario::start(SPEC).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        scenario
            .write_config(dir.path(), "127.0.0.1:0".parse().unwrap())
            .unwrap();
        Self { scenario, dir }
    }

    /// Runs the binary with the scenario's config; asserts it succeeded; its stdout.
    async fn cli(&self, args: &[&str]) -> String {
        let out = support::run_with_config(self.dir.path(), args, &[]).await;
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{args:?} failed:\n{stdout}\n{stderr}");
        stdout
    }

    /// Runs the binary expecting failure; its stderr.
    async fn cli_fails(&self, args: &[&str]) -> String {
        let out = support::run_with_config(self.dir.path(), args, &[]).await;
        let (stdout, stderr) = text(&out);
        assert!(!out.status.success(), "{args:?} succeeded:\n{stdout}");
        stderr
    }

    fn store_path(&self) -> PathBuf {
        self.dir.path().join("store")
    }

    /// Opens the store (no binary and no daemon may hold it).
    fn store(&self) -> Store {
        Store::open(&self.store_path()).unwrap()
    }

    async fn daemon(&self) -> Daemon {
        let config = Config::load(&self.dir.path().join("config.toml")).unwrap();
        let daemon = Daemon::start(config).await.unwrap();
        for shop in [SHOPIFY_SHOP, WOO_SHOP] {
            wait_for(&daemon, shop, "the first push", |s| s.last_push.is_some()).await;
        }
        daemon
    }

    fn secret(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join("secrets").join(name)).unwrap()
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

async fn wait_for(daemon: &Daemon, shop: &str, what: &str, done: impl Fn(&ShopStatus) -> bool) {
    let started = Instant::now();
    loop {
        let status = daemon.board().shop(shop).unwrap();
        if done(&status) {
            return;
        }
        // A deadline against hangs only: a loaded CI machine may take a while.
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "{shop}: no {what} in 180 s: {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the shop's queue is empty, its pipeline idle and `done` holds.
async fn settle(daemon: &Daemon, shop: &str, done: impl Fn(&ShopStatus) -> bool) {
    let store = daemon.store().shop(shop).unwrap();
    wait_for(daemon, shop, "settled state", |s| {
        store.job_count() == 0 && s.phase.as_str() == "idle" && done(s)
    })
    .await;
}

// ---- what the simulated buyers are ----

/// The numeric id of a Shopify customer GID.
fn gid_number(gid: &str) -> u64 {
    gid.rsplit('/').next().unwrap().parse().unwrap()
}

/// Every personal detail the simulated stores hold and send about their buyers, and
/// each buyer's raw customer id as the platform gives it.
fn personal_details(scenario: &Scenario) -> Vec<String> {
    let mut found = Vec::new();
    for order in scenario.shopify.state().orders() {
        if let Some(gid) = &order.customer_gid {
            let person = Person::numbered(gid_number(gid), None);
            found.extend(person_details(&person));
            found.push(gid.clone());
        }
    }
    for order in scenario.woo.state().orders() {
        let served = scenario.woo.state().order_json(order.id).unwrap();
        let billing = &served["billing"];
        let field = |name: &str| billing[name].as_str().unwrap_or_default().to_owned();
        if field("email").is_empty() {
            continue;
        }
        found.push(field("email"));
        found.push(format!("{} {}", field("first_name"), field("last_name")));
        found.push(field("phone"));
        found.push(field("address_1"));
        if order.customer_id != 0 {
            found.push(format!("customer:{}", order.customer_id));
        }
    }
    found.sort();
    found.dedup();
    found
}

fn person_details(person: &Person) -> [String; 4] {
    [
        person.email.clone(),
        person.full_name(),
        person.phone.clone(),
        person.address_1.clone(),
    ]
}

/// WooCommerce's raw customer ids as bare numbers: those that are not part of an id the
/// store rightly holds (a product or order id of the same digits).
fn bare_woo_customer_ids(scenario: &Scenario, store: &Store) -> Vec<String> {
    let shop = store.shop(WOO_SHOP).unwrap();
    let ids: Vec<String> = shop
        .product_ids()
        .map(|id| id.unwrap().as_str().to_owned())
        .chain(shop.order_ids().map(|id| id.unwrap().as_str().to_owned()))
        .collect();
    let mut bare: Vec<String> = scenario
        .woo
        .state()
        .orders()
        .iter()
        .filter(|o| o.customer_id >= 100_000)
        .map(|o| o.customer_id.to_string())
        .filter(|c| !ids.iter().any(|id| id.contains(c.as_str())))
        .collect();
    bare.sort();
    bare.dedup();
    bare
}

// ---- what the store holds ----

/// Every key and value of every tree, each followed by a separator.
fn every_tree_entry(path: &Path) -> Vec<u8> {
    let db = open_sled(path);
    let mut all = Vec::new();
    for name in db.tree_names() {
        all.extend_from_slice(&name);
        all.push(0xff);
        for entry in &db.open_tree(&name).unwrap() {
            let (key, value) = entry.unwrap();
            all.extend_from_slice(&key);
            all.push(0xff);
            all.extend_from_slice(&value);
            all.push(0xff);
        }
    }
    all
}

/// The sled database itself, to see what the store module would not show. sled frees
/// its lock a moment after the last handle is dropped: retry briefly.
fn open_sled(path: &Path) -> sled::Db {
    let started = Instant::now();
    loop {
        match sled::Config::new().path(path).open() {
            Ok(db) => return db,
            Err(e) if started.elapsed() < Duration::from_secs(5) => {
                let _ = e;
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("opening {}: {e}", path.display()),
        }
    }
}

/// Whether `needle` occurs in `haystack`. A number (a bare customer id) counts only as a
/// whole number: not inside a longer run of digits (another shop's GID) or a fraction
/// of a second (the nanoseconds of a stored timestamp), which would match by chance.
fn contains(haystack: &[u8], needle: &str) -> bool {
    let bytes = needle.as_bytes();
    if bytes.is_empty() {
        return false;
    }
    let numeric = bytes.iter().all(u8::is_ascii_digit);
    haystack
        .windows(bytes.len())
        .enumerate()
        .filter(|(_, w)| *w == bytes)
        .any(|(at, _)| {
            let before = at.checked_sub(1).map(|i| haystack[i]);
            let after = haystack.get(at + bytes.len()).copied();
            !numeric
                || !(before.is_some_and(|b| b.is_ascii_digit() || b == b'.')
                    || after.is_some_and(|b| b.is_ascii_digit()))
        })
}

/// The needles found in the store's trees or files, with where.
fn leaks(store_path: &Path, needles: &[String]) -> Vec<String> {
    let entries = every_tree_entry(store_path);
    let mut found: Vec<String> = needles
        .iter()
        .filter(|n| contains(&entries, n))
        .map(|n| format!("{n:?} in a tree"))
        .collect();
    for (path, bytes) in files_under(store_path) {
        for needle in needles.iter().filter(|n| contains(&bytes, n)) {
            found.push(format!("{needle:?} in {}", path.display()));
        }
    }
    found
}

#[test]
fn no_buyer_name_email_phone_address_or_customer_id_reaches_the_store() {
    runtime().block_on(async {
        let mut rig = Rig::start().await;
        rig.cli(&["sync"]).await;
        // Then the daemon: its own pulls, and every held-back order as a webhook, whose
        // REST body carries the buyer's details on both platforms.
        let daemon = rig.daemon().await;
        rig.scenario.subscribe(daemon.address());
        while rig.scenario.place_next_order().is_some() {}
        let shopify_orders = rig.scenario.shopify.state().orders().len();
        let woo_orders = rig.scenario.woo.state().orders().len();
        let (shopify, woo) = (
            daemon.store().shop(SHOPIFY_SHOP).unwrap(),
            daemon.store().shop(WOO_SHOP).unwrap(),
        );
        settle(&daemon, SHOPIFY_SHOP, |_| {
            shopify.order_count() == shopify_orders
        })
        .await;
        settle(&daemon, WOO_SHOP, |_| woo.order_count() == woo_orders).await;
        let delivered = rig.scenario.shopify.state().webhook_counters().delivered;
        assert!(
            delivered >= 4,
            "only {delivered} Shopify webhooks delivered"
        );
        assert!(rig.scenario.woo.state().deliveries_sent() >= 4);
        drop((shopify, woo));
        daemon.shutdown().await.unwrap();

        let mut needles = personal_details(&rig.scenario);
        let people = needles.iter().filter(|n| n.contains('@')).count();
        assert!(
            people >= 50,
            "only {people} buyers with an email in the sims"
        );
        {
            let store = rig.store();
            needles.extend(bare_woo_customer_ids(&rig.scenario, &store));
            assert_eq!(
                store.shop(SHOPIFY_SHOP).unwrap().order_count(),
                shopify_orders
            );
        }
        let found = leaks(&rig.store_path(), &needles);
        assert!(found.is_empty(), "personal data in the store: {found:#?}");
        // The scan sees what is there: a planted email is found in the files.
        let store = rig.store();
        let probe = store.shop("probe").unwrap();
        let canary = "canary.person@example.test".to_owned();
        probe.push_job(canary.as_bytes()).unwrap();
        store.flush().unwrap();
        drop((probe, store));
        assert!(!leaks(&rig.store_path(), &[canary]).is_empty());
    });
}

/// The planted customer of `forget`: a buyer who alone bought products `a` and `b`
/// together, in `PLANTED_ORDERS` orders (`customer` is the sim's own key for them).
struct Planted {
    a: ProductId,
    b: ProductId,
    customer: CustomerHash,
    orders: Vec<OrderId>,
}

const PLANTED_ORDERS: usize = 6;

/// Two active products of the Shopify sim never bought together, and `PLANTED_ORDERS`
/// orders of one new customer holding both.
fn plant_pair(scenario: &Scenario) -> Planted {
    let state = scenario.shopify.state();
    let products = state.products();
    let orders = state.orders();
    let together = |a: &str, b: &str| {
        orders.iter().any(|o| {
            o.order.lines.iter().any(|l| l.product.as_str() == a)
                && o.order.lines.iter().any(|l| l.product.as_str() == b)
        })
    };
    let active: Vec<_> = products
        .iter()
        .filter(|p| p.product.status == ProductStatus::Active && !p.product.variants.is_empty())
        .collect();
    let (a, b) = active
        .iter()
        .flat_map(|a| active.iter().map(move |b| (a, b)))
        .find(|(a, b)| a.gid != b.gid && !together(&a.gid, &b.gid))
        .expect("two products never bought together");
    let customer = CustomerHash([0x5a; 16]);
    let line = |p: &upsell_sync::sim::shopify::SimProduct| LineItem {
        product: ProductId::new(p.gid.clone()),
        variant: Some(p.product.variants[0].id.clone()),
        quantity: 1,
        unit_price: Money::parse("10.00").unwrap(),
    };
    let planted = (0..PLANTED_ORDERS as u32)
        .map(|k| {
            let order = Order {
                id: OrderId::new(format!("planted-{k}")),
                created_at: SPEC.now - chrono::Duration::hours(2 + i64::from(k)),
                customer: Some(customer),
                flags: OrderFlags::default(),
                lines: vec![line(a), line(b)],
            };
            OrderId::new(state.add_order(&order))
        })
        .collect();
    Planted {
        a: ProductId::new(a.gid.clone()),
        b: ProductId::new(b.gid.clone()),
        customer,
        orders: planted,
    }
}

/// Orders holding both `a` and `b` as `a`'s lists count them (largest over the lists
/// and bundles that name `b`; 0 when none does).
fn co_orders(recs: &ProductRecs, b: &ProductId) -> f64 {
    let links = [
        &recs.cross_sell,
        &recs.upsell,
        &recs.downsell,
        &recs.related,
    ];
    let in_lists = links
        .iter()
        .flat_map(|list| list.iter())
        .filter(|l| &l.product == b)
        .map(|l| l.why.co_orders);
    let in_bundles = recs
        .bundles
        .iter()
        .filter(|bundle| bundle.items.contains(b))
        .map(|bundle| bundle.co_orders);
    in_lists.chain(in_bundles).fold(0.0, f64::max)
}

#[test]
fn forget_customer_drops_their_orders_and_pairs_and_no_later_sync_brings_them_back() {
    runtime().block_on(async {
        let rig = Rig::start().await;
        let planted = plant_pair(&rig.scenario);
        let customer_gid = rig
            .scenario
            .shopify
            .state()
            .orders()
            .into_iter()
            .find(|o| o.gid == planted.orders[0].as_str())
            .and_then(|o| o.customer_gid)
            .unwrap();
        rig.cli(&["sync"]).await;
        rig.cli(&["compute"]).await;
        let before = {
            let shop = rig.store().shop(SHOPIFY_SHOP).unwrap();
            let recs = shop.get_recs(&planted.a).unwrap().unwrap();
            let paired = co_orders(&recs, &planted.b);
            assert!(
                paired > PLANTED_ORDERS as f64 - 1.0,
                "the planted pair is not in the lists ({paired} co-orders): {recs:?}"
            );
            assert!(planted
                .orders
                .iter()
                .all(|id| shop.get_order(id).unwrap().is_some()));
            shop.order_count()
        };

        // The store knows the customer only by the salted hash of their GID.
        let config = Config::load(&rig.dir.path().join("config.toml")).unwrap();
        let salt = load_or_create_salt(&config.daemon.salt_path()).unwrap();
        let stored_customer = CustomerHash::new(&salt, &customer_gid);
        let number = gid_number(&customer_gid).to_string();
        let out = rig
            .cli(&["forget", "--shop", SHOPIFY_SHOP, "--customer", &number])
            .await;
        assert!(
            out.contains(&format!("removed {PLANTED_ORDERS} orders")),
            "{out}"
        );
        let check = |when: &str| {
            let shop = rig.store().shop(SHOPIFY_SHOP).unwrap();
            assert_eq!(shop.order_count(), before - PLANTED_ORDERS, "{when}");
            assert!(shop.is_forgotten(&stored_customer).unwrap(), "{when}");
            for id in &planted.orders {
                assert_eq!(shop.get_order(id).unwrap(), None, "{when}: {id:?}");
            }
            let recs = shop.get_recs(&planted.a).unwrap().unwrap_or_default();
            // Each planted order counts about 1 (they are recent): none may be left.
            let paired = co_orders(&recs, &planted.b);
            assert!(paired < 0.5, "{when}: {paired} co-orders: {recs:?}");
        };
        check("after forget");

        // The platform still has them: neither an incremental nor a full sync, nor a
        // new order of theirs, brings them back; the counts say why they differ.
        let out = rig.cli(&["sync"]).await;
        assert!(
            out.contains(&format!(
                "store {} + {PLANTED_ORDERS} forgotten (match)",
                before - PLANTED_ORDERS
            )),
            "{out}"
        );
        rig.cli(&["sync", "--full"]).await;
        rig.cli(&["compute"]).await;
        check("after a full sync");
        let mut another = rig.scenario.shopify.state().orders()[0].order.clone();
        another.id = OrderId::new("planted-later");
        another.customer = Some(planted.customer);
        another.created_at = SPEC.now;
        let _ = rig.scenario.shopify.state().add_order(&another);
        let out = rig.cli(&["sync"]).await;
        assert!(
            out.contains(&format!("+ {} forgotten (match)", PLANTED_ORDERS + 1)),
            "{out}"
        );
        check("after their new order");
    });
}

#[test]
fn forget_shop_removes_that_shop_only_and_asks_first() {
    runtime().block_on(async {
        let rig = Rig::start().await;
        rig.cli(&["sync"]).await;
        rig.cli(&["compute"]).await;
        let snapshot = |store: &Store| {
            let shop = store.shop(SHOPIFY_SHOP).unwrap();
            let orders: Vec<OrderId> = shop.order_ids().map(Result::unwrap).collect();
            let recs: Vec<_> = shop.all_recs().map(Result::unwrap).collect();
            (shop.product_count(), orders, recs)
        };
        let (shopify_before, woo_orders) = {
            let store = rig.store();
            let woo_orders = store.shop(WOO_SHOP).unwrap().order_count();
            (snapshot(&store), woo_orders)
        };

        // Held by another process (here: this test), the store is not touched.
        let held = rig.store();
        let error = rig
            .cli_fails(&["forget", "--shop", WOO_SHOP, "--yes"])
            .await;
        assert!(error.contains("stop the daemon"), "{error}");
        drop(held);
        // Without a terminal to ask on, nothing happens without --yes.
        let error = rig.cli_fails(&["forget", "--shop", WOO_SHOP]).await;
        assert!(error.contains("--yes"), "{error}");
        assert_eq!(
            rig.store().shop(WOO_SHOP).unwrap().order_count(),
            woo_orders
        );

        let out = rig.cli(&["forget", "--shop", WOO_SHOP, "--yes"]).await;
        assert!(out.contains(&format!("{woo_orders} orders")), "{out}");
        let store = rig.store();
        assert_eq!(store.shops().unwrap(), vec![SHOPIFY_SHOP.to_owned()]);
        drop(store);
        let db = open_sled(&rig.store_path());
        let prefix = format!("shop/{WOO_SHOP}/");
        let left: Vec<String> = db
            .tree_names()
            .iter()
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .filter(|n| n.starts_with(&prefix))
            .collect();
        assert!(left.is_empty(), "trees left: {left:?}");
        drop(db);
        assert_eq!(snapshot(&rig.store()), shopify_before);
        assert_eq!(SHOP_TREES.len(), 11);
    });
}

#[test]
fn redaction_webhooks_forget_the_customer_for_the_counts_and_for_later_syncs() {
    runtime().block_on(async {
        let rig = Rig::start().await;
        let daemon = rig.daemon().await;
        rig.scenario.subscribe(daemon.address());
        let http = reqwest::Client::new();
        let url = |platform: &str, shop: &str| {
            format!("http://{}/webhooks/{platform}/{shop}", daemon.address())
        };

        // Shopify: customers/redact for a customer with orders.
        let shopify = daemon.store().shop(SHOPIFY_SHOP).unwrap();
        let sim_orders = rig.scenario.shopify.state().orders();
        let gid = sim_orders
            .iter()
            .find_map(|o| o.customer_gid.clone())
            .unwrap();
        let theirs: Vec<_> = sim_orders
            .iter()
            .filter(|o| o.customer_gid.as_deref() == Some(gid.as_str()))
            .collect();
        let shopify_before = shopify.order_count();
        let body = json!({"shop_id": 1, "shop_domain": "simulated-shop.myshopify.com",
            "customer": {"id": gid_number(&gid), "email": "x@example.test", "phone": null},
            "orders_to_redact": []})
        .to_string();
        let secret = rig.secret("shopify-webhook-secret");
        let status = http
            .post(url("shopify", SHOPIFY_SHOP))
            .header("X-Shopify-Topic", "customers/redact")
            .header(
                "X-Shopify-Hmac-Sha256",
                sign(secret.as_bytes(), body.as_bytes()),
            )
            .header("X-Shopify-Event-Id", "redact-1")
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, reqwest::StatusCode::OK);
        let shopify_after = shopify_before - theirs.len();
        settle(&daemon, SHOPIFY_SHOP, |s| s.orders == shopify_after).await;
        assert_eq!(shopify.order_count(), shopify_after);

        // WooCommerce: customer.deleted for a registered customer with orders.
        let woo = daemon.store().shop(WOO_SHOP).unwrap();
        let woo_orders = rig.scenario.woo.state().orders();
        let customer_id = woo_orders
            .iter()
            .find(|o| o.customer_id != 0)
            .unwrap()
            .customer_id;
        let woo_theirs = woo_orders
            .iter()
            .filter(|o| o.customer_id == customer_id)
            .count();
        let woo_before = woo.order_count();
        let body = json!({"id": customer_id, "email": "x@example.test"}).to_string();
        let secret = rig.secret("woo-webhook-secret");
        let status = http
            .post(url("woocommerce", WOO_SHOP))
            .header("X-WC-Webhook-Topic", "customer.deleted")
            .header(
                "X-WC-Webhook-Signature",
                sign(secret.as_bytes(), body.as_bytes()),
            )
            .header("X-WC-Webhook-Delivery-ID", "redact-2")
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, reqwest::StatusCode::OK);
        let woo_after = woo_before - woo_theirs;
        settle(&daemon, WOO_SHOP, |s| s.orders == woo_after).await;
        assert_eq!(woo.order_count(), woo_after);

        // A new order of the redacted Shopify customer arrives as a webhook: refused.
        let mut again = theirs[0].order.clone();
        again.id = OrderId::new("after-redact");
        again.created_at = SPEC.now;
        let new_gid = rig.scenario.shopify.state().add_order(&again);
        let applied = daemon.board().shop(SHOPIFY_SHOP).unwrap().jobs_ignored;
        settle(&daemon, SHOPIFY_SHOP, |s| s.jobs_ignored > applied).await;
        assert_eq!(
            shopify.get_order(&OrderId::new(new_gid.clone())).unwrap(),
            None
        );
        drop((shopify, woo));
        daemon.shutdown().await.unwrap();

        // The platforms still hold every order: a full sync of both stores them not.
        let out = rig.cli(&["sync", "--full"]).await;
        let store = rig.store();
        let (shopify, woo) = (
            store.shop(SHOPIFY_SHOP).unwrap(),
            store.shop(WOO_SHOP).unwrap(),
        );
        assert_eq!(shopify.order_count(), shopify_after, "{out}");
        assert_eq!(woo.order_count(), woo_after, "{out}");
        for order in &theirs {
            assert_eq!(
                shopify.get_order(&OrderId::new(order.gid.clone())).unwrap(),
                None
            );
        }
        assert_eq!(shopify.get_order(&OrderId::new(new_gid)).unwrap(), None);
    });
}

/// The WooCommerce sim serves each buyer as the person the privacy scan looks for.
#[test]
fn the_simulated_stores_send_their_buyers_personal_details() {
    runtime().block_on(async {
        let rig = Rig::start().await;
        let order = rig
            .scenario
            .woo
            .state()
            .orders()
            .into_iter()
            .find(|o| o.customer_id != 0)
            .unwrap();
        let served: Value = rig.scenario.woo.state().order_json(order.id).unwrap();
        let person = Person::numbered(order.customer_id, Some(&order.billing_email));
        assert_eq!(served["billing"]["last_name"], json!(person.last_name));
        assert_eq!(served["billing"]["address_1"], json!(person.address_1));
        assert_eq!(served["shipping"]["phone"], json!(person.phone));
    });
}
