//! Cart rules over a small planted shop.
//!
//! Cart: mug ×2 at 12.00, tea ×1 at 8.00 (subtotal 32.00).
//! mug → cross-sell spoon 0.6, tea 0.9 (in the cart), coaster 0.4, draft 0.9 (draft),
//! soldout 0.8 (no available variant), ghost 0.7 (unknown); related big-mug 0.5;
//! upsell deluxe 0.3. tea → cross-sell spoon 0.5, honey 0.7, kettle 0.2; related teapot
//! 0.4; upsell kettle 0.9.

use std::collections::HashMap;

use chrono::{TimeZone, Utc};

use super::*;
use crate::model::{Explanation, Link, LinkSource, ProductStatus, Variant, VariantId};

fn id(s: &str) -> ProductId {
    ProductId::new(s)
}

fn product(name: &str, cents: i64, status: ProductStatus, available: bool) -> Product {
    Product {
        id: id(name),
        title: name.to_owned(),
        handle: name.to_owned(),
        product_type: String::new(),
        tags: Vec::new(),
        vendor: String::new(),
        status,
        variants: vec![Variant {
            id: VariantId::new(format!("{name}/1")),
            title: String::new(),
            sku: None,
            price: Money(cents * 100),
            compare_at_price: None,
            available,
            inventory_quantity: None,
        }],
        updated_at: Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(),
        image_url: None,
    }
}

fn links(items: &[(&str, f64)]) -> Vec<Link> {
    items
        .iter()
        .map(|&(item, score)| Link {
            product: id(item),
            score,
            why: Explanation {
                source: LinkSource::CoPurchase,
                co_orders: 1.0,
                anchor_orders: 1.0,
                confidence: 1.0,
                lift: 1.0,
                price_ratio: None,
                similarity: 0.0,
            },
        })
        .collect()
}

struct Shop {
    products: HashMap<ProductId, Product>,
    lists: HashMap<ProductId, ProductRecs>,
}

fn shop() -> Shop {
    let active = |name, cents| product(name, cents, ProductStatus::Active, true);
    let products = [
        active("mug", 1_200),
        active("tea", 800),
        active("spoon", 300),
        active("coaster", 2_000),
        active("honey", 2_000),
        active("kettle", 4_500),
        active("big-mug", 2_500),
        active("deluxe", 2_000),
        active("teapot", 3_000),
        product("draft", 2_000, ProductStatus::Draft, true),
        product("soldout", 2_000, ProductStatus::Active, false),
    ];
    let mug = ProductRecs {
        cross_sell: links(&[
            ("spoon", 0.6),
            ("tea", 0.9),
            ("coaster", 0.4),
            ("draft", 0.9),
            ("soldout", 0.8),
            ("ghost", 0.7),
        ]),
        related: links(&[("big-mug", 0.5)]),
        upsell: links(&[("deluxe", 0.3)]),
        ..ProductRecs::default()
    };
    let tea = ProductRecs {
        cross_sell: links(&[("spoon", 0.5), ("honey", 0.7), ("kettle", 0.2)]),
        related: links(&[("teapot", 0.4)]),
        upsell: links(&[("kettle", 0.9)]),
        ..ProductRecs::default()
    };
    Shop {
        products: products.into_iter().map(|p| (p.id.clone(), p)).collect(),
        lists: HashMap::from([(id("mug"), mug), (id("tea"), tea)]),
    }
}

fn cart() -> Vec<CartLine> {
    vec![
        CartLine {
            product: id("mug"),
            quantity: 2,
        },
        CartLine {
            product: id("tea"),
            quantity: 1,
        },
    ]
}

fn run(
    shop: &Shop,
    subtotal: Option<Money>,
    threshold: Option<Money>,
    k: usize,
) -> CartSuggestions {
    suggest(
        &cart(),
        |p| shop.lists.get(p),
        |p| shop.products.get(p),
        subtotal,
        threshold,
        k,
    )
}

fn names(items: &[Suggestion]) -> Vec<&str> {
    items.iter().map(|s| s.product.as_str()).collect()
}

