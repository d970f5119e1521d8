//! Benchmark of the Shopify sync against the simulated Shopify running in its own
//! process (`examples/sim_shopify.rs`), so only the daemon's memory is measured here.
//!
//! `--phase backfill`: a first sync with bulk operations (`sync --full`) into an empty
//! store; prints records, seconds and this process's peak RSS (`VmHWM`).
//! `--phase paced`: a paged first sync under the given bucket for `--seconds`; prints
//! the points Shopify charged against what the bucket restored meanwhile, and the
//! THROTTLED answers (client side and simulator side).
//!
//! Run by `benches/shopify_sync.sh`; see BENCHMARKS.md.

#[path = "support/sim_process.rs"]
mod sim_process;

use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use sim_process::peak_rss_mb;
use upsell_sync::config::Secret;
use upsell_sync::model::InstallSalt;
use upsell_sync::platform::retry::{RetryPolicy, SystemClock, TokioSleeper};
use upsell_sync::platform::shopify::bucket::CostBucket;
use upsell_sync::platform::shopify::client::{ClientSettings, ShopifyClient};
use upsell_sync::store::Store;
use upsell_sync::sync::shopify::pull::{pull, PullOptions};

#[derive(Parser)]
struct Args {
    /// `backfill` or `paced`.
    #[arg(long)]
    phase: String,
    #[arg(long, default_value_t = 50_000)]
    products: usize,
    #[arg(long, default_value_t = 200_000)]
    orders: usize,
    #[arg(long, default_value_t = 1000.0)]
    bucket_max: f64,
    #[arg(long, default_value_t = 100.0)]
    restore_rate: f64,
    /// How long the paced phase runs.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// The simulator binary.
    #[arg(long, default_value = "target/release/examples/sim_shopify")]
    sim: String,
}

fn start_sim(args: &Args) -> anyhow::Result<(sim_process::SimProcess, String)> {
    let flags = [
        ("--products", args.products.to_string()),
        ("--orders", args.orders.to_string()),
        ("--bucket-max", args.bucket_max.to_string()),
        ("--restore-rate", args.restore_rate.to_string()),
        ("--token", "shpat_bench".to_owned()),
    ];
    let sim_flags: Vec<String> = flags
        .into_iter()
        .flat_map(|(k, v)| [k.to_owned(), v])
        .collect();
    sim_process::start(&args.sim, &sim_flags)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let (_sim, url) = start_sim(&args)?;
    eprintln!(
        "simulator at {url}; daemon peak RSS before syncing: {:.0} MB",
        peak_rss_mb()
    );
    let settings = ClientSettings {
        base_url: url,
        api_version: "2026-07".to_owned(),
        access_token: Secret::new("shpat_bench"),
        timeout: Duration::from_secs(60),
        retry: RetryPolicy::default(),
    };
    let client = ShopifyClient::new(
        settings,
        CostBucket::new(Arc::new(SystemClock)),
        TokioSleeper,
    )?;
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("store"))?;
    let shop = store.shop("bench")?;
    let salt = InstallSalt([3; 32]);
    let options = PullOptions {
        full: args.phase == "backfill",
        bulk_threshold: u64::MAX,
        overlap: chrono::Duration::minutes(10),
        poll: Duration::from_millis(200),
        now: chrono::Utc::now(),
    };
    let started = Instant::now();
    match args.phase.as_str() {
        "backfill" => {
            let report = pull(&client, &shop, &salt, &options).await?;
            let seconds = started.elapsed().as_secs_f64();
            println!(
                "backfill products={} orders={} stored_products={} stored_orders={} reconciled={} seconds={seconds:.1} peak_rss_mb={:.0}",
                args.products,
                args.orders,
                report.products.stored,
                report.orders.stored,
                report.reconciled(),
                peak_rss_mb()
            );
        }
        "paced" => {
            let limit = Duration::from_secs(args.seconds);
            let finished = tokio::time::timeout(limit, pull(&client, &shop, &salt, &options)).await;
            let seconds = started.elapsed().as_secs_f64();
            if let Ok(result) = finished {
                result?;
            }
            let stats = client.stats();
            let restored = args.restore_rate * seconds;
            let spent = stats.bucket.points_spent as f64;
            println!(
                "paced bucket_max={} restore_rate={} seconds={seconds:.1} requests={} points_spent={spent:.0} \
                 consumption={:.3} consumption_after_initial_bucket={:.3} throttled={} products_stored={} orders_stored={} waits={}",
                args.bucket_max,
                args.restore_rate,
                stats.requests,
                spent / restored,
                (spent - args.bucket_max).max(0.0) / restored,
                stats.throttled,
                shop.product_count(),
                shop.order_count(),
                stats.bucket.waits,
            );
        }
        other => anyhow::bail!("unknown phase {other:?}"),
    }
    Ok(())
}
