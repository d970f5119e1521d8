//! The daemon's WooCommerce side against the simulated WooCommerce
//! (`src/sim/woocommerce`): pull (full walk, incremental by `modified_after`,
//! variations mapped to their parents, trashed and deleted products), push (exact
//! `upsell_ids` / `cross_sell_ids` / meta read back, nothing on a second push, nothing in
//! a dry run, merge with a merchant's hand-added ids, per-item batch errors), both auth
//! schemes, and recovery from each injected fault and from 429 storms. Time is a shared
//! `ManualClock`: pacing and backoff advance it instead of sleeping, and the simulated
//! host's rate limit refills by the same clock.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use upsell_sync::config::{Secret, WooAuth, WriteConfig, WriteMode};
use upsell_sync::model::{InstallSalt, OrderId, ProductId, ProductRecs};
use upsell_sync::platform::retry::{ManualClock, RetryPolicy};
use upsell_sync::platform::woocommerce::client::{ClientSettings, WooClient, WooError};
use upsell_sync::platform::woocommerce::fields::{self, Wanted};
use upsell_sync::platform::woocommerce::pacing::PacingSettings;
use upsell_sync::recommend::Params;
use upsell_sync::sim::woocommerce::{KeyPermission, SimWoo, SimWooConfig, WooFault};
use upsell_sync::store::{ShopStore, Store};
use upsell_sync::sync::compute::compute_shop;
use upsell_sync::sync::report::{PullReport, PushReport};
use upsell_sync::sync::woocommerce::pull::{pull, PullError, PullOptions, ORDERS, PRODUCTS};
use upsell_sync::sync::woocommerce::push::{push, PushError, PushOptions};

/// What a product holds of ours: upsell ids, cross-sell ids, our meta.
type Linked = (Vec<u64>, Vec<u64>, HashMap<String, Value>);

struct Rig {
    sim: SimWoo,
    clock: ManualClock,
    client: WooClient<ManualClock>,
    _store: Store,
    shop: ShopStore,
    salt: InstallSalt,
}

fn small_shop() -> SimWooConfig {
    SimWooConfig::default().with_generated(21, 150, 900)
}

fn pacing(requests_per_second: f64) -> PacingSettings {
    PacingSettings {
        requests_per_second,
        burst: 10,
        max_concurrency: 4,
    }
}

async fn start(config: SimWooConfig, clock: &ManualClock) -> SimWoo {
    SimWoo::start(config.with_clock(Arc::new(clock.clone())))
        .await
        .expect("simulator starts")
}

async fn rig(config: SimWooConfig) -> Rig {
    let clock = ManualClock::new();
    let sim = start(config, &clock).await;
    let client = client_for(&sim, &clock, WooAuth::Auto, None, pacing(50.0));
    let store = Store::open_temporary().unwrap();
    let shop = store.shop("woo").unwrap();
    Rig {
        sim,
        clock,
        client,
        _store: store,
        shop,
        salt: InstallSalt([7; 32]),
    }
}

/// A client of `sim`, with its keys unless `secret` overrides the secret.
fn client_for(
    sim: &SimWoo,
    clock: &ManualClock,
    auth: WooAuth,
    secret: Option<&str>,
    pacing: PacingSettings,
) -> WooClient<ManualClock> {
    let state = sim.state();
    let settings = ClientSettings {
        base_url: sim.base_url().to_owned(),
        consumer_key: Secret::new(state.consumer_key()),
        consumer_secret: Secret::new(secret.unwrap_or(state.consumer_secret())),
        auth,
        timeout: Duration::from_secs(2),
        retry: RetryPolicy::default(),
        pacing,
        root_certificate_pem: sim.ca_pem().map(|pem| pem.as_bytes().to_vec()),
    };
    WooClient::new(settings, Arc::new(clock.clone()), clock.clone()).expect("client")
}

fn pull_options(full: bool) -> PullOptions {
    PullOptions {
        full,
        overlap: chrono::Duration::minutes(10),
        sale_statuses: vec!["processing".to_owned(), "completed".to_owned()],
        concurrency: 4,
    }
}

impl Rig {
    async fn try_pull(&self, full: bool) -> Result<PullReport, PullError> {
        pull(&self.client, &self.shop, &self.salt, &pull_options(full)).await
    }

    async fn pull(&self, full: bool) -> PullReport {
        self.try_pull(full).await.expect("pull")
    }

