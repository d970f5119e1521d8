//! Cart and admin-search benchmark (issue 6): the real server (`server::router`) on
//! loopback over a store of 50,000 generated products with computed lists.
//!
//! 1. Cart: `--requests` sequential `POST /api/v1/shops/main/cart` with 10-item carts
//!    (random products with lists, a subtotal and a free-shipping threshold), timed end
//!    to end over HTTP.
//! 2. Post-purchase: the generated customers have no platform id to put in the URL, so
//!    the endpoint's work (the customer's orders through the index, their lists,
//!    `post_purchase::suggest`) is timed in process on the same store.
//! 3. Search: the admin's product index over 100,000 products, queried with one and
//!    two words from titles, and by SKU, paging through results.
//!
//! Run by `benches/cart.sh`; see BENCHMARKS.md.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use clap::Parser;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde_json::json;
use tokio::sync::Notify;
use upsell_sync::config::Secret;
use upsell_sync::model::ProductId;
use upsell_sync::recommend::post_purchase;
use upsell_sync::recommend::Params;
use upsell_sync::server::search::ProductIndex;
use upsell_sync::server::{router, ServerState, ShopEndpoint};
use upsell_sync::sim::catalog::{generate, ShopSpec};
use upsell_sync::store::Store;
use upsell_sync::sync::compute::compute_shop;
use upsell_sync::sync::status::StatusBoard;

const TOKEN: &str = "bench-token";

#[derive(Parser)]
struct Args {
    /// Products in the cart benchmark's shop.
    #[arg(long, default_value_t = 50_000)]
    products: usize,
    /// Orders in it.
    #[arg(long, default_value_t = 150_000)]
    orders: usize,
    /// Cart requests timed.
    #[arg(long, default_value_t = 5_000)]
    requests: usize,
    /// Items per cart.
    #[arg(long, default_value_t = 10)]
    cart: usize,
    /// Products in the search benchmark's index.
    #[arg(long, default_value_t = 100_000)]
    search_products: usize,
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1_000.0
}

fn summary(name: &str, mut times: Vec<Duration>) -> f64 {
    times.sort();
    let p99 = percentile(&times, 0.99);
    println!(
        "{name}: n {}  p50 {:.3} ms  p99 {:.3} ms  max {:.3} ms",
        times.len(),
        percentile(&times, 0.5),
        p99,
        times.last().map_or(0.0, |d| d.as_secs_f64() * 1_000.0)
    );
    p99
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let started = Instant::now();
    let root = Store::open_temporary()?;
    let store = root.shop("main")?;
    let data = generate(&ShopSpec::new(42, args.products, args.orders));
    for product in &data.products {
        store.put_product(product)?;
    }
    for order in &data.orders {
        store.put_order(order)?;
    }
    let (_, report) = compute_shop(&store, &Params::default(), Utc::now())?;
    println!(
        "shop: {} products, {} orders, {} links; built in {:.1} s",
        report.products,
        report.orders,
        report.links,
        started.elapsed().as_secs_f64()
    );

    let board = StatusBoard::default();
    board.register("main", "shopify");
    let endpoint = ShopEndpoint::new("shopify", store.clone(), None, Arc::new(Notify::new()));
    let shops = HashMap::from([("main".to_owned(), endpoint)]);
    let state = ServerState::new(&root, shops, board, 65_536, Some(Secret::new(TOKEN)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/api/v1/shops/main/cart", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, router(state)).await });

    let with_lists: Vec<ProductId> = store
        .all_recs()
        .filter_map(Result::ok)
        .filter(|(_, recs)| !recs.cross_sell.is_empty())
        .map(|(id, _)| id)
        .collect();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let client = reqwest::Client::new();
    let mut times = Vec::with_capacity(args.requests);
    let mut suggested = 0usize;
    for i in 0..args.requests + 200 {
        let items: Vec<_> = with_lists
            .choose_multiple(&mut rng, args.cart)
            .map(|id| json!({"product": id.as_str(), "quantity": 1}))
            .collect();
        let body = json!({"items": items, "subtotal": "40.00", "free_shipping_threshold": "75.00"});
        let sent = Instant::now();
        let response = client
            .post(&url)
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
            .await?;
        anyhow::ensure!(
            response.status().is_success(),
            "cart answered {}",
            response.status()
        );
        let answer: serde_json::Value = response.json().await?;
        let took = sent.elapsed();
        // The first 200 warm the connection and the caches.
        if i >= 200 {
            times.push(took);
            suggested += answer["cross_sells"].as_array().map_or(0, Vec::len);
        }
    }
    let p99 = summary(
        &format!(
            "cart over HTTP ({}-item carts, {} products)",
            args.cart, args.products
        ),
        times,
    );
    println!(
        "  mean suggestions per answer {:.1}; p99 / 5 ms target = {:.2}",
        suggested as f64 / args.requests as f64,
        p99 / 5.0
    );

    // Post-purchase, in process: a customer's orders through the index, then suggest.
    let customers: Vec<_> = data.orders.iter().filter_map(|o| o.customer).collect();
    let mut times = Vec::new();
    for customer in customers.choose_multiple(&mut rng, 2_000) {
        let started = Instant::now();
        let orders = store.orders_of(customer)?;
        let mut lists = HashMap::new();
        for line in orders.iter().flat_map(|o| &o.lines) {
            if let Some(recs) = store.get_recs(&line.product)? {
                lists.insert(line.product.clone(), recs);
            }
        }
        let picks = post_purchase::suggest(&orders, |id| lists.get(id), Utc::now(), 90.0, 8);
        std::hint::black_box(picks);
        times.push(started.elapsed());
    }
    summary("post-purchase in process (store lookups + suggest)", times);

    search_bench(args.search_products, &mut rng);
    Ok(())
}

/// The admin's search index over `products` generated products.
fn search_bench(products: usize, rng: &mut rand_chacha::ChaCha8Rng) {
    // Admin search over a larger catalog.
    let catalog = generate(&ShopSpec::new(9, products, 0));
    let built = Instant::now();
    let index = ProductIndex::of(&catalog.products);
    println!(
        "search index of {} products built in {:.0} ms",
        index.len(),
        built.elapsed().as_secs_f64() * 1_000.0
    );
    let mut times = Vec::new();
    for product in catalog.products.choose_multiple(rng, 300) {
        let words: Vec<&str> = product.title.split_whitespace().collect();
        let sku = product.variants.first().and_then(|v| v.sku.clone());
        let queries = [
            words.first().copied().unwrap_or_default().to_owned(),
            words.iter().take(2).copied().collect::<Vec<_>>().join(" "),
            sku.unwrap_or_else(|| product.handle.clone()),
        ];
        for (page, query) in queries.iter().enumerate() {
            let started = Instant::now();
            std::hint::black_box(index.search(query, page + 1, 25));
            times.push(started.elapsed());
        }
    }
    summary(
        &format!(
            "search, {} products (1 word, 2 words, SKU; pages 1-3)",
            index.len()
        ),
        times,
    );
}
