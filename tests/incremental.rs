//! One order at a time gives exactly the lists of a full recompute: new orders, changed
//! orders (upserts) and withdrawn orders, in any mix and any order, one by one or in
//! bursts.

use proptest::prelude::*;
use upsell_sync::model::{Order, ProductRecs};
use upsell_sync::recommend::{Params, Recommender, Rules};
use upsell_sync::sim::catalog::{generate, ShopSpec};

/// What happens to the shop after the first full compute.
#[derive(Clone, Debug)]
enum Change {
    /// A new order (index into the held-back orders) arrives.
    Add(usize),
    /// An already counted order loses its last line (a partial refund, an edit).
    Edit(usize),
    /// An already counted order is deleted or redacted.
    Withdraw(usize),
    /// A burst of new orders (a webhook batch) is applied at once.
    Burst(usize, usize),
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        4 => any::<usize>().prop_map(Change::Add),
        1 => any::<usize>().prop_map(Change::Edit),
        1 => any::<usize>().prop_map(Change::Withdraw),
        1 => (any::<usize>(), 2_usize..12).prop_map(|(i, n)| Change::Burst(i, n)),
    ]
}

fn lists(recommender: &Recommender) -> Vec<(String, ProductRecs)> {
    recommender
        .iter()
        .map(|(id, recs)| (id.as_str().to_owned(), recs.clone()))
        .collect()
}

/// Small shops make every anchor's row short, so cold-start fallbacks, bundles and
/// replenishment all get exercised by the few orders a case applies.
fn params(cold_start: bool) -> Params {
    Params {
        cold_start_orders: if cold_start { 6.0 } else { 0.0 },
        basket_cap: 8,
        ..Params::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn incremental_updates_equal_a_full_recompute(
        seed in any::<u64>(),
        departments in 1_usize..4,
        orders in 150_usize..600,
        held_back_every in 3_usize..9,
        changes in prop::collection::vec(change(), 1..25),
        cold_start in any::<bool>(),
        untyped_every in 1_usize..5,
    ) {
        let mut shop = generate(&ShopSpec::new(seed, departments * 50, orders));
        // Imported histories often have no product types: mix typed and untyped.
        for (i, product) in shop.products.iter_mut().enumerate() {
            if untyped_every > 1 && i % untyped_every == 0 {
                product.product_type.clear();
            }
        }
        let as_of = shop.orders.iter().map(|o| o.created_at).max().expect("orders");
        let params = params(cold_start);
        let rules = Rules::default();
        let mut held_back: Vec<Order> = Vec::new();
        let mut counted: Vec<Order> = Vec::new();
        for (i, order) in shop.orders.into_iter().enumerate() {
            if i % held_back_every == 0 {
                held_back.push(order);
            } else {
                counted.push(order);
            }
        }
        let mut live = Recommender::new(
            &shop.products,
            &counted,
            &rules,
            &params,
            as_of,
        );
        for change in changes {
            match change {
                Change::Add(i) if !held_back.is_empty() => {
                    let order = held_back.swap_remove(i % held_back.len());
                    live.apply_order(&order);
                    counted.push(order);
                }
                Change::Edit(i) if !counted.is_empty() => {
                    let len = counted.len();
                    let order = &mut counted[i % len];
                    if order.lines.len() > 1 {
                        order.lines.pop();
                    }
                    live.apply_order(order);
                }
                Change::Burst(i, n) if !held_back.is_empty() => {
                    let burst: Vec<Order> = (0..n.min(held_back.len()))
                        .map(|k| held_back.swap_remove((i + k) % held_back.len()))
                        .collect();
                    live.apply_orders(&burst, &[]);
                    counted.extend(burst);
                }
                Change::Withdraw(i) if !counted.is_empty() => {
                    let len = counted.len();
                    let order = counted.swap_remove(i % len);
                    live.withdraw_order(&order.id);
                }
                _ => {}
            }
        }
        let full = Recommender::new(
            &shop.products,
            &counted,
            &rules,
            &params,
            as_of,
        );
        prop_assert_eq!(live.order_count(), full.order_count());
        let (live, full) = (lists(&live), lists(&full));
        prop_assert_eq!(live.len(), full.len());
        for (l, f) in live.iter().zip(&full) {
            prop_assert_eq!(l, f);
        }
    }
}
