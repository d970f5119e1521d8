//! Slot reuse: a daemon updates the same orders again and again, and the baskets must
//! not grow with the number of updates, only with the number of counted orders.

use chrono::{TimeZone, Utc};

use super::*;
use crate::model::VariantId;
use crate::model::{LineItem, Money, OrderFlags, Product, ProductId, ProductStatus, Variant};
use crate::recommend::rules::Rules;

fn product(name: &str) -> Product {
    Product {
        id: ProductId::new(name),
        title: name.to_owned(),
        handle: name.to_owned(),
        product_type: String::new(),
        tags: Vec::new(),
        vendor: String::new(),
        status: ProductStatus::Active,
        variants: vec![Variant {
            id: VariantId::new(format!("{name}/1")),
            title: String::new(),
            sku: None,
            price: Money(10_000),
            compare_at_price: None,
            available: true,
            inventory_quantity: None,
        }],
        updated_at: Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(),
        image_url: None,
    }
}

fn order(id: &str, items: &[&str], cancelled: bool) -> Order {
    Order {
        id: OrderId::new(id),
        created_at: Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(),
        customer: None,
        flags: OrderFlags {
            cancelled,
            ..OrderFlags::default()
        },
        lines: items
            .iter()
            .map(|&item| LineItem {
                product: ProductId::new(item),
                variant: None,
                quantity: 1,
                unit_price: Money(10_000),
            })
            .collect(),
    }
}

fn catalog() -> Catalog {
    let products: Vec<Product> = ["mug", "tea", "spoon", "kettle"]
        .into_iter()
        .map(product)
        .collect();
    Catalog::new(&products, &Rules::default())
}

fn fresh(catalog: &Catalog, orders: &[Order]) -> Baskets {
    let as_of = Utc.with_ymd_and_hms(2024, 2, 1, 0, 0, 0).unwrap();
    Baskets::new(catalog, orders, &Params::default(), as_of)
}

/// The live slots under each item, checked ascending, as item ids.
fn listed(baskets: &Baskets) -> Vec<Vec<Vec<Item>>> {
    baskets
        .item_baskets
        .iter()
        .map(|slots| {
            assert!(slots.windows(2).all(|w| w[0] < w[1]), "{slots:?}");
            slots
                .iter()
                .map(|&s| baskets.basket(s).items.clone())
                .collect()
        })
        .collect()
}

#[test]
fn updating_an_order_again_and_again_keeps_one_slot() {
    let catalog = catalog();
    let mut baskets = fresh(&catalog, &[order("o1", &["mug", "tea"], false)]);
    for round in 0..1_000 {
        let items: &[&str] = if round % 2 == 0 {
            &["mug", "spoon"]
        } else {
            &["mug", "tea"]
        };
        baskets.upsert(&catalog, &order("o1", items, false));
    }
    assert_eq!(baskets.baskets.len(), 1);
    let once = fresh(&catalog, &[order("o1", &["mug", "tea"], false)]);
    assert_eq!(baskets.item_weight, once.item_weight);
    assert_eq!(baskets.total_weight, once.total_weight);
    assert_eq!(listed(&baskets), listed(&once));
}

#[test]
fn a_withdrawn_slot_is_taken_by_the_next_order_and_the_lists_stay_ascending() {
    let catalog = catalog();
    let first = [
        order("o1", &["mug", "tea"], false),
        order("o2", &["mug", "spoon"], false),
        order("o3", &["mug", "kettle"], false),
    ];
    let mut baskets = fresh(&catalog, &first);
    baskets.upsert(&catalog, &order("o1", &[], true)); // cancelled: withdrawn
    baskets.upsert(&catalog, &order("o4", &["mug", "tea", "kettle"], false));
    assert_eq!(baskets.baskets.len(), 3, "o4 took o1's slot");
    assert_eq!(baskets.order_count(), 3);
    let same = fresh(
        &catalog,
        &[
            first[1].clone(),
            first[2].clone(),
            order("o4", &["mug", "tea", "kettle"], false),
        ],
    );
    assert_eq!(baskets.item_weight, same.item_weight);
    assert_eq!(baskets.total_weight, same.total_weight);
    let sorted = |mut lists: Vec<Vec<Vec<Item>>>| {
        for list in &mut lists {
            list.sort();
        }
        lists
    };
    assert_eq!(sorted(listed(&baskets)), sorted(listed(&same)));
}
