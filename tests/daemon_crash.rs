//! Crash safety of the real binary: `upsell-sync run` against the simulated Shopify and
//! WooCommerce stores, killed with SIGKILL many times — mid-pull, mid-compute, mid-push
//! and mid-webhook — and restarted, while new orders arrive as webhooks. At the end no
//! order is missing from the store, no write was a duplicate (a write of what the
//! platform already held), and both platforms hold exactly what a clean run without
//! kills leaves behind. The run ends with SIGTERM, which must finish within 10 s.

#[allow(dead_code)] // this test uses part of the shared daemon process
#[path = "support/daemon.rs"]
mod daemon_process;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use daemon_process::{free_address, DaemonProcess};
use rand::{Rng, SeedableRng};
use upsell_sync::sim::scenario::{Scenario, ScenarioSpec, SHOPIFY_SHOP, WOO_SHOP};
use upsell_sync::store::Store;

const SPEC: ScenarioSpec = ScenarioSpec {
    seed: 11,
    products: 150,
    orders: 1_200,
    streamed: 40,
    now: chrono::DateTime::from_timestamp(1_795_000_000, 0).expect("a valid time"),
};

/// Kills per phase.
const ROUNDS_PER_PHASE: usize = 3;
const PHASES: [&str; 4] = ["pull", "compute", "push", "webhooks"];
const WAIT: Duration = Duration::from_secs(60);

/// What the platforms hold that the daemon writes: per product, the linked ids and our
/// meta (WooCommerce) or metafields (Shopify), without ids and dates the platform
/// assigns.
type PlatformState = BTreeMap<String, Vec<String>>;

fn platform_state(scenario: &Scenario) -> PlatformState {
    let mut state = PlatformState::new();
    for product in scenario.woo.state().products() {
        let mut fields = vec![
            format!("upsell_ids={:?}", product.upsell_ids),
            format!("cross_sell_ids={:?}", product.cross_sell_ids),
        ];
        for meta in product
            .meta
            .iter()
            .filter(|m| m.key.starts_with("_upsell_sync_"))
        {
            fields.push(format!("{}={}", meta.key, meta.value));
        }
        fields.sort();
        state.insert(format!("woo/{}", product.id), fields);
    }
    for product in scenario.shopify.state().products() {
        let mut fields: Vec<String> = scenario
            .shopify
            .state()
            .metafields(&product.gid)
            .into_iter()
            .map(|m| format!("{}.{}={}", m.namespace, m.key, m.value))
            .collect();
        fields.sort();
        state.insert(format!("shopify/{}", product.gid), fields);
    }
    state
}

/// Waits until both shops are idle with empty queues and the stores have sent every
/// webhook, i.e. the daemon has caught up.
fn wait_until_caught_up(
    daemon: &mut DaemonProcess,
    scenario: &Scenario,
    address: std::net::SocketAddr,
) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let (readyz, depths) = runtime.block_on(async {
            let client = reqwest::Client::new();
            let get = |path: &'static str| {
                let client = client.clone();
                async move {
                    let answer = client
                        .get(format!("http://{address}{path}"))
                        .send()
                        .await
                        .ok()?;
                    answer.text().await.ok()
                }
            };
            let readyz = get("/readyz").await.unwrap_or_default();
            let depths: Vec<String> = get("/metrics")
                .await
                .unwrap_or_default()
                .lines()
                .filter(|l| l.starts_with("upsell_sync_queue_depth{"))
                .map(str::to_owned)
                .collect();
            (readyz, depths)
        });
        let idle = readyz.contains(&format!("{SHOPIFY_SHOP}: idle"))
            && readyz.contains(&format!("{WOO_SHOP}: idle"));
        let empty = depths.len() == 2 && depths.iter().all(|l| l.ends_with(" 0.0"));
        let shopify = scenario.shopify.state().webhook_counters();
        let woo_pending = scenario.woo.state().pending_deliveries();
        let delivered = woo_pending == 0 && scenario.shopify.state().pending_webhooks() == 0;
        if idle && empty && delivered {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the daemon did not catch up: {readyz:?} {depths:?}, Shopify webhooks {shopify:?}, \
             WooCommerce pending {woo_pending}; log tail: {:?}",
            tail(daemon)
        );
        // Drain log lines so the pipe never fills.
        let _ = daemon.wait_for(&["\u{0}never"], Duration::from_millis(100));
    }
}

fn tail(daemon: &DaemonProcess) -> Vec<&String> {
    daemon
        .log
        .iter()
        .filter(|l| !l.contains("demo-woocommerce"))
        .rev()
        .take(12)
        .collect()
}

