//! The customer index kept through every order write, removal and clearing, and built
//! on open for stores written before it existed.

use chrono::{TimeZone, Utc};

use super::super::shop::tree_name;
use super::super::{ShopStore, Store, StoreError};
use crate::model::{CustomerHash, LineItem, Money, Order, OrderFlags, OrderId, ProductId};

fn order(id: &str, customer: Option<u8>) -> Order {
    Order {
        id: OrderId::new(id),
        created_at: Utc.with_ymd_and_hms(2024, 5, 2, 9, 30, 0).unwrap(),
        customer: customer.map(|c| CustomerHash([c; 16])),
        flags: OrderFlags::default(),
        lines: vec![LineItem {
            product: ProductId::new("p1"),
            variant: None,
            quantity: 1,
            unit_price: Money(50_000),
        }],
    }
}

fn customer_order_ids(shop: &ShopStore, customer: u8) -> Vec<String> {
    let orders = shop.orders_of(&CustomerHash([customer; 16])).unwrap();
    orders.into_iter().map(|o| o.id.0).collect()
}

#[test]
fn the_customer_index_follows_puts_replacements_and_removals() {
    let shop = Store::open_temporary().unwrap().shop("main").unwrap();
    for (id, customer) in [("1", Some(7)), ("2", Some(8)), ("3", Some(7)), ("4", None)] {
        shop.put_order(&order(id, customer)).unwrap();
    }
    assert_eq!(customer_order_ids(&shop, 7), ["1", "3"]);
    assert_eq!(customer_order_ids(&shop, 8), ["2"]);
    // The same order again changes nothing; under another customer it moves.
    shop.put_order(&order("1", Some(7))).unwrap();
    shop.put_order(&order("3", Some(8))).unwrap();
    shop.put_order(&order("4", Some(8))).unwrap();
    assert_eq!(customer_order_ids(&shop, 7), ["1"]);
    assert_eq!(customer_order_ids(&shop, 8), ["2", "3", "4"]);
    // Losing its customer takes it out of the index.
    shop.put_order(&order("2", None)).unwrap();
    assert_eq!(customer_order_ids(&shop, 8), ["3", "4"]);
    assert!(shop.remove_order(&OrderId::new("3")).unwrap());
    assert!(!shop.remove_order(&OrderId::new("3")).unwrap());
    assert_eq!(customer_order_ids(&shop, 8), ["4"]);
    // Index entries, besides the built mark: 1 (7) and 4 (8).
    assert_eq!(shop.customer_orders.len(), 3);
    assert_eq!(shop.orders_of(&CustomerHash([9; 16])).unwrap(), []);
}

#[test]
fn removing_a_customer_uses_and_empties_its_index_entries() {
    let shop = Store::open_temporary().unwrap().shop("main").unwrap();
    for (id, customer) in [("1", Some(7)), ("2", Some(8)), ("3", Some(7))] {
        shop.put_order(&order(id, customer)).unwrap();
    }
    assert_eq!(shop.remove_customer(&CustomerHash([7; 16])).unwrap(), 2);
    assert!(customer_order_ids(&shop, 7).is_empty());
    assert_eq!(customer_order_ids(&shop, 8), ["2"]);
    assert_eq!(shop.order_count(), 1);
    assert_eq!(shop.customer_orders.len(), 2);
}

#[test]
fn removing_a_customer_with_an_unreadable_order_deletes_nothing() {
    let shop = Store::open_temporary().unwrap().shop("main").unwrap();
    shop.put_order(&order("1", Some(7))).unwrap();
    shop.put_order(&order("2", Some(7))).unwrap();
    shop.orders.tree().insert(b"2", &[1, 2, 3][..]).unwrap();
    let err = shop.remove_customer(&CustomerHash([7; 16])).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    assert_eq!(shop.order_count(), 2);
    assert!(shop.get_order(&OrderId::new("1")).unwrap().is_some());
}

#[test]
fn clearing_the_data_empties_the_customer_index() {
    let shop = Store::open_temporary().unwrap().shop("main").unwrap();
    shop.put_order(&order("1", Some(7))).unwrap();
    shop.clear_data().unwrap();
    assert!(customer_order_ids(&shop, 7).is_empty());
    shop.put_order(&order("2", Some(7))).unwrap();
    assert_eq!(customer_order_ids(&shop, 7), ["2"]);
}

#[test]
fn a_store_without_the_customer_index_builds_it_once_on_open() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        let shop = store.shop("main").unwrap();
        for (id, customer) in [("1", Some(7)), ("2", Some(8)), ("3", Some(7)), ("4", None)] {
            shop.put_order(&order(id, customer)).unwrap();
        }
        // As an older build left it: orders, no index tree at all.
        drop(shop);
        store
            .db
            .drop_tree(tree_name("main", "customer_orders"))
            .unwrap();
        store.flush().unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    let shop = store.shop("main").unwrap();
    assert_eq!(customer_order_ids(&shop, 7), ["1", "3"]);
    assert_eq!(customer_order_ids(&shop, 8), ["2"]);
    // Built once: a later open finds the mark and leaves a planted gap alone.
    shop.customer_orders
        .tree()
        .remove(super::index_key(&CustomerHash([8; 16]), &OrderId::new("2")))
        .unwrap();
    let again = store.shop("main").unwrap();
    assert!(customer_order_ids(&again, 8).is_empty());
}
