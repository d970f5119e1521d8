//! The daemon's Shopify side against the simulated Shopify (`src/sim/shopify`): pull
//! (paged, incremental, bulk backfill, deletions, the 60-day order window), push (exact
//! lists, nothing on a second push, nothing in a dry run, merge with a merchant's list,
//! the bulk-mutation path) and recovery from each injected fault. Time is a shared
//! `ManualClock`: every wait (pacing, backoff, bulk polls) advances it instead of
//! sleeping, and the simulated bucket refills by the same clock.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use upsell_sync::config::{Secret, WriteConfig, WriteMode};
use upsell_sync::model::{InstallSalt, OrderId, ProductId};
use upsell_sync::platform::retry::{ManualClock, RetryPolicy};
use upsell_sync::platform::shopify::bucket::CostBucket;
use upsell_sync::platform::shopify::client::{ClientSettings, ShopifyClient};
use upsell_sync::platform::shopify::metafields::DISCOVERY_NAMESPACE;
use upsell_sync::recommend::Params;
use upsell_sync::sim::shopify::{
    BulkErrorCode, BulkFailure, Fault, SimConfig, SimShopify, BULK_RESULT_FILE, STAGED_UPLOAD,
};
use upsell_sync::store::{ShopStore, Store};
use upsell_sync::sync::compute::compute_shop;
use upsell_sync::sync::shopify::pull::{pull, PullOptions, PullReport, ORDERS, PRODUCTS};
use upsell_sync::sync::shopify::push::{push, PushOptions, PushReport};

const TOKEN: &str = "shpat_test_token";
const NAMESPACE: &str = "upsell_sync";

struct Rig {
    sim: SimShopify,
    clock: ManualClock,
    client: ShopifyClient<ManualClock>,
    _store: Store,
    shop: ShopStore,
    salt: InstallSalt,
}

async fn rig(config: SimConfig) -> Rig {
    rig_with_timeout(config, Duration::from_secs(10)).await
}

async fn rig_with_timeout(config: SimConfig, timeout: Duration) -> Rig {
    let clock = ManualClock::new();
    let sim = SimShopify::start(config.with_token(TOKEN).with_clock(Arc::new(clock.clone())))
        .await
        .expect("simulator starts");
    let client = client_for(&sim, &clock, TOKEN, timeout);
    let store = Store::open_temporary().unwrap();
    let shop = store.shop("sim").unwrap();
    Rig {
        sim,
        clock,
        client,
        _store: store,
        shop,
        salt: InstallSalt([9; 32]),
    }
}

fn client_for(
    sim: &SimShopify,
    clock: &ManualClock,
    token: &str,
    timeout: Duration,
) -> ShopifyClient<ManualClock> {
    let settings = ClientSettings {
        base_url: sim.base_url().to_owned(),
        api_version: "2026-07".to_owned(),
        access_token: Secret::new(token),
        timeout,
        retry: RetryPolicy::default(),
    };
    ShopifyClient::new(
        settings,
        CostBucket::new(Arc::new(clock.clone())),
        clock.clone(),
    )
    .unwrap()
}

fn small_shop() -> SimConfig {
    SimConfig::default().with_generated(11, 120, 900)
}

impl Rig {
    fn pull_options(&self, full: bool) -> PullOptions {
        PullOptions {
            full,
            bulk_threshold: 100_000,
            overlap: chrono::Duration::minutes(10),
            poll: Duration::from_secs(1),
            now: self.sim.state().now(),
        }
    }

    async fn pull(&self, full: bool) -> PullReport {
        pull(
            &self.client,
            &self.shop,
            &self.salt,
            &self.pull_options(full),
        )
        .await
        .expect("pull")
    }

    fn push_options(&self, mode: WriteMode) -> PushOptions {
        PushOptions {
            write: WriteConfig {
                mode,
                ..WriteConfig::default()
            },
            namespace: NAMESPACE.to_owned(),
            search_discovery: true,
            bulk_threshold: 100_000,
            poll: Duration::from_secs(1),
            now: self.sim.state().now(),
        }
    }

