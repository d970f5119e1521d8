//! `upsell-sync demo`: the first command a newcomer runs, no account needed. It
//! generates a synthetic shop with planted structure (`sim::catalog`), stores it,
//! computes every list, checks the cross-sells against what was planted, and prints a
//! few products' lists with the reason for every link. The store stays behind so that
//! `show` can explore it.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use chrono::Utc;

use super::render::{product_lists, Titles};
use crate::config::Config;
use crate::model::ProductId;
use crate::sim::catalog::{generate, PlantedTruth, ShopSpec};
use crate::store::Store;
use crate::sync::compute::compute_shop;

/// The demo shop's name in the store.
const SHOP: &str = "demo";

/// How big a shop to make, and where to keep it.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Same seed, same shop.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Products (rounded to departments of 50).
    #[arg(long, default_value_t = 2_000)]
    pub products: usize,
    /// Orders, spread over one year.
    #[arg(long, default_value_t = 40_000)]
    pub orders: usize,
    /// Where to keep the store; the demo shop in it is replaced on every run.
    #[arg(long, default_value = "upsell-sync-demo")]
    pub data_dir: PathBuf,
}

/// Runs the demo and returns the report.
pub fn run(args: &DemoArgs) -> anyhow::Result<String> {
    anyhow::ensure!(
        args.products >= 50 && args.orders >= 100,
        "the demo needs at least 50 products and 100 orders"
    );
    let started = Instant::now();
    let shop_data = generate(&ShopSpec::new(args.seed, args.products, args.orders));
    let generated = started.elapsed().as_secs_f64();

    let store = Store::open(&args.data_dir.join("store"))?;
    store.remove_shop(SHOP)?;
    let shop = store.shop(SHOP)?;
    let started = Instant::now();
    for product in &shop_data.products {
        shop.put_product(product)?;
    }
    for order in &shop_data.orders {
        shop.put_order(order)?;
    }
    shop.flush()?;
    let stored = started.elapsed().as_secs_f64();

    let params = Config::default().recommender;
    let (recommender, report) = compute_shop(&shop, &params, Utc::now())?;

    let mut out = String::new();
    let _ = writeln!(
        out,
        "Synthetic shop (seed {}): {} products, {} orders, generated in {generated:.2} s, stored in {stored:.2} s at {}",
        args.seed,
        report.products,
        report.orders,
        args.data_dir.join("store").display()
    );
    let _ = writeln!(
        out,
        "Computed in {:.2} s: {} products with lists, {} links.",
        report.compute_seconds, report.with_lists, report.links
    );
    let (precision, anchors) = shop_data.truth.cross_sell_precision(4, |anchor| {
        recommender
            .recs(anchor)
            .map_or(&[][..], |r| r.cross_sell.as_slice())
    });
    let _ = writeln!(
        out,
        "Cross-sell precision@4 against the planted complements: {precision:.3} over {anchors} anchors.\n"
    );
    let titles = Titles::new(&shop_data.products);
    for anchor in samples(&shop_data.truth) {
        if let Some(recs) = shop.get_recs(&anchor)? {
            let _ = writeln!(out, "{}", product_lists(&anchor, &recs, &titles));
        }
    }
    let _ = writeln!(
        out,
        "Explore any product: upsell-sync show --data-dir {} --shop {SHOP} \"<title words or id>\"",
        args.data_dir.display()
    );
    Ok(out)
}

/// A product from the middle of a tier ladder (it has upsells, downsells, complements
/// and bundles) and a refill bought on a cycle (replenishment).
fn samples(truth: &PlantedTruth) -> Vec<ProductId> {
    let ladder = truth
        .ladders
        .iter()
        .find(|l| l.iter().all(|p| !truth.unavailable.contains(p)))
        .and_then(|l| l.get(l.len() / 2));
    let refill = truth
        .cycles
        .keys()
        .find(|p| !truth.unavailable.contains(*p));
    ladder.into_iter().chain(refill).cloned().collect()
}
