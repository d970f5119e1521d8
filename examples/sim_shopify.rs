//! Serves a simulated Shopify shop until killed, so benchmarks can keep the
//! simulator's memory out of the daemon's process.
//!
//! ```text
//! cargo run --release --example sim_shopify -- --seed 7 --products 50000 --orders 200000
//! listening http://127.0.0.1:41234
//! ```
//!
//! The one line on stdout is the base URL; the GraphQL endpoint is
//! `{base}/admin/api/{version}/graphql.json`.

use std::io::Write as _;
use std::net::SocketAddr;

use clap::Parser;
use upsell_sync::sim::shopify::{SimConfig, SimShopify};

/// Serves a synthetic shop over the Shopify Admin GraphQL API.
#[derive(Debug, Parser)]
struct Args {
    /// Seed of the synthetic shop.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Approximate number of products.
    #[arg(long, default_value_t = 1000)]
    products: usize,
    /// Number of orders.
    #[arg(long, default_value_t = 5000)]
    orders: usize,
    /// Bucket size in cost points.
    #[arg(long, default_value_t = 2000.0)]
    bucket_max: f64,
    /// Points restored per second.
    #[arg(long, default_value_t = 100.0)]
    restore_rate: f64,
    /// Address to bind; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:0")]
    addr: SocketAddr,
    /// The access token to accept.
    #[arg(long, default_value = "shpat_simulated")]
    token: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut config = SimConfig::default()
        .with_generated(args.seed, args.products, args.orders)
        .with_token(args.token)
        .with_bucket(args.bucket_max, args.restore_rate);
    config.addr = args.addr;
    let sim = SimShopify::start(config).await?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening {}", sim.base_url())?;
    stdout.flush()?;
    tokio::signal::ctrl_c().await?;
    sim.stop().await;
    Ok(())
}