/// One run: the stores, a data directory, and every order placed; with `kills`, the
/// daemon is killed in each phase `ROUNDS_PER_PHASE` times on the way.
fn run(
    runtime: &tokio::runtime::Runtime,
    dir: &Path,
    kills: bool,
) -> (PlatformState, Vec<&'static str>, Scenario) {
    let mut scenario = runtime
        .block_on(Scenario::start(SPEC))
        .expect("the stores start");
    let address = free_address();
    let config = scenario.write_config(dir, address).expect("config written");
    scenario.subscribe(address);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let mut killed_in = Vec::new();
    if kills {
        for round in 0..PHASES.len() * ROUNDS_PER_PHASE {
            let phase = PHASES[round % PHASES.len()];
            let mut daemon = DaemonProcess::spawn(&config);
            if phase == "webhooks" {
                daemon.wait_for(&["\"phase\":\"idle\""], WAIT);
                for _ in 0..4 {
                    scenario.place_next_order();
                }
            } else {
                scenario.place_next_order();
            }
            let seen = daemon.wait_for(
                &["\"message\":\"phase\"", &format!("\"phase\":\"{phase}\"")],
                WAIT,
            );
            std::thread::sleep(Duration::from_millis(rng.gen_range(0..25)));
            if seen.is_some() {
                killed_in.push(phase);
            }
            daemon.kill_9();
        }
    }
    let mut daemon = DaemonProcess::spawn(&config);
    while scenario.place_next_order().is_some() {
        std::thread::sleep(Duration::from_millis(20));
    }
    wait_until_caught_up(&mut daemon, &scenario, address);
    let (status, took) = daemon.terminate();
    assert!(status.success(), "exit {status:?}");
    assert!(took < Duration::from_secs(10), "SIGTERM took {took:?}");
    // A last start: its full pass settles every list, as any restart would.
    let mut daemon = DaemonProcess::spawn(&config);
    wait_until_caught_up(&mut daemon, &scenario, address);
    let (status, _) = daemon.terminate();
    assert!(
        status.success(),
        "exit {status:?}; log tail: {:?}",
        tail(&daemon)
    );
    (platform_state(&scenario), killed_in, scenario)
}

/// Every order the stores hold is in the daemon's store.
fn assert_no_order_lost(dir: &Path, scenario: &Scenario) {
    let store = Store::open(&dir.join("store")).expect("the store opens");
    let shopify = store.shop(SHOPIFY_SHOP).unwrap();
    for order in scenario.shopify.state().orders() {
        let id = upsell_sync::model::OrderId::new(order.gid.clone());
        assert!(
            shopify.get_order(&id).unwrap().is_some(),
            "Shopify order {id} lost"
        );
    }
    let woo = store.shop(WOO_SHOP).unwrap();
    for order in scenario.woo.state().orders() {
        let id = upsell_sync::model::OrderId::new(order.id.to_string());
        assert!(
            woo.get_order(&id).unwrap().is_some(),
            "WooCommerce order {id} lost"
        );
    }
    assert_eq!(
        shopify.order_count(),
        scenario.shopify.state().orders().len()
    );
    assert_eq!(woo.order_count(), scenario.woo.state().orders().len());
}

#[test]
fn kill_9_at_any_phase_loses_nothing_and_duplicates_no_write() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let crashed_dir = tempfile::tempdir().unwrap();
    let (crashed, killed_in, crashed_scenario) = run(&runtime, crashed_dir.path(), true);
    assert_no_order_lost(crashed_dir.path(), &crashed_scenario);
    for phase in PHASES {
        let kills = killed_in.iter().filter(|p| **p == phase).count();
        assert!(kills >= 1, "never killed mid-{phase}: {killed_in:?}");
    }
    assert_eq!(
        crashed_scenario.woo.state().counters().unchanged_updates,
        0,
        "duplicate WooCommerce writes"
    );
    assert_eq!(
        crashed_scenario
            .shopify
            .state()
            .counters()
            .unchanged_metafield_writes,
        0,
        "duplicate Shopify writes"
    );

    let clean_dir = tempfile::tempdir().unwrap();
    let (clean, _, clean_scenario) = run(&runtime, clean_dir.path(), false);
    assert_no_order_lost(clean_dir.path(), &clean_scenario);
    assert!(
        clean.values().any(|fields| !fields.is_empty()),
        "the clean run wrote nothing"
    );
    let differing: Vec<&String> = clean
        .keys()
        .filter(|k| clean.get(*k) != crashed.get(*k))
        .collect();
    assert!(
        differing.is_empty(),
        "{} products differ from the clean run, e.g. {:?}",
        differing.len(),
        differing.first().map(|k| (&clean[*k], crashed.get(*k)))
    );
    assert_eq!(clean.len(), crashed.len());
}
