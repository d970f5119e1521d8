//! `sync`, `compute` and `push` as a merchant runs them: the built binary, a config file
//! whose shop points (`admin_url`) at the simulated Shopify, the token in the
//! environment.

mod support;

use support::text;
use upsell_sync::sim::shopify::{SimConfig, SimShopify};

const TOKEN: &str = "shpat_cli_test_secret";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_compute_and_push_work_against_a_shopify_store() {
    let sim = SimShopify::start(
        SimConfig::default()
            .with_generated(5, 100, 600)
            .with_bucket(20_000.0, 1_000.0)
            .with_token(TOKEN),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "[daemon]\ndata_dir = \"{data}\"\n\n[[shops]]\nname = \"sim\"\nplatform = \"shopify\"\n\
         shop_domain = \"simulated-shop.myshopify.com\"\nadmin_url = \"{url}\"\n\
         access_token = {{ env = \"CLI_TEST_SHOPIFY_TOKEN\" }}\n",
        data = dir.path().join("data").display(),
        url = sim.base_url()
    );
    std::fs::write(dir.path().join("config.toml"), config).unwrap();
    let run = |args: &'static [&'static str]| {
        support::run_with_config(dir.path(), args, &[("CLI_TEST_SHOPIFY_TOKEN", TOKEN)])
    };

    let out = run(&["sync"]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("products: Shopify 100 / store 100 (match)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("orders: Shopify 600 / store 600 (match)"),
        "{stdout}"
    );

    let out = run(&["compute"]).await;
    assert!(out.status.success(), "{}", text(&out).1);

    let out = run(&["push", "--dry-run"]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("dry run, nothing written"), "{stdout}");
    assert!(stdout.contains("upsell_sync.cross_sell"), "{stdout}");
    assert_eq!(sim.state().counters().metafields_set_calls, 0);

    let out = run(&["push"]).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(sim.state().counters().metafields_written > 0);
    assert!(stdout.contains("metafields written"), "{stdout}");
    for output in [&stdout, &stderr] {
        assert!(!output.contains(TOKEN), "the token never shows");
    }

    let out = run(&["push"]).await;
    let (stdout, _) = text(&out);
    assert!(
        stdout.contains("sim: 0 metafields written, 0 deleted"),
        "{stdout}"
    );
}
