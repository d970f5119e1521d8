//! Merchant rules, price rules, explanations, bundles, the holdout switch and recency
//! weighting, checked on whole computed shops.

use std::collections::BTreeSet;

use chrono::{Duration, TimeZone, Utc};
use upsell_sync::model::{
    InstallSalt, LineItem, LinkSource, ListKind, Money, Order, OrderFlags, OrderId, Product,
    ProductId, ProductRecs, ProductStatus, Variant, VariantId,
};
use upsell_sync::recommend::{Params, Recommender, Rule, Rules};
use upsell_sync::sim::catalog::{generate, ShopSpec, SyntheticShop};

fn shop() -> SyntheticShop {
    generate(&ShopSpec::new(11, 500, 12_000))
}

fn compute(shop: &SyntheticShop, rules: &Rules, params: &Params) -> Recommender {
    let as_of = shop.orders.iter().map(|o| o.created_at).max().unwrap();
    Recommender::new(&shop.products, &shop.orders, rules, params, as_of)
}

/// Every product id any list of `recs` points at.
fn mentioned(recs: &ProductRecs) -> BTreeSet<ProductId> {
    let mut out: BTreeSet<ProductId> = ListKind::ALL
        .iter()
        .flat_map(|&k| recs.list(k).iter().map(|l| l.product.clone()))
        .collect();
    for bundle in &recs.bundles {
        out.extend(bundle.items.iter().skip(1).cloned());
    }
    out
}

/// An anchor with a cross-sell list of at least `n` links.
fn anchor_with_cross_sells(recommender: &Recommender, n: usize) -> (ProductId, ProductRecs) {
    recommender
        .iter()
        .find(|(_, r)| r.cross_sell.len() >= n && !r.bundles.is_empty())
        .map(|(id, r)| (id.clone(), r.clone()))
        .expect("some anchor has lists")
}

#[test]
fn a_blocked_item_is_recommended_nowhere() {
    let shop = shop();
    let plain = compute(&shop, &Rules::default(), &Params::default());
    let (_, recs) = anchor_with_cross_sells(&plain, 3);
    let blocked = recs.cross_sell[0].product.clone();
    let appearances = plain
        .iter()
        .filter(|(_, r)| mentioned(r).contains(&blocked))
        .count();
    assert!(
        appearances > 1,
        "the item must appear somewhere to begin with"
    );

    let rules = Rules::new([Rule::BlockItem {
        item: blocked.clone(),
    }]);
    let with_rules = compute(&shop, &rules, &Params::default());
    for (anchor, r) in with_rules.iter() {
        assert!(
            !mentioned(r).contains(&blocked),
            "{blocked:?} on {anchor:?}"
        );
    }
}

#[test]
fn a_blocked_pair_is_kept_apart_in_both_directions_only() {
    let shop = shop();
    let plain = compute(&shop, &Rules::default(), &Params::default());
    let (anchor, recs) = anchor_with_cross_sells(&plain, 3);
    let partner = recs.cross_sell[0].product.clone();
    let rules = Rules::new([Rule::BlockPair {
        a: anchor.clone(),
        b: partner.clone(),
    }]);
    let with_rules = compute(&shop, &rules, &Params::default());
    assert!(!mentioned(with_rules.recs(&anchor).unwrap()).contains(&partner));
    assert!(!mentioned(with_rules.recs(&partner).unwrap()).contains(&anchor));
    let elsewhere = with_rules
        .iter()
        .filter(|(id, r)| **id != anchor && mentioned(r).contains(&partner))
        .count();
    let before = plain
        .iter()
        .filter(|(id, r)| **id != anchor && mentioned(r).contains(&partner))
        .count();
    assert_eq!(elsewhere, before, "other anchors keep the partner");
}

