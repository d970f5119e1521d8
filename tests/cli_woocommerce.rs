//! `sync`, `compute` and `push` as a merchant runs them against a WooCommerce store: the
//! built binary, a config file whose shop's `base_url` is the simulated WooCommerce,
//! the keys in the environment. Plain http, so every request is OAuth-signed.

mod support;

use support::text;
use upsell_sync::sim::woocommerce::{SimWoo, SimWooConfig};

const KEY: &str = "ck_cli_test_0123456789abcdef0123456789abcdef";
const SECRET: &str = "cs_cli_test_secret_0123456789abcdef01234567";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_compute_and_push_work_against_a_woocommerce_store() {
    let sim = SimWoo::start(
        SimWooConfig::default()
            .with_generated(5, 100, 600)
            .with_keys(KEY, SECRET),
    )
    .await
    .unwrap();
    let products = sim
        .state()
        .products()
        .iter()
        .filter(|p| p.status != "trash")
        .count();
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "[daemon]\ndata_dir = \"{data}\"\n\n[[shops]]\nname = \"woo\"\nplatform = \"woocommerce\"\n\
         base_url = \"{url}\"\nrequests_per_second = 200.0\n\
         consumer_key = {{ env = \"CLI_TEST_WOO_KEY\" }}\n\
         consumer_secret = {{ env = \"CLI_TEST_WOO_SECRET\" }}\n",
        data = dir.path().join("data").display(),
        url = sim.base_url()
    );
    std::fs::write(dir.path().join("config.toml"), config).unwrap();
    let run = |args: &'static [&'static str]| {
        support::run_with_config(
            dir.path(),
            args,
            &[("CLI_TEST_WOO_KEY", KEY), ("CLI_TEST_WOO_SECRET", SECRET)],
        )
    };

    let out = run(&["sync"]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains(&format!(
            "products: WooCommerce {products} / store {products} (match)"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("orders: WooCommerce 600 / store 600 (match)"),
        "{stdout}"
    );
    assert!(stdout.contains("answered 429"), "{stdout}");

    let out = run(&["compute"]).await;
    assert!(out.status.success(), "{}", text(&out).1);

    let out = run(&["push", "--dry-run"]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("dry run, nothing written"), "{stdout}");
    assert!(stdout.contains(" cross_sell_ids: [] -> ["), "{stdout}");
    assert_eq!(sim.state().counters().batch_calls, 0);

    let out = run(&["push"]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(sim.state().counters().batch_items > 0);
    assert!(stdout.contains("fields written"), "{stdout}");
    let linked = sim
        .state()
        .products()
        .iter()
        .filter(|p| !p.cross_sell_ids.is_empty())
        .count();
    assert!(linked > 10, "{linked} products got cross-sells");
    for output in [&stdout, &stderr] {
        assert!(
            !output.contains(SECRET) && !output.contains(KEY),
            "the keys never show"
        );
    }

    let out = run(&["push"]).await;
    let (stdout, _) = text(&out);
    assert!(
        stdout.contains("woo: 0 fields written, 0 deleted"),
        "{stdout}"
    );
}
