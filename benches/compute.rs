//! Criterion benches of the recommender: a full compute, and the one-order incremental
//! update the daemon runs per webhook, both on the synthetic shop and, when it is
//! present, on the online-retail data set. Run with `cargo bench --bench compute`;
//! BENCHMARKS.md records the figures.

use std::path::Path;

use chrono::{DateTime, Utc};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use upsell_sync::import::{read_order_lines, Columns};
use upsell_sync::model::{InstallSalt, Order, Product};
use upsell_sync::recommend::{Params, Recommender, Rules};
use upsell_sync::sim::catalog::{generate, ShopSpec};

const DATASET: &str = "../shared/datasets/online-retail.csv.gz";

struct Input {
    name: &'static str,
    products: Vec<Product>,
    orders: Vec<Order>,
}

fn inputs() -> Vec<Input> {
    let shop = generate(&ShopSpec::new(7, 2_000, 40_000));
    let mut inputs = vec![Input {
        name: "synthetic_2k_products_40k_orders",
        products: shop.products,
        orders: shop.orders,
    }];
    let dataset = Path::new(env!("CARGO_MANIFEST_DIR")).join(DATASET);
    if dataset.exists() {
        let imported = read_order_lines(&dataset, &Columns::default(), &InstallSalt([0; 32]))
            .expect("the data set reads");
        inputs.push(Input {
            name: "online_retail",
            products: imported.products,
            orders: imported.orders,
        });
    }
    inputs
}

fn newest(orders: &[Order]) -> DateTime<Utc> {
    orders.iter().map(|o| o.created_at).max().expect("orders")
}

fn bench(c: &mut Criterion) {
    let params = Params::default();
    let rules = Rules::default();
    for input in inputs() {
        let as_of = newest(&input.orders);
        let mut group = c.benchmark_group(input.name);
        group.sample_size(10);
        group.bench_function("full_compute", |b| {
            b.iter(|| Recommender::new(&input.products, &input.orders, &rules, &params, as_of));
        });
        // The newest order arrives last, as a webhook would bring it.
        let (last, earlier) = input.orders.split_last().expect("orders");
        let before = Recommender::new(&input.products, earlier, &rules, &params, as_of);
        group.bench_function("one_order_incremental", |b| {
            b.iter_batched_ref(
                || before.clone(),
                |recommender| recommender.apply_order(last),
                BatchSize::LargeInput,
            );
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