#[test]
fn products_with_an_excluded_tag_are_never_recommended() {
    let shop = shop();
    let tag = shop.products[0].tags[0].to_uppercase();
    let tagged: BTreeSet<ProductId> = shop
        .products
        .iter()
        .filter(|p| p.tags.iter().any(|t| t.eq_ignore_ascii_case(&tag)))
        .map(|p| p.id.clone())
        .collect();
    assert!(!tagged.is_empty());
    let with_rules = compute(
        &shop,
        &Rules::new([Rule::ExcludeTag { tag }]),
        &Params::default(),
    );
    for (anchor, r) in with_rules.iter() {
        let bad: Vec<_> = mentioned(r).intersection(&tagged).cloned().collect();
        assert!(bad.is_empty(), "{bad:?} on {anchor:?}");
    }
}

#[test]
fn a_pin_comes_first_and_says_so_and_max_length_caps_the_list() {
    let shop = shop();
    let plain = compute(&shop, &Rules::default(), &Params::default());
    let (anchor, recs) = anchor_with_cross_sells(&plain, 3);
    // Pin an available product that was not on the list.
    let pinned = shop
        .products
        .iter()
        .find(|p| {
            p.is_available() && p.id != anchor && recs.cross_sell.iter().all(|l| l.product != p.id)
        })
        .unwrap()
        .id
        .clone();
    let rules = Rules::new([
        Rule::Pin {
            anchor: anchor.clone(),
            kind: ListKind::CrossSell,
            item: pinned.clone(),
        },
        Rule::MaxLength {
            kind: ListKind::CrossSell,
            length: 2,
        },
    ]);
    let with_rules = compute(&shop, &rules, &Params::default());
    let list = &with_rules.recs(&anchor).unwrap().cross_sell;
    assert_eq!(list[0].product, pinned);
    assert_eq!(list[0].why.source, LinkSource::Pinned);
    assert!(list[0].why.describe().contains("pinned"));
    assert_eq!(list[1].product, recs.cross_sell[0].product);
    for (_, r) in with_rules.iter() {
        assert!(r.cross_sell.len() <= 2);
    }
}

#[test]
fn every_link_is_explained_and_respects_its_price_rule() {
    let shop = shop();
    let params = Params::default();
    let recommender = compute(&shop, &Rules::default(), &params);
    let price = |id: &ProductId| {
        shop.products
            .iter()
            .find(|p| &p.id == id)
            .and_then(Product::reference_price)
            .unwrap()
            .as_f64()
    };
    let mut links = 0;
    for (anchor, r) in recommender.iter() {
        for kind in ListKind::ALL {
            for link in r.list(kind) {
                links += 1;
                assert!(!link.why.describe().is_empty(), "{anchor:?} {kind}");
                assert_ne!(&link.product, anchor);
                let ratio = price(&link.product) / price(anchor);
                let inside = match kind {
                    ListKind::CrossSell => ratio <= params.cross_sell.max_price_ratio + 1e-9,
                    ListKind::Upsell => {
                        ratio >= params.upsell.min_price_ratio - 1e-9
                            && ratio <= params.upsell.max_price_ratio + 1e-9
                    }
                    ListKind::Downsell => {
                        ratio >= params.downsell.min_price_ratio - 1e-9
                            && ratio <= params.downsell.max_price_ratio + 1e-9
                    }
                    ListKind::Related => true,
                };
                assert!(
                    inside,
                    "{kind} {anchor:?} -> {:?}: ratio {ratio}",
                    link.product
                );
                assert!(
                    (link.why.price_ratio.unwrap() - ratio).abs() < 1e-6,
                    "the explanation's price ratio is the real one"
                );
            }
        }
    }
    assert!(links > 5_000, "{links}");
}

