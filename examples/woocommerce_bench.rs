//! Benchmark of the WooCommerce sync against the simulated WooCommerce running in its
//! own process (`examples/sim_woocommerce.rs`) behind a host rate limit of `--rate`
//! requests per second (a 429 with `Retry-After` beyond it).
//!
//! A first sync (every product, variation and order, then the count reconciliation)
//! into an empty store. Prints the requests the client sent, the requests per second it
//! sustained against the host's limit, the share answered 429, the rate the client
//! ended at, seconds, whether the counts reconciled, and this process's peak RSS.
//!
//! `--client-rate` is what the config says (`requests_per_second`); by default the
//! host's real limit, as the README asks a merchant to set it. Run by
//! `benches/woocommerce_sync.sh`; see BENCHMARKS.md.

#[path = "support/sim_process.rs"]
mod sim_process;

use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use sim_process::peak_rss_mb;
use upsell_sync::config::{Secret, WooAuth};
use upsell_sync::model::InstallSalt;
use upsell_sync::platform::retry::{RetryPolicy, SystemClock, TokioSleeper};
use upsell_sync::platform::woocommerce::client::{ClientSettings, WooClient};
use upsell_sync::platform::woocommerce::pacing::PacingSettings;
use upsell_sync::store::Store;
use upsell_sync::sync::woocommerce::pull::{pull, PullOptions};

#[derive(Parser)]
struct Args {
    #[arg(long, default_value_t = 20_000)]
    products: usize,
    #[arg(long, default_value_t = 100_000)]
    orders: usize,
    /// Requests per second the simulated host allows.
    #[arg(long, default_value_t = 50.0)]
    rate: f64,
    /// Requests the host allows at once above the rate.
    #[arg(long, default_value_t = 5)]
    burst: u32,
    /// The client's configured rate; default: `--rate`.
    #[arg(long)]
    client_rate: Option<f64>,
    /// The client's configured burst.
    #[arg(long, default_value_t = 5)]
    client_burst: u32,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// The simulator binary.
    #[arg(long, default_value = "target/release/examples/sim_woocommerce")]
    sim: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let flags = [
        ("--products", args.products.to_string()),
        ("--orders", args.orders.to_string()),
        ("--rate", args.rate.to_string()),
        ("--burst", args.burst.to_string()),
        ("--key", "ck_bench".to_owned()),
        ("--secret", "cs_bench".to_owned()),
    ];
    let sim_flags: Vec<String> = flags
        .into_iter()
        .flat_map(|(k, v)| [k.to_owned(), v])
        .collect();
    let (_sim, url) = sim_process::start(&args.sim, &sim_flags)?;
    let client_rate = args.client_rate.unwrap_or(args.rate);
    let settings = ClientSettings {
        base_url: url.clone(),
        consumer_key: Secret::new("ck_bench"),
        consumer_secret: Secret::new("cs_bench"),
        auth: WooAuth::Auto,
        timeout: Duration::from_secs(60),
        retry: RetryPolicy::default(),
        pacing: PacingSettings {
            requests_per_second: client_rate,
            burst: args.client_burst,
            max_concurrency: args.concurrency,
        },
        root_certificate_pem: None,
    };
    let client = WooClient::new(settings, Arc::new(SystemClock), TokioSleeper)?;
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("store"))?;
    let shop = store.shop("bench")?;
    let options = PullOptions {
        full: true,
        overlap: chrono::Duration::minutes(10),
        sale_statuses: vec!["processing".to_owned(), "completed".to_owned()],
        concurrency: args.concurrency,
    };
    eprintln!("simulator at {url}, host limit {} req/s", args.rate);
    let started = Instant::now();
    let report = pull(&client, &shop, &InstallSalt([3; 32]), &options).await?;
    let seconds = started.elapsed().as_secs_f64();
    let stats = client.stats();
    let sustained = stats.requests as f64 / seconds;
    // The host's bucket starts full: its burst is served on top of the rate.
    let beyond_burst = (stats.requests as f64 - f64::from(args.burst)).max(0.0) / seconds;
    println!(
        "woocommerce products={} orders={} host_rate={} host_burst={} client_rate={client_rate} \
         concurrency={} requests={} seconds={seconds:.1} sustained_rps={sustained:.2} \
         of_limit={:.3} of_limit_beyond_burst={:.3} answered_429={} share_429={:.4} \
         rate_cuts={} final_rate={:.2} retries={} stored_products={} stored_orders={} \
         reconciled={} peak_rss_mb={:.0}",
        args.products,
        args.orders,
        args.rate,
        args.burst,
        args.concurrency,
        stats.requests,
        sustained / args.rate,
        beyond_burst / args.rate,
        stats.rate_limited,
        stats.rate_limited as f64 / stats.requests.max(1) as f64,
        stats.rate_cuts,
        stats.current_rate,
        stats.retries,
        report.products.stored,
        report.orders.stored,
        report.reconciled(),
        peak_rss_mb()
    );
    Ok(())
}
