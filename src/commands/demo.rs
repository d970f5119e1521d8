//! `upsell-sync demo`: the first command a newcomer runs, no account needed. It starts
//! a simulated Shopify shop and a simulated WooCommerce store filled by the synthetic
//! generator (`sim::scenario`), writes a config for them, runs the real daemon against
//! both, places a stream of realistic orders that the stores send as webhooks, and
//! prints the admin URL with its token. It runs until Ctrl-C (or `--seconds`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;

use super::run::signal;
use super::shops::runtime;
use crate::config::Config;
use crate::daemon::Daemon;
use crate::sim::scenario::{Scenario, ScenarioSpec};
use crate::sync::status::StatusBoard;

/// How big the stores are, and where the daemon keeps its data.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Same seed, same stores and order stream.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Products per store (rounded to departments of 50).
    #[arg(long, default_value_t = 500)]
    pub products: usize,
    /// Orders in each store's history.
    #[arg(long, default_value_t = 6_000)]
    pub orders: usize,
    /// New orders placed per minute, across both stores, once the first sync is done.
    #[arg(long, default_value_t = 60)]
    pub orders_per_minute: u32,
    /// Stop after this many seconds (default: run until Ctrl-C).
    #[arg(long)]
    pub seconds: Option<u64>,
    /// Every this many seconds, make each store fail its next request, cycling through
    /// 503, 429, a connection reset, truncated JSON and a throttle or proxy page: the
    /// daemon must ride them out (soak runs; see `benches/soak.sh`). Off by default.
    #[arg(long)]
    pub fault_every: Option<u64>,
    /// Address of the admin pages and webhooks.
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,
    /// Where the config, secrets and store go; emptied at every start.
    #[arg(long, default_value = "upsell-sync-demo")]
    pub data_dir: PathBuf,
}

/// Runs the demo until Ctrl-C or `--seconds`; returns the closing summary.
pub fn run(args: &DemoArgs) -> anyhow::Result<String> {
    anyhow::ensure!(
        args.products >= 50 && args.orders >= 100,
        "the demo needs at least 50 products and 100 orders"
    );
    runtime()?.block_on(demo(args))
}

async fn demo(args: &DemoArgs) -> anyhow::Result<String> {
    if args.data_dir.exists() {
        std::fs::remove_dir_all(&args.data_dir)
            .with_context(|| format!("emptying {}", args.data_dir.display()))?;
    }
    std::fs::create_dir_all(&args.data_dir)?;
    let data_dir = std::fs::canonicalize(&args.data_dir)?;
    let streamed = (args.orders / 10).max(100);
    let mut scenario = Scenario::start(ScenarioSpec {
        seed: args.seed,
        products: args.products,
        orders: args.orders,
        streamed,
        now: chrono::Utc::now(),
    })
    .await?;
    let config_path = scenario.write_config(&data_dir, args.listen)?;
    let daemon = Daemon::start(Config::load(&config_path)?).await?;
    scenario.subscribe(daemon.address());
    println!(
        "upsell-sync demo: a simulated Shopify shop at {} and a simulated WooCommerce store at {}, \
         {} products and {} orders each.\nConfig: {}\n\nAdmin: http://{}/?token={}\n\n\
         The daemon syncs both stores now; then {} new orders a minute arrive as webhooks. Ctrl-C stops.",
        scenario.shopify.base_url(),
        scenario.woo.base_url(),
        args.products,
        args.orders,
        config_path.display(),
        daemon.address(),
        scenario.admin_token(),
        args.orders_per_minute,
    );
    let stop = async {
        match args.seconds {
            Some(seconds) => tokio::time::sleep(Duration::from_secs(seconds)).await,
            None => signal().await,
        }
    };
    let board = daemon.board().clone();
    let faults = inject_faults(&scenario, args.fault_every);
    tokio::select! {
        () = stop => {}
        () = place_orders(&mut scenario, &board, args.orders_per_minute) => {}
    }
    if let Some(faults) = faults {
        faults.abort();
    }
    let summary = summary(&board, scenario.placed());
    daemon.shutdown().await?;
    scenario.shopify.stop().await;
    scenario.woo.stop().await;
    Ok(summary)
}

/// Waits for both shops' first push, then places orders at the given pace, printing
/// progress every ten seconds.
async fn place_orders(scenario: &mut Scenario, board: &StatusBoard, per_minute: u32) {
    while board.snapshot().values().any(|s| s.last_push.is_none()) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!("First sync done: {}", summary(board, 0));
    let pause = Duration::from_secs(60) / per_minute.max(1);
    let mut ticks = 0_u64;
    let mut replaying = false;
    loop {
        if scenario.place_next_order().is_none() {
            if !replaying {
                println!(
                    "Every held-back order has been placed; placing them again as new orders."
                );
                replaying = true;
            }
            scenario.place_again();
        }
        tokio::time::sleep(pause).await;
        ticks += 1;
        if ticks % u64::from((per_minute / 6).max(1)) == 0 {
            println!("{}", summary(board, scenario.placed()));
        }
    }
}

/// Starts a task that queues a round of faults in the stores every `every` seconds.
fn inject_faults(scenario: &Scenario, every: Option<u64>) -> Option<tokio::task::JoinHandle<()>> {
    let every = Duration::from_secs(every?.max(1));
    let faults = scenario.faults();
    Some(tokio::spawn(async move {
        for round in 0_usize.. {
            tokio::time::sleep(every).await;
            faults.inject(round);
        }
    }))
}

/// One line per shop: counts, webhooks and writes.
fn summary(board: &StatusBoard, placed: usize) -> String {
    let shops: Vec<String> = board
        .snapshot()
        .iter()
        .map(|(name, s)| {
            format!(
                "{name}: {} products, {} orders, {} webhooks applied, {} fields written, state {}{}",
                s.products,
                s.orders,
                s.jobs_applied,
                s.fields_written,
                s.phase.as_str(),
                s.errors.back().map(|e| format!(" (last error: {})", e.message)).unwrap_or_default()
            )
        })
        .collect();
    format!("{placed} new orders placed. {}", shops.join("; "))
}