#[test]
fn bundles_start_with_the_anchor_and_price_the_discount() {
    let shop = shop();
    let params = Params::default();
    let recommender = compute(&shop, &Rules::default(), &params);
    let mut bundles = 0;
    for (anchor, r) in recommender.iter() {
        for bundle in &r.bundles {
            bundles += 1;
            assert_eq!(&bundle.items[0], anchor);
            assert!((2..=params.bundles.max_items).contains(&bundle.items.len()));
            let full: i64 = bundle
                .items
                .iter()
                .map(|id| {
                    let p = shop.products.iter().find(|p| &p.id == id).unwrap();
                    p.reference_price().unwrap().0
                })
                .sum();
            assert_eq!(bundle.full_price, Money(full));
            // Whole cents, within half a cent of the exact discounted price.
            let exact = full as f64 * (1.0 - bundle.discount_percent / 100.0);
            assert_eq!(bundle.bundle_price.0 % 100, 0, "{bundle:?}");
            assert!(
                (bundle.bundle_price.0 as f64 - exact).abs() <= 50.0,
                "{bundle:?}"
            );
            assert!(bundle.bundle_price < bundle.full_price);
        }
    }
    assert!(bundles > 50, "{bundles}");
}

#[test]
fn the_holdout_takes_its_share_and_keeps_its_lists_marked() {
    let shop = shop();
    let params = Params {
        holdout_percent: 20.0,
        ..Params::default()
    };
    let recommender = compute(&shop, &Rules::default(), &params);
    let held = recommender.iter().filter(|(_, r)| r.holdout).count();
    let share = held as f64 / recommender.iter().count() as f64;
    assert!((0.14..0.26).contains(&share), "{share}");
    let none = compute(&shop, &Rules::default(), &Params::default());
    assert_eq!(none.iter().filter(|(_, r)| r.holdout).count(), 0);
}

fn product(n: u32, price: &str) -> Product {
    Product {
        id: ProductId::new(format!("p{n}")),
        title: format!("Thing {n}"),
        handle: format!("thing-{n}"),
        product_type: format!("type {n}"),
        tags: Vec::new(),
        vendor: "V".into(),
        status: ProductStatus::Active,
        variants: vec![Variant {
            id: VariantId::new(format!("v{n}")),
            title: "Default".into(),
            sku: None,
            price: Money::parse(price).unwrap(),
            compare_at_price: None,
            available: true,
            inventory_quantity: None,
        }],
        updated_at: Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap(),
        image_url: None,
    }
}

fn order(n: usize, days_ago: i64, items: &[u32], quantity: u32) -> Order {
    let now = Utc.with_ymd_and_hms(2025, 12, 31, 0, 0, 0).unwrap();
    let salt = InstallSalt([1; 32]);
    Order {
        id: OrderId::new(format!("o{n}")),
        created_at: now - Duration::days(days_ago),
        customer: Some(upsell_sync::model::CustomerHash::new(
            &salt,
            &format!("c{n}"),
        )),
        flags: OrderFlags::default(),
        lines: items
            .iter()
            .map(|&i| LineItem {
                product: ProductId::new(format!("p{i}")),
                variant: None,
                quantity,
                unit_price: Money::parse("10").unwrap(),
            })
            .collect(),
    }
}

#[test]
fn recent_evidence_outweighs_old_evidence_of_the_same_size() {
    // p1 was bought with p2 a year ago and with p3 this month, equally often.
    let products: Vec<Product> = (1..=4).map(|n| product(n, "10")).collect();
    let mut orders = Vec::new();
    for i in 0..20 {
        orders.push(order(i, 360, &[1, 2], 1));
        orders.push(order(100 + i, 10, &[1, 3], 3));
        orders.push(order(200 + i, 10, &[2], 1));
        orders.push(order(300 + i, 10, &[3], 1));
    }
    let as_of = orders.iter().map(|o| o.created_at).max().unwrap();
    let recommender = Recommender::new(
        &products,
        &orders,
        &Rules::default(),
        &Params::default(),
        as_of,
    );
    let recs = recommender.recs(&ProductId::new("p1")).unwrap();
    let ranked: Vec<&str> = recs.cross_sell.iter().map(|l| l.product.as_str()).collect();
    assert_eq!(ranked.first(), Some(&"p3"), "{ranked:?}");
    // p1 is bought three at a time in its recent orders.
    let volume = recs.volume.as_ref().expect("a volume hint");
    assert_eq!(volume.typical_quantity, 3);
}
