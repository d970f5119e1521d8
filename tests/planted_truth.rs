//! The recommender recovers the structure planted in a synthetic shop: complements as
//! cross-sells, the next tier as upsell, planted re-buy cycles, and never an item that
//! cannot be bought.

use upsell_sync::model::{ListKind, ProductId};
use upsell_sync::recommend::{Params, Recommender, Rules};
use upsell_sync::sim::catalog::{generate, ShopSpec, SyntheticShop};

fn shop_and_lists() -> (SyntheticShop, Recommender) {
    let shop = generate(&ShopSpec::new(7, 2_000, 40_000));
    let as_of = shop.orders.last().expect("orders").created_at;
    let recommender = Recommender::new(
        &shop.products,
        &shop.orders,
        &Rules::default(),
        &Params::default(),
        as_of,
    );
    (shop, recommender)
}

#[test]
fn cross_sells_are_the_planted_complements() {
    let (shop, recommender) = shop_and_lists();
    let (precision, anchors) = shop.truth.cross_sell_precision(4, |anchor| {
        &recommender
            .recs(anchor)
            .expect("every product has lists")
            .cross_sell
    });
    assert!(anchors > 50, "too few anchors to judge: {anchors}");
    assert!(
        precision >= 0.8,
        "cross-sell precision@4 against planted complements is {precision:.3}"
    );
}

#[test]
fn upsells_climb_the_same_tier_ladder() {
    let (shop, recommender) = shop_and_lists();
    let price = |id: &ProductId| {
        shop.products
            .iter()
            .find(|p| &p.id == id)
            .and_then(upsell_sync::model::Product::reference_price)
            .expect("priced")
    };
    let mut checked = 0;
    for ladder in &shop.truth.ladders {
        for (tier, anchor) in ladder.iter().enumerate() {
            let upsells = &recommender.recs(anchor).expect("lists").upsell;
            for link in upsells {
                assert!(
                    ladder.contains(&link.product),
                    "upsell {} of {anchor} is not on its ladder {ladder:?}",
                    link.product
                );
                assert!(
                    price(&link.product) > price(anchor),
                    "upsell {} of {anchor} is not pricier",
                    link.product
                );
            }
            let next = ladder.get(tier + 1);
            if let Some(next) = next.filter(|n| !shop.truth.unavailable.contains(*n)) {
                assert_eq!(
                    upsells.first().map(|l| &l.product),
                    Some(next),
                    "top upsell of {anchor}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "too few ladders to judge: {checked}");
}

#[test]
fn nothing_out_of_stock_or_draft_is_ever_recommended() {
    let (shop, recommender) = shop_and_lists();
    let mut links = 0;
    for (anchor, recs) in recommender.iter() {
        for kind in ListKind::ALL {
            for link in recs.list(kind) {
                assert!(
                    !shop.truth.unavailable.contains(&link.product),
                    "{kind} of {anchor} holds unavailable {}",
                    link.product
                );
                assert_ne!(&link.product, anchor, "{kind} of {anchor} holds itself");
                links += 1;
            }
        }
        for bundle in &recs.bundles {
            for item in &bundle.items {
                assert!(
                    !shop.truth.unavailable.contains(item),
                    "bundle of {anchor} holds unavailable {item}"
                );
            }
        }
    }
    assert!(links > 10_000, "too few links to judge: {links}");
}

#[test]
fn replenishment_intervals_match_the_planted_cycles() {
    let (shop, recommender) = shop_and_lists();
    let mut checked = 0;
    for (refill, cycle) in &shop.truth.cycles {
        let Some(found) = recommender
            .recs(refill)
            .and_then(|r| r.replenishment.clone())
        else {
            continue;
        };
        if found.intervals < 10 {
            continue;
        }
        let error = (found.median_days - cycle).abs() / cycle;
        assert!(
            error <= 0.10,
            "{refill}: planted {cycle} days, found {:.1} ({} intervals)",
            found.median_days,
            found.intervals
        );
        checked += 1;
    }
    assert!(
        checked >= shop.truth.cycles.len() / 2,
        "only {checked} of {} refills had enough repeats",
        shop.truth.cycles.len()
    );
}

#[test]
fn the_same_seed_gives_the_same_shop_and_the_same_lists() {
    let a = generate(&ShopSpec::new(3, 300, 3_000));
    let b = generate(&ShopSpec::new(3, 300, 3_000));
    assert_eq!(a.products, b.products);
    assert_eq!(a.orders, b.orders);
    let as_of = a.orders.last().expect("orders").created_at;
    let lists = |shop: &SyntheticShop, reversed: bool| {
        let mut orders = shop.orders.clone();
        if reversed {
            orders.reverse();
        }
        let r = Recommender::new(
            &shop.products,
            &orders,
            &Rules::default(),
            &Params::default(),
            as_of,
        );
        r.iter()
            .map(|(id, recs)| (id.clone(), recs.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        lists(&a, false),
        lists(&b, true),
        "order of input must not matter"
    );
    assert_ne!(generate(&ShopSpec::new(4, 300, 3_000)).orders, a.orders);
}
