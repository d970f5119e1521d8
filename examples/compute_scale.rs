//! Wall time and peak memory of one full compute, for BENCHMARKS.md.
//!
//! `cargo run --release --example compute_scale -- dataset PATH` loads an order-lines
//! CSV; `... -- synthetic PRODUCTS ORDERS` generates a shop. Either way it then computes
//! every list once and prints one JSON line: load and compute seconds, and the process's
//! peak resident memory (`VmHWM` from /proc/self/status) after each phase. It then
//! times the incremental update for the newest few orders (withdrawn and re-applied).

use std::time::Instant;

use anyhow::{bail, Context};
use chrono::Utc;
use upsell_sync::import::{read_order_lines, Columns};
use upsell_sync::model::{InstallSalt, Order, Product};
use upsell_sync::recommend::{Params, Recommender, Rules};
use upsell_sync::sim::{catalog::generate, ShopSpec};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let started = Instant::now();
    let (what, products, orders) = load(&args)?;
    let load_seconds = started.elapsed().as_secs_f64();
    let load_peak = peak_rss_mb()?;
    let as_of = orders
        .iter()
        .map(|o| o.created_at)
        .max()
        .unwrap_or_else(Utc::now);

    let started = Instant::now();
    let mut recommender = Recommender::new(
        &products,
        &orders,
        &Rules::default(),
        &Params::default(),
        as_of,
    );
    let compute_seconds = started.elapsed().as_secs_f64();
    let with_lists = recommender
        .iter()
        .filter(|(_, r)| !r.cross_sell.is_empty())
        .count();
    let peak = peak_rss_mb()?;
    let incremental = incremental_updates(&mut recommender, &orders);
    println!(
        "{{\"input\": \"{what}\", \"products\": {}, \"orders\": {}, \"products_with_cross_sells\": {with_lists}, \
         \"load_seconds\": {load_seconds:.3}, \"peak_rss_mb_after_load\": {load_peak:.0}, \
         \"compute_seconds\": {compute_seconds:.3}, \"peak_rss_mb\": {peak:.0}, \
         \"incremental\": [{incremental}]}}",
        products.len(),
        orders.len(),
    );
    Ok(())
}

/// Orders re-applied to time the incremental update.
const INCREMENTAL_SAMPLES: usize = 5;

/// Withdraws each of the newest orders and applies it again, as a webhook for a new
/// order would; returns one JSON object per order with the anchors re-ranked and the
/// milliseconds `apply_order` took.
fn incremental_updates(recommender: &mut Recommender, orders: &[Order]) -> String {
    let mut newest: Vec<&Order> = orders.iter().collect();
    newest.sort_by_key(|o| std::cmp::Reverse(o.created_at));
    newest
        .into_iter()
        .take(INCREMENTAL_SAMPLES)
        .map(|order| {
            recommender.withdraw_order(&order.id);
            let started = Instant::now();
            let affected = recommender.apply_order(order).len();
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            format!(
                "{{\"lines\": {}, \"anchors_reranked\": {affected}, \"apply_order_ms\": {ms:.1}}}",
                order.lines.len()
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn load(args: &[String]) -> anyhow::Result<(String, Vec<Product>, Vec<Order>)> {
    match args {
        [kind, path] if kind == "dataset" => {
            let imported =
                read_order_lines(path.as_ref(), &Columns::default(), &InstallSalt([0; 32]))?;
            Ok((path.clone(), imported.products, imported.orders))
        }
        [kind, products, orders] if kind == "synthetic" => {
            let spec = ShopSpec::new(7, products.parse()?, orders.parse()?);
            let shop = generate(&spec);
            Ok((
                format!("synthetic {products} products / {orders} orders"),
                shop.products,
                shop.orders,
            ))
        }
        _ => bail!("usage: compute_scale dataset PATH | synthetic PRODUCTS ORDERS"),
    }
}

/// Peak resident set size of this process so far, in MiB.
fn peak_rss_mb() -> anyhow::Result<f64> {
    let status = std::fs::read_to_string("/proc/self/status").context("read /proc/self/status")?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .context("no VmHWM in /proc/self/status")?;
    let kb: f64 = line
        .split_whitespace()
        .nth(1)
        .context("VmHWM value")?
        .parse()?;
    Ok(kb / 1024.0)
}
