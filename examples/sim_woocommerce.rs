//! Serves a simulated WooCommerce store until killed, so benchmarks can keep the
//! simulator's work and memory out of the daemon's process.
//!
//! ```text
//! cargo run --release --example sim_woocommerce -- --products 20000 --orders 100000 --rate 50
//! listening http://127.0.0.1:41234
//! ```
//!
//! The one line on stdout is the site root (the API is under `/wp-json/wc/v3`). The
//! consumer key and secret are the ones given (defaults below).

use std::io::Write as _;
use std::net::SocketAddr;

use clap::Parser;
use upsell_sync::sim::woocommerce::{RateLimit, SimWoo, SimWooConfig};

/// Serves a synthetic store over the WooCommerce REST API v3.
#[derive(Debug, Parser)]
struct Args {
    /// Seed of the synthetic store.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Approximate number of products.
    #[arg(long, default_value_t = 1000)]
    products: usize,
    /// Number of orders.
    #[arg(long, default_value_t = 5000)]
    orders: usize,
    /// Requests per second the host allows (a 429 with Retry-After beyond); 0: no limit.
    #[arg(long, default_value_t = 0.0)]
    rate: f64,
    /// Requests the host allows at once above the rate.
    #[arg(long, default_value_t = 5)]
    burst: u32,
    /// Address to bind; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:0")]
    addr: SocketAddr,
    /// The consumer key to accept.
    #[arg(long, default_value = "ck_bench")]
    key: String,
    /// The consumer secret to accept.
    #[arg(long, default_value = "cs_bench")]
    secret: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut config = SimWooConfig::default().with_generated(args.seed, args.products, args.orders);
    config.consumer_key = args.key;
    config.consumer_secret = args.secret;
    config.addr = args.addr;
    if args.rate > 0.0 {
        config.rate_limit = Some(RateLimit {
            requests_per_second: args.rate,
            burst: args.burst,
        });
    }
    let sim = SimWoo::start(config).await?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening {}", sim.base_url())?;
    stdout.flush()?;
    tokio::signal::ctrl_c().await?;
    sim.stop().await;
    Ok(())
}