#[test]
fn cross_sells_sum_scores_and_drop_cart_items_and_unavailable_ones() {
    let got = run(&shop(), None, None, 10);
    assert_eq!(
        names(&got.cross_sells),
        ["spoon", "honey", "coaster", "kettle"]
    );
    let spoon = &got.cross_sells[0];
    assert!((spoon.score - 1.1).abs() < 1e-12);
    assert_eq!(spoon.because_of, [id("mug"), id("tea")]);
    assert_eq!(spoon.price, Money(30_000));
    assert_eq!(got.free_shipping, None);
    assert_eq!(
        names(&run(&shop(), None, None, 2).cross_sells),
        ["spoon", "honey"]
    );
}

#[test]
fn the_subtotal_is_computed_from_the_cart_when_not_given() {
    // 2 × 12.00 + 8.00; an explicit subtotal wins.
    assert_eq!(run(&shop(), None, None, 3).subtotal, Money(320_000));
    assert_eq!(run(&shop(), Some(Money(1)), None, 3).subtotal, Money(1));
}

#[test]
fn gap_closers_come_from_cross_sells_first_then_related_and_upsell() {
    let got = run(&shop(), None, Some(Money(500_000)), 10);
    let gap = got.free_shipping.unwrap();
    assert_eq!(gap.gap, Money(180_000)); // 50.00 − 32.00
                                         // Cross-sells ≥ 18.00 by score (spoon at 3.00 is too cheap), then big-mug 0.5,
                                         // teapot 0.4, deluxe 0.3 (kettle is already among the cross-sells).
    assert_eq!(
        names(&gap.closers),
        ["honey", "coaster", "kettle", "big-mug", "teapot", "deluxe"]
    );
    let top = run(&shop(), None, Some(Money(500_000)), 2)
        .free_shipping
        .unwrap();
    assert_eq!(names(&top.closers), ["honey", "coaster"]);
}

#[test]
fn no_gap_when_the_subtotal_reaches_the_threshold() {
    let at_threshold = run(&shop(), Some(Money(500_000)), Some(Money(500_000)), 5);
    assert_eq!(at_threshold.free_shipping, None);
    let small_gap = run(&shop(), Some(Money(450_000)), Some(Money(500_000)), 5);
    // Gap 5.00: every available candidate but the 3.00 spoon closes it.
    assert_eq!(
        names(&small_gap.free_shipping.unwrap().closers),
        ["honey", "coaster", "kettle", "big-mug", "teapot"]
    );
}

#[test]
fn equal_scores_close_the_gap_with_the_cheaper_item_first() {
    let mut shop = shop();
    for (name, cents) in [("a-pricey", 4_000), ("z-cheap", 2_000)] {
        let item = product(name, cents, ProductStatus::Active, true);
        shop.products.insert(item.id.clone(), item);
    }
    shop.lists.get_mut(&id("mug")).unwrap().cross_sell =
        links(&[("a-pricey", 0.5), ("z-cheap", 0.5)]);
    shop.lists.remove(&id("tea"));
    let got = run(&shop, Some(Money(0)), Some(Money(100_000)), 5);
    // Cross-sells break ties by id; gap closers by price.
    assert_eq!(names(&got.cross_sells), ["a-pricey", "z-cheap"]);
    let closers = got.free_shipping.unwrap().closers;
    assert_eq!(names(&closers[..2]), ["z-cheap", "a-pricey"]);
}

#[test]
fn an_empty_cart_or_unknown_items_give_empty_suggestions() {
    let shop = shop();
    let empty = suggest(
        &[],
        |p| shop.lists.get(p),
        |p| shop.products.get(p),
        None,
        Some(Money(10)),
        5,
    );
    assert_eq!(empty.subtotal, Money(0));
    assert!(empty.cross_sells.is_empty());
    assert_eq!(empty.free_shipping.unwrap().closers, []);
    let unknown = [CartLine {
        product: id("nope"),
        quantity: u32::MAX,
    }];
    let got = suggest(
        &unknown,
        |p| shop.lists.get(p),
        |p| shop.products.get(p),
        None,
        None,
        5,
    );
    assert_eq!((got.subtotal, got.cross_sells.len()), (Money(0), 0));
}

#[test]
fn the_old_cross_sells_function_still_ranks_by_summed_score() {
    let shop = shop();
    let ranked = cross_sells(&[id("mug"), id("tea")], |p| shop.lists.get(p), 2);
    // Without product data it keeps unavailable items: draft 0.9, spoon 1.1.
    assert_eq!(ranked[0].0, id("spoon"));
    assert_eq!(ranked[1].0, id("draft"));
}