    async fn push(&self, options: &PushOptions) -> PushReport {
        push(&self.client, &self.shop, options).await.expect("push")
    }

    fn compute(&self) {
        compute_shop(&self.shop, &Params::default(), self.sim.state().now()).expect("compute");
    }

    /// Every product and order the store holds equals what the shop holds.
    fn assert_store_matches_shop(&self) {
        let state = self.sim.state();
        let products = state.products();
        assert_eq!(self.shop.product_count(), products.len(), "product count");
        for sim in &products {
            let stored = self
                .shop
                .get_product(&ProductId::new(sim.gid.clone()))
                .unwrap()
                .expect(&sim.gid);
            assert_eq!(stored.title, sim.product.title);
            assert_eq!(stored.status, sim.product.status);
            assert_eq!(stored.tags, sim.product.tags);
            let ids = |p: &upsell_sync::model::Product| {
                p.variants
                    .iter()
                    .map(|v| v.id.0.clone())
                    .collect::<Vec<_>>()
            };
            let mut got = ids(&stored);
            let mut want = ids(&sim.product);
            got.sort();
            want.sort();
            assert_eq!(got, want, "variants of {}", sim.gid);
            let prices = |p: &upsell_sync::model::Product| {
                let mut v: Vec<_> = p
                    .variants
                    .iter()
                    .map(|v| (v.id.0.clone(), v.price, v.compare_at_price))
                    .collect();
                v.sort();
                v
            };
            assert_eq!(prices(&stored), prices(&sim.product));
        }
        let orders = state.orders();
        assert_eq!(self.shop.order_count(), orders.len(), "order count");
        for sim in &orders {
            let stored = self.shop.get_order(&sim.order.id).unwrap().expect(&sim.gid);
            let lines = |o: &upsell_sync::model::Order| {
                let mut v: Vec<_> = o
                    .lines
                    .iter()
                    .filter(|l| !l.product.0.is_empty())
                    .map(|l| (l.product.0.clone(), l.quantity, l.unit_price))
                    .collect();
                v.sort();
                v
            };
            assert_eq!(lines(&stored), lines(&sim.order), "lines of {}", sim.gid);
            assert_eq!(stored.flags, sim.order.flags, "flags of {}", sim.gid);
            assert_eq!(stored.customer.is_some(), sim.customer_gid.is_some());
        }
    }

    /// `namespace.key` → value of every metafield of `product` on the shop.
    fn metafields(&self, product: &str) -> HashMap<String, String> {
        self.sim
            .state()
            .metafields(product)
            .into_iter()
            .map(|m| (format!("{}.{}", m.namespace, m.key), m.value))
            .collect()
    }
}