    fn compute(&self) {
        compute_shop(&self.shop, &Params::default(), self.sim.state().now()).expect("compute");
    }

    fn push_options(&self, mode: WriteMode) -> PushOptions {
        PushOptions {
            write: WriteConfig {
                mode,
                ..WriteConfig::default()
            },
            batch_size: 100,
            now: self.sim.state().now(),
        }
    }

    async fn try_push(&self, mode: WriteMode) -> Result<PushReport, PushError> {
        push(&self.client, &self.shop, &self.push_options(mode)).await
    }

    async fn push(&self, mode: WriteMode) -> PushReport {
        self.try_push(mode).await.expect("push")
    }

    /// Every product and order WooCommerce lists equals what the store holds: ids as
    /// numbers' text, variations as variants of their parent, lines on the parent.
    fn assert_store_matches_shop(&self) {
        let state = self.sim.state();
        let listed: Vec<_> = state
            .products()
            .into_iter()
            .filter(|p| p.status != "trash")
            .collect();
        assert_eq!(self.shop.product_count(), listed.len(), "product count");
        for sim in &listed {
            let stored = self
                .shop
                .get_product(&ProductId::new(sim.id.to_string()))
                .unwrap()
                .unwrap_or_else(|| panic!("product {} missing", sim.id));
            assert_eq!(stored.title, sim.name, "title of {}", sim.id);
            let mut got: Vec<String> = stored.variants.iter().map(|v| v.id.0.clone()).collect();
            got.sort();
            let mut want: Vec<String> = match sim.kind.as_str() {
                "variable" => sim.variations.iter().map(|v| v.id.to_string()).collect(),
                "simple" | "external" if !sim.price.is_empty() => vec![sim.id.to_string()],
                _ => Vec::new(),
            };
            want.sort();
            assert_eq!(got, want, "variants of {} ({})", sim.id, sim.kind);
        }
        let orders = state.orders();
        assert_eq!(self.shop.order_count(), orders.len(), "order count");
        for sim in &orders {
            let stored = self
                .shop
                .get_order(&OrderId::new(sim.id.to_string()))
                .unwrap()
                .unwrap_or_else(|| panic!("order {} missing", sim.id));
            let mut got: Vec<(String, String, u32)> = stored
                .lines
                .iter()
                .map(|l| {
                    let variant = l.variant.as_ref().map(|v| v.0.clone()).unwrap_or_default();
                    (l.product.0.clone(), variant, l.quantity)
                })
                .collect();
            let mut want: Vec<(String, String, u32)> = sim
                .lines
                .iter()
                .filter(|l| l.product_id != 0)
                .map(|l| {
                    let variant = if l.variation_id == 0 {
                        l.product_id
                    } else {
                        l.variation_id
                    };
                    (l.product_id.to_string(), variant.to_string(), l.quantity)
                })
                .collect();
            got.sort();
            want.sort();
            assert_eq!(got, want, "lines of order {}", sim.id);
            let has_customer = sim.customer_id != 0 || !sim.billing_email.is_empty();
            assert_eq!(
                stored.customer.is_some(),
                has_customer,
                "customer of {}",
                sim.id
            );
        }
    }

    /// The linked ids and our meta of every product, as WooCommerce holds them.
    fn held(&self) -> HashMap<u64, Linked> {
        self.sim
            .state()
            .products()
            .into_iter()
            .map(|p| {
                let meta = p
                    .meta
                    .iter()
                    .filter(|m| m.key.starts_with(fields::META_PREFIX))
                    .map(|m| (m.key.clone(), m.value.clone()))
                    .collect();
                (p.id, (p.upsell_ids.clone(), p.cross_sell_ids.clone(), meta))
            })
            .collect()
    }

    fn recs(&self, id: u64) -> ProductRecs {
        self.shop
            .get_recs(&ProductId::new(id.to_string()))
            .unwrap()
            .unwrap_or_default()
    }
}

