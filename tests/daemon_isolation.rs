//! One shop failing never stalls another: with the WooCommerce store down (every
//! request answered 503), the Shopify shop syncs, takes webhooks and pushes as usual,
//! while the WooCommerce shop shows its error, backs off and retries — and recovers
//! once its store is back. And a slow pull never stalls the shop's own webhooks: they
//! are applied while it runs.

use std::time::{Duration, Instant};

use upsell_sync::config::Config;
use upsell_sync::daemon::Daemon;
use upsell_sync::sim::scenario::{Scenario, ScenarioSpec, SHOPIFY_SHOP, WOO_SHOP};
use upsell_sync::sim::shopify::Fault;
use upsell_sync::sim::woocommerce::WooFault;
use upsell_sync::sync::status::ShopStatus;

const SPEC: ScenarioSpec = ScenarioSpec {
    seed: 31,
    products: 100,
    orders: 600,
    streamed: 10,
    now: chrono::DateTime::from_timestamp(1_795_000_000, 0).expect("a valid time"),
};

async fn wait_for(
    daemon: &Daemon,
    shop: &str,
    what: &str,
    done: impl Fn(&ShopStatus) -> bool,
) -> ShopStatus {
    let started = Instant::now();
    loop {
        let status = daemon.board().shop(shop).unwrap();
        if done(&status) {
            return status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "{shop}: no {what} in 90 s: {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The daemon against both stores, subscribed to their webhooks; the directory holds
/// its config and store.
async fn start_daemon(scenario: &Scenario) -> (Daemon, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let config = scenario
        .write_config(dir.path(), "127.0.0.1:0".parse().unwrap())
        .unwrap();
    let daemon = Daemon::start(Config::load(&config).unwrap()).await.unwrap();
    scenario.subscribe(daemon.address());
    (daemon, dir)
}

#[test]
fn a_store_that_is_down_stalls_only_its_own_shop() {
    runtime().block_on(async {
        let mut scenario = Scenario::start(SPEC).await.unwrap();
        scenario
            .woo
            .state()
            .push_faults(&WooFault::Status(503), 100_000);
        let (daemon, _dir) = start_daemon(&scenario).await;

        // Shopify: first pass, then new orders through webhooks, each followed by a push.
        let first = wait_for(&daemon, SHOPIFY_SHOP, "first push", |s| {
            s.last_push.is_some()
        })
        .await;
        for _ in 0..6 {
            scenario.place_next_order();
        }
        let shopify = wait_for(&daemon, SHOPIFY_SHOP, "orders applied", |s| {
            s.jobs_applied >= 3 && s.last_push > first.last_push
        })
        .await;
        assert_eq!(shopify.failures, 0);
        assert!(shopify.errors.is_empty(), "{:?}", shopify.errors);

        // WooCommerce: the error in words, and retries with growing pauses.
        let woo = wait_for(&daemon, WOO_SHOP, "second failure", |s| s.failures >= 2).await;
        assert_eq!(woo.phase.as_str(), "backoff");
        assert!(woo.last_pull.is_none() && woo.last_push.is_none());
        let error = woo.errors.back().unwrap();
        assert_eq!(error.phase, "pull");
        assert!(error.message.contains("503"), "{}", error.message);
        assert!(
            woo.next_pass.unwrap() > chrono::Utc::now(),
            "no retry scheduled"
        );

        // The store comes back: the next retry syncs it.
        scenario.woo.state().clear_faults();
        let woo = wait_for(&daemon, WOO_SHOP, "recovery", |s| s.last_push.is_some()).await;
        assert_eq!(woo.failures, 0);
        assert!(woo.orders > 0);
        daemon.shutdown().await.unwrap();
    });
}

#[test]
fn webhooks_are_applied_while_a_slow_pull_runs() {
    runtime().block_on(async {
        let mut scenario = Scenario::start(SPEC).await.unwrap();
        // Every Shopify API answer takes 2 s: the first pull takes half a minute or more.
        scenario
            .shopify
            .state()
            .push_faults(&Fault::Delay(Duration::from_secs(2)), 1_000);
        let (daemon, _dir) = start_daemon(&scenario).await;
        for _ in 0..4 {
            scenario.place_next_order(); // two for each store
        }
        let status = wait_for(&daemon, SHOPIFY_SHOP, "orders applied", |s| {
            s.jobs_applied >= 2
        })
        .await;
        assert!(
            status.last_pull.is_none(),
            "the pull ended first: {status:?}"
        );
        assert_eq!(status.phase.as_str(), "pull");
        assert_eq!(daemon.store().shop(SHOPIFY_SHOP).unwrap().job_count(), 0);

        scenario.shopify.state().clear_faults();
        let status = wait_for(&daemon, SHOPIFY_SHOP, "first push", |s| {
            s.last_push.is_some()
        })
        .await;
        assert_eq!(status.failures, 0);
        assert_eq!(status.orders, SPEC.orders + 2);
        daemon.shutdown().await.unwrap();
    });
}