fn ids(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_sync_pages_in_every_product_and_order_with_gids_kept_as_received() {
    let rig = rig(small_shop()).await;
    let report = rig.pull(false).await;
    assert_eq!(report.products.mode, "paged");
    assert!(report.reconciled(), "{:?}", report.counts);
    assert_eq!(report.problem_count, 0, "{:?}", report.problems);
    rig.assert_store_matches_shop();
    assert!(rig.shop.checkpoint(PRODUCTS).unwrap().is_some());
    assert_eq!(rig.client.stats().throttled, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incremental_sync_reads_only_what_changed() {
    let rig = rig(small_shop()).await;
    rig.pull(false).await;
    let checkpoint = rig.shop.checkpoint(PRODUCTS).unwrap().unwrap().updated_at;
    // Products changed within the overlap window before the checkpoint are read again.
    let in_overlap = rig
        .sim
        .state()
        .products()
        .iter()
        .filter(|p| p.product.updated_at >= checkpoint - chrono::Duration::minutes(10))
        .count();
    let order_checkpoint = rig.shop.checkpoint(ORDERS).unwrap().unwrap().updated_at;
    let orders_in_overlap = rig
        .sim
        .state()
        .orders()
        .iter()
        .filter(|o| o.updated_at >= order_checkpoint - chrono::Duration::minutes(10))
        .count() as u64;
    // An hour later a merchant edits three products and a customer orders.
    rig.clock.advance(Duration::from_secs(3600));
    let state = rig.sim.state();
    let products = state.products();
    let oldest_first = {
        let mut all = products.clone();
        all.sort_by_key(|p| p.product.updated_at);
        all
    };
    for sim in oldest_first.iter().take(3) {
        assert!(state.update_product(&sim.gid, |p| p.title.push_str(" (new)")));
    }
    let mut order = state.orders()[0].order.clone();
    order.id = upsell_sync::model::OrderId::new("new-order");
    let new_order = state.add_order(&order);
    state.reset_counters();

    let report = rig.pull(false).await;
    assert_eq!(report.products.mode, "incremental");
    assert_eq!(
        report.products.stored as usize,
        3 + in_overlap,
        "only the edited products and the overlap"
    );
    assert!(
        in_overlap < products.len() / 10,
        "{in_overlap} products in the overlap window"
    );
    assert_eq!(
        report.orders.stored,
        1 + orders_in_overlap,
        "only the new order and the overlap"
    );
    assert!(report.reconciled(), "{:?}", report.counts);
    let edited = rig
        .shop
        .get_product(&ProductId::new(products[0].gid.clone()))
        .unwrap()
        .unwrap();
    assert!(edited.title.ends_with(" (new)"));
    assert!(rig
        .shop
        .get_order(&upsell_sync::model::OrderId::new(new_order))
        .unwrap()
        .is_some());
    rig.assert_store_matches_shop();
}

/// Orders edited after the pass began are left to the next pass: a walk ordered by
/// `UPDATED_AT` that took them in would never end while edits outpace its pages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_pass_stops_at_its_start_and_the_next_pass_reads_later_edits() {
    let rig = rig(small_shop()).await;
    rig.pull(false).await;
    let began = rig.pull_options(false);
    rig.clock.advance(Duration::from_secs(3600));
    let state = rig.sim.state();
    let edited = state.orders()[0].gid.clone();
    let quantity = |rig: &Rig| {
        let stored = rig.shop.get_order(&OrderId::new(&edited)).unwrap().unwrap();
        stored.lines[0].quantity
    };
    let before = quantity(&rig);
    assert!(state.add_units(&edited, 1));

    pull(&rig.client, &rig.shop, &rig.salt, &began)
        .await
        .expect("pull");
    assert_eq!(quantity(&rig), before, "the edit came after the pass began");
    rig.pull(false).await;
    assert_eq!(quantity(&rig), before + 1, "the next pass reads the edit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_sync_backfills_with_bulk_operations_and_streams_the_jsonl() {
    let rig = rig(small_shop()).await;
    let report = rig.pull(true).await;
    assert_eq!((report.products.mode, report.orders.mode), ("bulk", "bulk"));
    assert!(!report.products.partial && !report.orders.partial);
    assert!(report.reconciled(), "{:?}", report.counts);
    let counters = rig.sim.state().counters();
    assert_eq!(counters.bulk_operations, 2);
    assert_eq!(
        counters.requests_for("Products"),
        0,
        "no paged product reads"
    );
    rig.assert_store_matches_shop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_sync_of_a_large_store_goes_bulk_by_itself() {
    let rig = rig(small_shop()).await;
    let mut options = rig.pull_options(false);
    options.bulk_threshold = 50;
    let report = pull(&rig.client, &rig.shop, &rig.salt, &options)
        .await
        .unwrap();
    assert_eq!(report.products.mode, "bulk");
    rig.assert_store_matches_shop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_run_that_times_out_stores_its_partial_data_but_keeps_the_checkpoint() {
    let rig = rig(small_shop()).await;
    rig.sim.state().fail_next_bulk(BulkFailure {
        code: BulkErrorCode::Timeout,
        after_roots: 40,
    });
    let report = rig.pull(true).await;
    assert!(report.products.partial);
    assert!(
        rig.shop.checkpoint(PRODUCTS).unwrap().is_none(),
        "checkpoint must not advance"
    );
    assert!(
        report.problems.iter().any(|p| p.contains("TIMEOUT")),
        "{:?}",
        report.problems
    );
    // The reconciliation noticed the missing products and fetched them.
    assert!(report.reconciled(), "{:?}", report.counts);
    // The next full sync completes and sets the checkpoint.
    let again = rig.pull(true).await;
    assert!(!again.products.partial);
    assert!(rig.shop.checkpoint(PRODUCTS).unwrap().is_some());
    rig.assert_store_matches_shop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn products_deleted_on_shopify_leave_the_store() {
    let rig = rig(small_shop()).await;
    rig.pull(false).await;
    let gone = rig.sim.state().products()[5].gid.clone();
    assert!(rig.sim.state().delete_product(&gone));
    rig.clock.advance(Duration::from_secs(600));
    let report = rig.pull(false).await;
    assert_eq!(report.deleted_products, 1);
    assert!(rig
        .shop
        .get_product(&ProductId::new(gone))
        .unwrap()
        .is_none());
    assert!(report.reconciled(), "{:?}", report.counts);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_read_all_orders_only_sixty_days_are_read_and_it_is_reported() {
    let rig =
        rig(small_shop().with_scopes(["read_products", "write_products", "read_orders"])).await;
    let report = rig.pull(false).await;
    let since = report
        .orders_visible_since
        .expect("the missing scope is reported");
    assert_eq!((rig.sim.state().now() - since).num_days(), 60);
    assert!(report.reconciled(), "{:?}", report.counts);
    let all = rig.sim.state().orders().len();
    assert!(
        rig.shop.order_count() > 0 && rig.shop.order_count() < all,
        "{} of {all}",
        rig.shop.order_count()
    );
    assert!(rig.shop.orders().all(|o| o.unwrap().created_at >= since));
}

/// Pulls and computes, so there are lists to push.
async fn rig_with_lists() -> Rig {
    let rig = rig(small_shop()).await;
    rig.pull(false).await;
    rig.compute();
    rig
}

/// Every product's metafields on the shop are exactly the stored lists.
fn assert_pushed_lists_match(rig: &Rig) {
    let mut checked = 0;
    for entry in rig.shop.all_recs() {
        let (id, recs) = entry.unwrap();
        let held = rig.metafields(id.as_str());
        let want = |links: &[upsell_sync::model::Link]| {
            links
                .iter()
                .map(|l| l.product.0.clone())
                .collect::<Vec<_>>()
        };
        let cross = held
            .get(&format!("{NAMESPACE}.cross_sell"))
            .map(|v| ids(v))
            .unwrap_or_default();
        assert_eq!(
            cross,
            want(&recs.cross_sell),
            "cross_sell of {}",
            id.as_str()
        );
        let upsell = held
            .get(&format!("{NAMESPACE}.upsell"))
            .map(|v| ids(v))
            .unwrap_or_default();
        assert_eq!(upsell, want(&recs.upsell), "upsell of {}", id.as_str());
        let complementary = held
            .get(&format!("{DISCOVERY_NAMESPACE}.complementary_products"))
            .map(|v| ids(v))
            .unwrap_or_default();
        let mut expected = want(&recs.cross_sell);
        expected.truncate(10);
        assert_eq!(
            complementary,
            expected,
            "complementary_products of {}",
            id.as_str()
        );
        checked += usize::from(!recs.cross_sell.is_empty());
    }
    assert!(checked > 20, "only {checked} products had cross-sells");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_writes_exactly_the_computed_lists_and_a_second_push_writes_nothing() {
    let rig = rig_with_lists().await;
    let first = rig.push(&rig.push_options(WriteMode::Merge)).await;
    assert!(first.set > 0 && first.problem_count == 0, "{first:?}");
    assert_pushed_lists_match(&rig);
    let calls = rig.sim.state().counters().metafields_set_calls;
    assert_eq!(calls as usize, first.set.div_ceil(25), "batches of 25");

    rig.sim.state().reset_counters();
    let second = rig.push(&rig.push_options(WriteMode::Merge)).await;
    assert_eq!(
        (second.set, second.deleted, second.products_changed),
        (0, 0, 0)
    );
    let counters = rig.sim.state().counters();
    assert_eq!(
        counters.requests, 0,
        "a second push sends no request at all"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_reports_the_diff_and_writes_nothing() {
    let rig = rig_with_lists().await;
    rig.sim.state().reset_counters();
    let report = rig.push(&rig.push_options(WriteMode::DryRun)).await;
    assert!(report.dry_run && !report.diff.is_empty());
    let counters = rig.sim.state().counters();
    assert_eq!(
        (
            counters.metafields_set_calls,
            counters.metafields_delete_calls
        ),
        (0, 0)
    );
    assert!(rig.sim.state().products().iter().all(|p| rig
        .sim
        .state()
        .metafields(&p.gid)
        .is_empty()));
    // And a real push afterwards writes what the dry run announced.
    let real = rig.push(&rig.push_options(WriteMode::Merge)).await;
    assert_eq!(real.set, report.diff.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merge_keeps_a_hand_curated_complementary_list() {
    let rig = rig_with_lists().await;
    let (anchor, recs) = rig
        .shop
        .all_recs()
        .map(Result::unwrap)
        .find(|(_, r)| r.cross_sell.len() >= 2)
        .expect("a product with cross-sells");
    let products = rig.sim.state().products();
    let curated: Vec<String> = products
        .iter()
        .map(|p| p.gid.clone())
        .filter(|g| g != anchor.as_str() && !recs.cross_sell.iter().any(|l| &l.product.0 == g))
        .take(2)
        .collect();
    let key = "complementary_products";
    let value = serde_json::to_string(&curated).unwrap();
    rig.sim
        .state()
        .set_metafield(
            anchor.as_str(),
            DISCOVERY_NAMESPACE,
            key,
            "list.product_reference",
            &value,
        )
        .unwrap();

    rig.push(&rig.push_options(WriteMode::Merge)).await;
    let held = ids(&rig.metafields(anchor.as_str())[&format!("{DISCOVERY_NAMESPACE}.{key}")]);
    assert_eq!(held[..2], curated[..], "the merchant's picks stay first");
    assert!(
        held.contains(&recs.cross_sell[0].product.0),
        "ours fill the rest: {held:?}"
    );
    assert!(held.len() <= 10);

    // Replace mode, by contrast, overwrites it.
    let mut replaced = rig.push_options(WriteMode::Replace);
    replaced.namespace = "other_ns".to_owned();
    let store_fresh = Store::open_temporary().unwrap();
    let fresh = store_fresh.shop("x").unwrap();
    for entry in rig.shop.all_recs() {
        let (id, r) = entry.unwrap();
        fresh.put_recs(&id, &r).unwrap();
        fresh
            .put_product(&rig.shop.get_product(&id).unwrap().unwrap())
            .unwrap();
    }
    push(&rig.client, &fresh, &replaced).await.unwrap();
    let held = ids(&rig.metafields(anchor.as_str())[&format!("{DISCOVERY_NAMESPACE}.{key}")]);
    assert!(
        !held.contains(&curated[0]),
        "replace drops the merchant's picks"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_push_goes_through_one_bulk_mutation() {
    let rig = rig_with_lists().await;
    let mut options = rig.push_options(WriteMode::Merge);
    options.bulk_threshold = 10;
    let report = rig.push(&options).await;
    assert!(report.bulk_operation.is_some(), "{report:?}");
    assert_eq!(report.problem_count, 0, "{:?}", report.problems);
    let counters = rig.sim.state().counters();
    assert_eq!(counters.staged_uploads, 1);
    assert!(counters.bulk_mutation_lines > 0);
    assert_pushed_lists_match(&rig);
    let again = rig.push(&options).await;
    assert_eq!(again.set, 0, "the bulk write was recorded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_push_uploads_again_and_reads_its_result_file_again_after_faults() {
    let rig = rig_with_timeout(small_shop(), Duration::from_millis(500)).await;
    rig.pull(false).await;
    rig.compute();
    let mut options = rig.push_options(WriteMode::Merge);
    options.bulk_threshold = 10;
    let state = rig.sim.state();
    let downloads = state.counters().bulk_downloads;
    state.push_faults_for(STAGED_UPLOAD, &Fault::Status(503), 1);
    state.push_faults_for(BULK_RESULT_FILE, &Fault::ResetMidBody, 1);
    state.push_faults_for(BULK_RESULT_FILE, &Fault::Slow(Duration::from_secs(2)), 1);
    let report = rig.push(&options).await;
    assert!(report.bulk_operation.is_some(), "{report:?}");
    assert_eq!(report.problem_count, 0, "{:?}", report.problems);
    assert_eq!(state.pending_faults(), 0, "every fault was served");
    assert_eq!(state.counters().staged_uploads, 1, "one upload stored");
    let read = state.counters().bulk_downloads - downloads;
    assert_eq!(read, 3, "two broken reads, one whole");
    assert_pushed_lists_match(&rig);
    let again = rig.push(&options).await;
    assert_eq!(again.set, 0, "every accepted line was recorded as written");
}

/// One pull under `fault`, then the same store state as without it.
async fn recovers_from(fault: Fault, times: usize) -> Rig {
    let rig = rig_with_timeout(small_shop(), Duration::from_millis(500)).await;
    rig.sim.state().push_faults(&fault, times);
    let report = rig.pull(false).await;
    assert!(report.reconciled(), "{fault:?}: {:?}", report.counts);
    assert_eq!(rig.sim.state().pending_faults(), 0, "{fault:?} was served");
    rig.assert_store_matches_shop();
    rig
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_are_retried_with_backoff() {
    for status in [500, 502, 503] {
        let rig = recovers_from(Fault::Status(status), 2).await;
        assert!(rig.client.stats().retries >= 2, "{status}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resource_throttle_429_is_waited_out() {
    let rig = recovers_from(
        Fault::TooManyRequests {
            retry_after_secs: 2,
        },
        1,
    )
    .await;
    assert!(
        rig.clock.elapsed() >= Duration::from_secs(2),
        "Retry-After honoured"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_answers_time_out_and_are_retried() {
    let rig = recovers_from(Fault::Slow(Duration::from_secs(2)), 1).await;
    assert_eq!(rig.client.stats().retries, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_connections_are_retried() {
    for fault in [
        Fault::CloseConnection,
        Fault::ResetMidBody,
        Fault::DropAfterExecute,
    ] {
        let rig = recovers_from(fault.clone(), 1).await;
        assert_eq!(rig.client.stats().retries, 1, "{fault:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_is_retried() {
    let rig = recovers_from(Fault::MalformedJson, 2).await;
    assert_eq!(rig.client.stats().retries, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_answer_is_waited_out_and_counted() {
    let rig = recovers_from(Fault::Throttled, 1).await;
    assert_eq!(rig.client.stats().throttled, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_survives_faults_too() {
    let rig = rig_with_lists().await;
    rig.sim.state().push_faults(&Fault::Status(502), 1);
    rig.sim.state().push_faults(&Fault::DropAfterExecute, 1);
    let report = rig.push(&rig.push_options(WriteMode::Merge)).await;
    assert_eq!(report.problem_count, 0, "{:?}", report.problems);
    assert_pushed_lists_match(&rig);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pacing_keeps_a_small_bucket_from_ever_throttling() {
    let rig = rig(small_shop().with_bucket(600.0, 20.0)).await;
    let report = rig.pull(false).await;
    assert!(report.reconciled());
    let stats = rig.client.stats();
    assert_eq!(stats.throttled, 0, "the mirror waited before every query");
    assert_eq!(rig.sim.state().counters().throttled, 0);
    assert!(stats.bucket.waits > 0, "the small bucket did make us wait");
    // Points spent over the waited time: close to the restore rate.
    let spent = rig.sim.state().counters().points_consumed as f64;
    let elapsed = rig.clock.elapsed().as_secs_f64();
    assert!(
        spent >= 0.9 * 20.0 * elapsed - 600.0,
        "spent {spent} in {elapsed} s"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_fails_at_once_without_retries() {
    let rig = rig(small_shop()).await;
    let bad = client_for(&rig.sim, &rig.clock, "shpat_wrong", Duration::from_secs(5));
    let error = pull(&bad, &rig.shop, &rig.salt, &rig.pull_options(false))
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("refused the access token"),
        "{error}"
    );
    assert!(
        !error.to_string().contains("shpat_wrong"),
        "the token never shows"
    );
    assert_eq!(bad.stats().retries, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_input_shopify_refuses_is_reported_by_field_and_the_rest_of_its_batch_is_written() {
    let rig = rig_with_lists().await;
    // A product our lists link to disappears before the push: Shopify refuses references
    // to it, and that refusal must not cost the other metafields of the batch.
    let (_, recs) = rig
        .shop
        .all_recs()
        .map(Result::unwrap)
        .find(|(_, r)| !r.cross_sell.is_empty())
        .unwrap();
    let gone = recs.cross_sell[0].product.0.clone();
    assert!(rig.sim.state().delete_product(&gone));
    let report = rig.push(&rig.push_options(WriteMode::Merge)).await;
    assert!(report.problem_count > 0, "the refusals are reported");
    assert!(
        report
            .problems
            .iter()
            .all(|p| p.contains("metafields.") || p.contains("no longer on Shopify")),
        "each names its field: {:?}",
        report.problems
    );
    assert!(report.set > 0, "the other inputs were written");
    let written: usize = rig
        .sim
        .state()
        .products()
        .iter()
        .map(|p| rig.sim.state().metafields(&p.gid).len())
        .sum();
    assert_eq!(written, report.set);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_in_another_api_version_is_noticed() {
    let mut config = small_shop();
    config.api_versions = vec!["2026-10".to_owned()];
    let rig = rig(config).await;
    assert_eq!(rig.client.answered_version(), None);
    rig.pull(false).await;
    // The pinned 2026-07 is no longer served: Shopify falls forward to 2026-10.
    assert_eq!(rig.client.answered_version().as_deref(), Some("2026-10"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_tasks_of_one_shop_share_one_bucket_and_are_never_throttled() {
    use upsell_sync::platform::shopify::read::products_page;
    let rig = rig(small_shop().with_bucket(700.0, 20.0)).await;
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let client = rig.client.clone();
            tokio::spawn(async move {
                let mut after = None;
                let mut pages = 0;
                for _ in 0..4 {
                    let (nodes, info) = products_page(&client, None, after.take()).await.unwrap();
                    assert!(!nodes.is_empty());
                    pages += 1;
                    after = info.end_cursor;
                }
                pages
            })
        })
        .collect();
    let mut pages = 0;
    for task in tasks {
        pages += task.await.unwrap();
    }
    assert_eq!(pages, 16);
    assert_eq!(rig.client.stats().throttled, 0);
    assert_eq!(rig.sim.state().counters().throttled, 0);
    assert!(
        rig.client.stats().bucket.waits > 0,
        "the tasks queued behind each other"
    );
}