/// What `fields::desired` wants for product `id`: upsell ids, cross-sell ids, meta.
fn wanted(rig: &Rig, id: u64) -> Linked {
    let product = ProductId::new(id.to_string());
    let mut out = (Vec::new(), Vec::new(), HashMap::new());
    for field in fields::desired(&product, &rig.recs(id), &WriteConfig::default()) {
        match (field.name.as_str(), field.wanted) {
            (fields::UPSELL_IDS, Wanted::Ids(ids)) => out.0 = ids,
            (fields::CROSS_SELL_IDS, Wanted::Ids(ids)) => out.1 = ids,
            (name, Wanted::Meta(Some(value))) => {
                out.2.insert(name.to_owned(), value);
            }
            _ => {}
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_sync_reads_every_product_and_order_with_variations_on_their_parents() {
    let rig = rig(small_shop()).await;
    let report = rig.pull(false).await;
    assert_eq!(report.products.mode, "paged");
    assert!(report.reconciled(), "{:?}", report.counts);
    assert_eq!(report.problem_count, 0, "{:?}", report.problems);
    rig.assert_store_matches_shop();
    let kinds: BTreeSet<String> = rig
        .sim
        .state()
        .products()
        .iter()
        .map(|p| p.kind.clone())
        .collect();
    assert!(
        kinds.contains("variable") && kinds.contains("simple"),
        "{kinds:?}"
    );
    let variation_lines = rig
        .sim
        .state()
        .orders()
        .iter()
        .flat_map(|o| o.lines.clone())
        .filter(|l| l.variation_id != 0)
        .count();
    assert!(variation_lines > 10, "{variation_lines} variation lines");
    assert!(rig.shop.checkpoint(PRODUCTS).unwrap().is_some());
    let counters = rig.sim.state().counters();
    assert_eq!(counters.rate_limited, 0);
    assert!(
        counters.max_in_flight > 1,
        "pages were fetched concurrently"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guests_are_keyed_by_a_hash_of_their_email_never_the_email() {
    let rig = rig(small_shop()).await;
    rig.pull(false).await;
    let state = rig.sim.state();
    let guests: Vec<_> = state
        .orders()
        .into_iter()
        .filter(|o| o.customer_id == 0 && !o.billing_email.is_empty())
        .collect();
    assert!(guests.len() > 20, "{} guest orders", guests.len());
    for guest in &guests {
        let stored = rig
            .shop
            .get_order(&OrderId::new(guest.id.to_string()))
            .unwrap()
            .unwrap();
        let customer = stored
            .customer
            .expect("a guest with an email has a customer");
        let bytes = format!("{customer:?}");
        assert!(!bytes.contains(&guest.billing_email), "email stored");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incremental_sync_reads_only_what_changed() {
    let rig = rig(small_shop()).await;
    rig.pull(false).await;
    let checkpoint = rig.shop.checkpoint(PRODUCTS).unwrap().unwrap().updated_at;
    let overlap_from = checkpoint - chrono::Duration::minutes(10);
    let in_overlap = rig
        .sim
        .state()
        .products()
        .iter()
        .filter(|p| p.status != "trash" && p.date_modified_gmt > overlap_from)
        .count();
    let order_checkpoint = rig.shop.checkpoint(ORDERS).unwrap().unwrap().updated_at;
    let orders_in_overlap = rig
        .sim
        .state()
        .orders()
        .iter()
        .filter(|o| o.date_modified_gmt > order_checkpoint - chrono::Duration::minutes(10))
        .count();
    rig.clock.advance(Duration::from_secs(3600));
    let state = rig.sim.state();
    let mut oldest: Vec<_> = state
        .products()
        .into_iter()
        .filter(|p| p.status == "publish")
        .collect();
    oldest.sort_by_key(|p| p.date_modified_gmt);
    for product in oldest.iter().take(3) {
        assert!(state.update_product(product.id, |p| p.name.push_str(" (new)")));
    }
    let template = rig.shop.orders().next().unwrap().unwrap();
    let new_order = state.add_order(&template);
    state.reset_counters();

    let report = rig.pull(false).await;
    assert_eq!(report.products.mode, "incremental");
    assert_eq!(report.products.stored as usize, 3 + in_overlap);
    assert!(
        in_overlap < 20,
        "{in_overlap} products in the overlap window"
    );
    assert_eq!(report.orders.mode, "incremental");
    assert_eq!(
        report.orders.stored as usize,
        1 + orders_in_overlap,
        "only the new order and the overlap"
    );
    assert!(
        orders_in_overlap < 20,
        "{orders_in_overlap} orders in the overlap window"
    );
    assert!(report.reconciled(), "{:?}", report.counts);
    let edited = rig
        .shop
        .get_product(&ProductId::new(oldest[0].id.to_string()))
        .unwrap()
        .unwrap();
    assert!(edited.title.ends_with(" (new)"));
    assert!(rig
        .shop
        .get_order(&OrderId::new(new_order.to_string()))
        .unwrap()
        .is_some());
    let requests = state.counters().requests;
    assert!(
        requests < 20,
        "an incremental sync made {requests} requests"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trashed_and_deleted_products_leave_the_store() {
    let rig = rig(small_shop()).await;
    rig.pull(false).await;
    let state = rig.sim.state();
    let published: Vec<u64> = state
        .products()
        .iter()
        .filter(|p| p.status == "publish")
        .map(|p| p.id)
        .collect();
    rig.clock.advance(Duration::from_secs(600));
    assert!(state.trash_product(published[0]));
    assert!(state.delete_product(published[1]));
    let report = rig.pull(false).await;
    assert_eq!(report.deleted_products, 2, "{:?}", report.counts);
    assert!(report.reconciled(), "{:?}", report.counts);
    for id in &published[..2] {
        assert!(rig
            .shop
            .get_product(&ProductId::new(id.to_string()))
            .unwrap()
            .is_none());
    }
    rig.assert_store_matches_shop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_writes_exactly_the_computed_lists_and_a_second_push_writes_nothing() {
    let rig = rig(small_shop()).await;
    rig.pull(false).await;
    rig.compute();
    let report = rig.push(WriteMode::Merge).await;
    assert_eq!(report.problem_count, 0, "{:?}", report.problems);
    assert!(report.set > 100, "{} fields written", report.set);
    let held = rig.held();
    let mut checked = 0;
    for product in rig
        .sim
        .state()
        .products()
        .iter()
        .filter(|p| p.status != "trash")
    {
        let want = wanted(&rig, product.id);
        let got = &held[&product.id];
        assert_eq!(got.0, want.0, "upsell_ids of {}", product.id);
        assert_eq!(got.1, want.1, "cross_sell_ids of {}", product.id);
        assert_eq!(got.2, want.2, "meta of {}", product.id);
        checked += usize::from(!want.1.is_empty());
    }
    assert!(checked > 30, "only {checked} products with cross-sells");
    let calls = rig.sim.state().counters().batch_calls;
    assert!(calls >= 2, "{calls} batch calls");

    rig.sim.state().reset_counters();
    let again = rig.push(WriteMode::Merge).await;
    assert_eq!(again.set + again.deleted, 0);
    assert_eq!(again.requests, 0);
    assert_eq!(
        rig.sim.state().counters().requests,
        0,
        "the second push sent requests"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_reports_the_diff_and_writes_nothing() {
    let rig = rig(small_shop()).await;
    rig.pull(false).await;
    rig.compute();
    let dry = rig.push(WriteMode::DryRun).await;
    assert!(dry.dry_run);
    assert!(dry.diff.len() > 100, "{} changes", dry.diff.len());
    assert_eq!(rig.sim.state().counters().batch_calls, 0);
    assert!(rig
        .held()
        .values()
        .all(|(u, c, m)| u.is_empty() && c.is_empty() && m.is_empty()));
    let real = rig.push(WriteMode::Merge).await;
    assert_eq!(
        real.diff, dry.diff,
        "the push writes what the dry run announced"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merge_keeps_the_ids_a_merchant_added_by_hand_and_replace_drops_them() {
    let rig = rig(small_shop()).await;
    rig.pull(false).await;
    rig.compute();
    let state = rig.sim.state();
    let anchor = state
        .products()
        .into_iter()
        .map(|p| p.id)
        .find(|id| !wanted(&rig, *id).1.is_empty())
        .expect("a product with cross-sells");
    assert!(state.set_linked_ids(anchor, vec![424_242], vec![535_353]));
    rig.pull(false).await;
    rig.push(WriteMode::Merge).await;
    let (upsells, cross_sells, _) = rig.held()[&anchor].clone();
    let want = wanted(&rig, anchor);
    assert_eq!(upsells[0], 424_242, "{upsells:?}");
    assert_eq!(&upsells[1..], want.0.as_slice());
    assert_eq!(cross_sells[0], 535_353, "{cross_sells:?}");
    assert_eq!(&cross_sells[1..], want.1.as_slice());

    // Switching the write mode to replace writes ours alone.
    rig.push(WriteMode::Replace).await;
    let (upsells, cross_sells, _) = rig.held()[&anchor].clone();
    assert_eq!(upsells, want.0);
    assert_eq!(cross_sells, want.1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth_over_http_and_basic_over_https_are_accepted_and_a_bad_signature_is_refused() {
    // Plain http: OAuth 1.0a (the rig's default client).
    let rig = rig(small_shop()).await;
    rig.pull(false).await;
    rig.assert_store_matches_shop();

    // https: HTTP Basic, trusting the simulator's certificate.
    let clock = ManualClock::new();
    let tls = start(small_shop().with_tls(true), &clock).await;
    assert!(tls.base_url().starts_with("https://"));
    let client = client_for(&tls, &clock, WooAuth::Auto, None, pacing(50.0));
    let store = Store::open_temporary().unwrap();
    let shop = store.shop("tls").unwrap();
    let options = pull_options(false);
    let report = pull(&client, &shop, &rig.salt, &options)
        .await
        .expect("pull over https");
    assert!(report.reconciled(), "{:?}", report.counts);
    assert_eq!(shop.product_count(), rig.shop.product_count());

    // A wrong secret: refused at once, no retries, no secret in the message.
    let bad = client_for(
        &rig.sim,
        &rig.clock,
        WooAuth::OAuth1,
        Some("cs_wrong_secret"),
        pacing(50.0),
    );
    rig.sim.state().reset_counters();
    let error = pull(&bad, &shop, &rig.salt, &options)
        .await
        .expect_err("bad signature");
    let PullError::WooCommerce(error) = error else {
        panic!("{error}")
    };
    assert!(matches!(error, WooError::Unauthorized { .. }), "{error}");
    let text = error.to_string();
    assert!(!text.contains("cs_wrong_secret") && !text.contains(rig.sim.state().consumer_secret()));
    assert_eq!(rig.sim.state().counters().unauthorized, 1);
    assert_eq!(
        rig.sim.state().counters().requests,
        1,
        "a refused key is not retried"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_without_pretty_permalinks_is_explained() {
    let clock = ManualClock::new();
    let sim = start(small_shop().with_pretty_permalinks(false), &clock).await;
    let client = client_for(&sim, &clock, WooAuth::Auto, None, pacing(50.0));
    let store = Store::open_temporary().unwrap();
    let shop = store.shop("plain").unwrap();
    let options = PullOptions {
        full: false,
        overlap: chrono::Duration::minutes(10),
        sale_statuses: vec!["completed".to_owned()],
        concurrency: 2,
    };
    let error = pull(&client, &shop, &InstallSalt([1; 32]), &options)
        .await
        .expect_err("no pretty permalinks");
    assert!(
        matches!(
            error,
            PullError::WooCommerce(WooError::NoPrettyPermalinks { .. })
        ),
        "{error}"
    );
    assert!(
        error.to_string().to_lowercase().contains("permalink"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_key_syncs_but_its_push_is_refused_in_words() {
    let rig = rig(small_shop().with_permission(KeyPermission::Read)).await;
    rig.pull(false).await;
    rig.compute();
    let dry = rig.push(WriteMode::DryRun).await;
    assert!(!dry.diff.is_empty());
    let error = rig
        .try_push(WriteMode::Merge)
        .await
        .expect_err("read-only key");
    let PushError::WooCommerce(error) = error else {
        panic!("{error}")
    };
    assert!(error.is_access_problem(), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_is_recovered_from_and_the_store_ends_equal_to_the_shop() {
    let faults = [
        WooFault::Status(500),
        WooFault::Status(502),
        WooFault::Status(503),
        WooFault::TooManyRequests {
            retry_after_secs: Some(3),
        },
        WooFault::TooManyRequests {
            retry_after_secs: None,
        },
        WooFault::Slow(Duration::from_secs(3)),
        WooFault::CloseConnection,
        WooFault::ResetMidBody,
        WooFault::DropAfterExecute,
        WooFault::MalformedJson,
        WooFault::HtmlErrorPage,
    ];
    let rig = rig(small_shop()).await;
    for fault in faults {
        let store = Store::open_temporary().unwrap();
        let shop = store.shop("faulty").unwrap();
        rig.sim.state().push_faults(&fault, 2);
        let report = pull(&rig.client, &shop, &rig.salt, &pull_options(false))
            .await
            .unwrap_or_else(|e| panic!("{fault:?}: {e}"));
        assert!(report.reconciled(), "{fault:?}: {:?}", report.counts);
        assert_eq!(rig.sim.state().pending_faults(), 0, "{fault:?} consumed");
        assert_eq!(
            shop.product_count(),
            rig.sim
                .state()
                .products()
                .iter()
                .filter(|p| p.status != "trash")
                .count()
        );
        assert_eq!(
            shop.order_count(),
            rig.sim.state().orders().len(),
            "{fault:?}"
        );
    }
    assert!(rig.client.stats().retries >= 22);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_survives_faults_too() {
    let rig = rig(small_shop()).await;
    rig.pull(false).await;
    rig.compute();
    let state = rig.sim.state();
    state.push_fault(WooFault::Status(503));
    state.push_fault(WooFault::ResetMidBody);
    state.push_fault(WooFault::Status(502));
    state.push_fault(WooFault::DropAfterExecute);
    let report = rig.push(WriteMode::Merge).await;
    assert_eq!(report.problem_count, 0, "{:?}", report.problems);
    let held = rig.held();
    for product in state.products().iter().filter(|p| p.status != "trash") {
        let want = wanted(&rig, product.id);
        assert_eq!(
            held[&product.id].1, want.1,
            "cross_sell_ids of {}",
            product.id
        );
    }
    let again = rig.push(WriteMode::Merge).await;
    assert_eq!(again.requests, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_storm_slows_the_client_down_without_losing_a_page() {
    let clock = ManualClock::new();
    let config = small_shop().with_rate_limit(2.0, 2);
    let sim = start(config, &clock).await;
    // The client believes the host allows 20 requests per second.
    let client = client_for(&sim, &clock, WooAuth::Auto, None, pacing(20.0));
    let store = Store::open_temporary().unwrap();
    let shop = store.shop("storm").unwrap();
    let options = PullOptions {
        full: false,
        overlap: chrono::Duration::minutes(10),
        sale_statuses: vec!["processing".to_owned(), "completed".to_owned()],
        concurrency: 4,
    };
    let report = pull(&client, &shop, &InstallSalt([3; 32]), &options)
        .await
        .expect("pull through the storm");
    assert!(report.reconciled(), "{:?}", report.counts);
    let stats = client.stats();
    let served = sim.state().counters();
    assert!(served.rate_limited > 0, "the storm happened");
    assert_eq!(stats.rate_limited, served.rate_limited);
    assert!(stats.rate_cuts > 0);
    assert!(stats.current_rate < 20.0, "rate now {}", stats.current_rate);
    assert!(
        served.rate_limited * 4 < served.requests,
        "{} of {} requests answered 429: the client did not slow down",
        served.rate_limited,
        served.requests
    );
    assert_eq!(shop.order_count(), sim.state().orders().len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_item_batch_errors_are_retried_or_reported_without_failing_the_rest() {
    let rig = rig(small_shop()).await;
    rig.pull(false).await;
    rig.compute();
    let state = rig.sim.state();
    let linked: Vec<u64> = state
        .products()
        .iter()
        .map(|p| p.id)
        .filter(|id| !wanted(&rig, *id).1.is_empty())
        .take(2)
        .collect();
    let (refused, flaky) = (linked[0], linked[1]);
    state.refuse_batch_update(refused, 403);
    state.refuse_batch_update(flaky, 500);
    let report = rig.push(WriteMode::Merge).await;
    assert_eq!(report.problem_count, 1, "{:?}", report.problems);
    assert!(
        report.problems[0].contains(&refused.to_string())
            && report.problems[0].contains("woocommerce_rest_cannot_edit"),
        "{:?}",
        report.problems
    );
    let held = rig.held();
    assert!(
        held[&refused].1.is_empty(),
        "the refused product was not written"
    );
    assert_eq!(
        held[&flaky].1,
        wanted(&rig, flaky).1,
        "a 5xx item is sent again"
    );
    let written = state
        .products()
        .iter()
        .filter(|p| !p.cross_sell_ids.is_empty())
        .count();
    assert!(
        written > 30,
        "the rest of the batch went through ({written})"
    );

    // The refused product was not recorded as written: the next push sends it alone.
    let again = rig.push(WriteMode::Merge).await;
    assert_eq!(again.products_changed, 1);
    assert_eq!(again.problem_count, 0, "{:?}", again.problems);
    assert_eq!(rig.held()[&refused].1, wanted(&rig, refused).1);
}
