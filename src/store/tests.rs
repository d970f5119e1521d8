//! Tests of the store through its public API, with raw sled access only to plant bad
//! data.

use chrono::{TimeZone, Utc};

use super::*;
use crate::model::{
    Bundle, CustomerHash, Explanation, LineItem, Link, LinkSource, ListKind, Money, Order,
    OrderFlags, OrderId, Product, ProductId, ProductRecs, ProductStatus, Replenishment, Variant,
    VariantId, VolumeHint,
};
use crate::recommend::rules::{Rule, Rules};

fn product(id: &str, title: &str) -> Product {
    Product {
        id: ProductId::new(id),
        title: title.to_owned(),
        handle: title.to_lowercase(),
        product_type: "Mug".to_owned(),
        tags: vec!["ceramic".to_owned(), "gift".to_owned()],
        vendor: "Acme".to_owned(),
        status: ProductStatus::Active,
        variants: vec![Variant {
            id: VariantId::new(format!("{id}/v1")),
            title: String::new(),
            sku: Some("MUG-1".to_owned()),
            price: Money(129_900),
            compare_at_price: None,
            available: true,
            inventory_quantity: Some(4),
        }],
        updated_at: Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap(),
        image_url: Some(format!("https://cdn.example/{id}.jpg")),
    }
}

fn order(id: &str, customer: Option<u8>) -> Order {
    Order {
        id: OrderId::new(id),
        created_at: Utc.with_ymd_and_hms(2024, 5, 2, 9, 30, 0).unwrap(),
        customer: customer.map(|c| CustomerHash([c; 16])),
        flags: OrderFlags {
            refunded: true,
            ..OrderFlags::default()
        },
        lines: vec![LineItem {
            product: ProductId::new("p1"),
            variant: Some(VariantId::new("p1/v1")),
            quantity: 2,
            unit_price: Money(50_000),
        }],
    }
}

fn recs(item: &str) -> ProductRecs {
    let link = Link {
        product: ProductId::new(item),
        score: 0.75,
        why: Explanation {
            source: LinkSource::CoPurchase,
            co_orders: 12.5,
            anchor_orders: 40.0,
            confidence: 0.31,
            lift: 2.4,
            price_ratio: Some(0.8),
            similarity: 0.1,
        },
    };
    ProductRecs {
        cross_sell: vec![link.clone()],
        related: vec![link],
        bundles: vec![Bundle {
            items: vec![ProductId::new("p1"), ProductId::new(item)],
            co_orders: 3.0,
            full_price: Money(200_000),
            discount_percent: 10.0,
            bundle_price: Money(180_000),
        }],
        volume: Some(VolumeHint {
            typical_quantity: 2,
            multi_unit_share: 0.4,
            orders: 9,
        }),
        replenishment: Some(Replenishment {
            median_days: 30.5,
            repeat_customers: 3,
            intervals: 4,
        }),
        ..ProductRecs::default()
    }
}

fn ids(store: &ShopStore) -> Vec<String> {
    store.product_ids().map(|id| id.unwrap().0).collect()
}

#[test]
fn products_round_trip_and_can_be_listed_counted_and_removed() {
    let shop = Store::open_temporary().unwrap().shop("main").unwrap();
    let gid = "gid://shopify/Product/7";
    shop.put_product(&product(gid, "Blue Mug")).unwrap();
    shop.put_product(&product("42", "Red Mug")).unwrap();
    let back = shop.get_product(&ProductId::new(gid)).unwrap();
    assert_eq!(back, Some(product(gid, "Blue Mug")));
    assert_eq!(shop.product_count(), 2);
    assert_eq!(ids(&shop), ["42", gid]);
    let titles: Vec<String> = shop.products().map(|p| p.unwrap().title).collect();
    assert_eq!(titles, ["Red Mug", "Blue Mug"]);
    assert!(shop.remove_product(&ProductId::new("42")).unwrap());
    assert!(!shop.remove_product(&ProductId::new("42")).unwrap());
    assert_eq!(shop.get_product(&ProductId::new("42")).unwrap(), None);
    assert_eq!(shop.product_count(), 1);
}

#[test]
fn orders_round_trip_and_can_be_listed_counted_and_removed() {
    let shop = Store::open_temporary().unwrap().shop("main").unwrap();
    shop.put_order(&order("1001", Some(1))).unwrap();
    shop.put_order(&order("1002", None)).unwrap();
    assert_eq!(
        shop.get_order(&OrderId::new("1001")).unwrap(),
        Some(order("1001", Some(1)))
    );
    let all: Vec<Order> = shop.orders().map(Result::unwrap).collect();
    assert_eq!(all, [order("1001", Some(1)), order("1002", None)]);
    assert_eq!(shop.order_count(), 2);
    assert!(shop.remove_order(&OrderId::new("1002")).unwrap());
    assert_eq!(shop.order_count(), 1);
}

#[test]
fn remove_customer_removes_only_that_customers_orders() {
    let shop = Store::open_temporary().unwrap().shop("main").unwrap();
    for (id, customer) in [("1", Some(7)), ("2", Some(8)), ("3", Some(7)), ("4", None)] {
        shop.put_order(&order(id, customer)).unwrap();
    }
    assert_eq!(shop.remove_customer(&CustomerHash([7; 16])).unwrap(), 2);
    let left: Vec<String> = shop.orders().map(|o| o.unwrap().id.0).collect();
    assert_eq!(left, ["2", "4"]);
    assert_eq!(shop.remove_customer(&CustomerHash([7; 16])).unwrap(), 0);
}

#[test]
fn checkpoints_round_trip_by_name() {
    let shop = Store::open_temporary().unwrap().shop("main").unwrap();
    assert_eq!(shop.checkpoint("orders").unwrap(), None);
    let checkpoint = Checkpoint {
        updated_at: Utc.with_ymd_and_hms(2024, 6, 1, 0, 0, 0).unwrap(),
        cursor: Some("eyJsYXN0X2lkIjo0Mn0=".to_owned()),
    };
    shop.set_checkpoint("orders", &checkpoint).unwrap();
    assert_eq!(shop.checkpoint("orders").unwrap(), Some(checkpoint));
    assert_eq!(shop.checkpoint("products").unwrap(), None);
}

#[test]
fn recommendations_round_trip_and_replace_all_swaps_the_whole_set() {
    let shop = Store::open_temporary().unwrap().shop("main").unwrap();
    let (a, b, c) = (
        ProductId::new("a"),
        ProductId::new("b"),
        ProductId::new("c"),
    );
    shop.put_recs(&a, &recs("x")).unwrap();
    shop.put_recs(&b, &recs("y")).unwrap();
    assert_eq!(shop.get_recs(&a).unwrap(), Some(recs("x")));
    assert!(shop.remove_recs(&b).unwrap());
    assert_eq!(shop.get_recs(&b).unwrap(), None);

    let dropped = shop
        .replace_all_recs([(&b, &recs("z")), (&c, &recs("w"))])
        .unwrap();
    assert_eq!(dropped, 1);
    let all: Vec<(ProductId, ProductRecs)> = shop.all_recs().map(Result::unwrap).collect();
    assert_eq!(all, [(b, recs("z")), (c, recs("w"))]);
    assert_eq!(shop.replace_all_recs([]).unwrap(), 2);
    assert_eq!(shop.all_recs().count(), 0);
}

#[test]
fn written_records_are_kept_per_product_and_list() {
    let shop = Store::open_temporary().unwrap().shop("main").unwrap();
    let (p1, p12) = (ProductId::new("p1"), ProductId::new("p12"));
    let record = WrittenRecord {
        hash: [9; 32],
        ids: vec!["gid://shopify/Product/2".to_owned(), "3".to_owned()],
        written_at: Utc.with_ymd_and_hms(2024, 6, 2, 8, 0, 0).unwrap(),
    };
    shop.set_written(&p1, "cross_sell", &record).unwrap();
    shop.set_written(&p1, "upsell", &record).unwrap();
    shop.set_written(&p12, "cross_sell", &record).unwrap();
    assert_eq!(
        shop.written_hash(&p1, "cross_sell").unwrap(),
        Some(record.clone())
    );
    assert_eq!(shop.written_hash(&p1, "related").unwrap(), None);
    assert_eq!(shop.clear_written(&p1).unwrap(), 2);
    assert_eq!(shop.written_hash(&p1, "upsell").unwrap(), None);
    // "p1" is a prefix of "p12", but p12's records are its own.
    assert_eq!(shop.written_hash(&p12, "cross_sell").unwrap(), Some(record));
}

#[test]
fn rules_default_to_empty_and_every_kind_round_trips() {
    let shop = Store::open_temporary().unwrap().shop("main").unwrap();
    assert!(shop.rules().unwrap().is_empty());
    let rules = Rules::new([
        Rule::Pin {
            anchor: ProductId::new("a"),
            kind: ListKind::Upsell,
            item: ProductId::new("b"),
        },
        Rule::BlockItem {
            item: ProductId::new("c"),
        },
        Rule::BlockPair {
            a: ProductId::new("a"),
            b: ProductId::new("d"),
        },
        Rule::ExcludeTag {
            tag: "Clearance".to_owned(),
        },
        Rule::MaxLength {
            kind: ListKind::Related,
            length: 6,
        },
    ]);
    shop.set_rules(&rules).unwrap();
    assert_eq!(shop.rules().unwrap(), rules);
    shop.set_rules(&Rules::default()).unwrap();
    assert!(shop.rules().unwrap().is_empty());
}

#[test]
fn jobs_come_out_first_in_first_out_and_leave_when_acknowledged() {
    let shop = Store::open_temporary().unwrap().shop("main").unwrap();
    assert!(shop.pending_jobs(10).unwrap().is_empty());
    let pushed: Vec<u64> = (0..300_u32)
        .map(|i| shop.push_job(&i.to_be_bytes()).unwrap())
        .collect();
    assert!(pushed.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(shop.job_count(), 300);
    let first = shop.pending_jobs(3).unwrap();
    let expected: Vec<(u64, Vec<u8>)> = (0..3_u32)
        .map(|i| (pushed[i as usize], i.to_be_bytes().to_vec()))
        .collect();
    assert_eq!(first, expected);
    // Listing does not consume: the same jobs come back until acknowledged.
    assert_eq!(shop.pending_jobs(3).unwrap(), expected);
    assert!(shop.ack_job(pushed[0]).unwrap());
    assert!(!shop.ack_job(pushed[0]).unwrap());
    assert_eq!(shop.pending_jobs(1).unwrap()[0].0, pushed[1]);
    assert_eq!(shop.job_count(), 299);
}

#[test]
fn data_survives_closing_and_reopening_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let first_job;
    {
        let store = Store::open(&path).unwrap();
        let shop = store.shop("main").unwrap();
        shop.put_product(&product("p1", "Mug")).unwrap();
        shop.put_order(&order("o1", Some(3))).unwrap();
        shop.put_recs(&ProductId::new("p1"), &recs("p2")).unwrap();
        first_job = shop.push_job(b"product/p1").unwrap();
        shop.flush().unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.shops().unwrap(), ["main"]);
    let shop = store.shop("main").unwrap();
    assert_eq!(
        shop.get_product(&ProductId::new("p1")).unwrap(),
        Some(product("p1", "Mug"))
    );
    assert_eq!(
        shop.get_order(&OrderId::new("o1")).unwrap(),
        Some(order("o1", Some(3)))
    );
    assert_eq!(
        shop.get_recs(&ProductId::new("p1")).unwrap(),
        Some(recs("p2"))
    );
    // The queue stays FIFO across restarts: new ids come after the old ones.
    let second_job = shop.push_job(b"product/p2").unwrap();
    assert!(second_job > first_job);
    let pending = shop.pending_jobs(10).unwrap();
    assert_eq!(pending[0], (first_job, b"product/p1".to_vec()));
    assert_eq!(pending[1].0, second_job);
}

#[test]
fn shops_are_isolated_and_removing_one_leaves_the_other() {
    let store = Store::open_temporary().unwrap();
    let (eu, us) = (store.shop("eu").unwrap(), store.shop("us").unwrap());
    let id = ProductId::new("1");
    eu.put_product(&product("1", "Tasse")).unwrap();
    us.put_product(&product("1", "Mug")).unwrap();
    eu.push_job(b"eu job").unwrap();
    assert_eq!(eu.get_product(&id).unwrap().unwrap().title, "Tasse");
    assert_eq!(us.get_product(&id).unwrap().unwrap().title, "Mug");
    assert_eq!(us.job_count(), 0);
    assert_eq!(store.shops().unwrap(), ["eu", "us"]);

    drop(eu);
    assert!(store.remove_shop("eu").unwrap());
    assert!(!store.remove_shop("eu").unwrap());
    assert_eq!(store.shops().unwrap(), ["us"]);
    assert_eq!(us.get_product(&id).unwrap().unwrap().title, "Mug");
    let eu = store.shop("eu").unwrap();
    assert_eq!(eu.product_count(), 0);
    assert_eq!(eu.job_count(), 0);
}

#[test]
fn a_removed_shop_stays_removed_after_reopening() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        store
            .shop("gone")
            .unwrap()
            .put_product(&product("1", "Mug"))
            .unwrap();
        store
            .shop("kept")
            .unwrap()
            .put_product(&product("1", "Cup"))
            .unwrap();
        store.remove_shop("gone").unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.shops().unwrap(), ["kept"]);
    let names = store.db.tree_names();
    assert!(!names.iter().any(|n| n.starts_with(b"shop/gone/")));
    assert_eq!(store.shop("kept").unwrap().product_count(), 1);
}

#[test]
fn opening_a_shop_creates_exactly_the_listed_trees() {
    let store = Store::open_temporary().unwrap();
    store.shop("main").unwrap();
    let mut opened: Vec<String> = store
        .db
        .tree_names()
        .iter()
        .filter_map(|n| {
            std::str::from_utf8(n)
                .ok()?
                .strip_prefix("shop/main/")
                .map(str::to_owned)
        })
        .collect();
    opened.sort();
    let mut listed = SHOP_TREES.map(str::to_owned).to_vec();
    listed.sort();
    assert_eq!(opened, listed);
}

#[test]
fn a_store_held_open_elsewhere_is_reported_as_locked() {
    let dir = tempfile::tempdir().unwrap();
    let _held = Store::open(dir.path()).unwrap();
    let err = Store::open_waiting(dir.path(), std::time::Duration::ZERO).unwrap_err();
    assert!(matches!(err, StoreError::Locked { .. }), "{err}");
    assert!(
        err.to_string().contains("in use by another process"),
        "{err}"
    );
}

#[test]
fn shop_names_that_cannot_name_trees_are_refused() {
    let store = Store::open_temporary().unwrap();
    for name in ["", "eu/main", "tab\there"] {
        let err = store.shop(name).unwrap_err();
        assert!(matches!(err, StoreError::InvalidShopName { .. }), "{err}");
    }
    assert!(store.shops().unwrap().is_empty());
}

#[test]
fn a_store_with_another_format_version_is_refused_and_left_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        store.shop("main").unwrap();
        let meta = store.db.open_tree("meta").unwrap();
        meta.insert(FORMAT_KEY, &(FORMAT_VERSION + 1).to_be_bytes())
            .unwrap();
        store.flush().unwrap();
    }
    for _ in 0..2 {
        let err = Store::open(dir.path()).unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::UnsupportedFormat { found, supported, .. }
                    if found == FORMAT_VERSION + 1 && supported == FORMAT_VERSION
            ),
            "{err}"
        );
        let message = err.to_string();
        assert!(message.contains("newer upsell-sync"), "{message}");
        assert!(message.contains("must not be opened"), "{message}");
        assert!(
            message.contains(&dir.path().display().to_string()),
            "{message}"
        );
    }
}

#[test]
fn a_sled_database_with_foreign_data_is_not_taken_for_a_store() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = sled::open(dir.path()).unwrap();
        db.insert("someone else's", "data").unwrap();
        db.flush().unwrap();
    }
    let err = Store::open(dir.path()).unwrap_err();
    assert!(matches!(err, StoreError::NotAStore { .. }), "{err}");
    let db = open_db(dir.path(), LOCK_WAIT).unwrap();
    assert!(!db.tree_names().iter().any(|n| n.as_ref() == b"meta"));
}

#[test]
fn a_new_store_records_the_current_format_version() {
    let store = Store::open_temporary().unwrap();
    let meta = store.db.open_tree("meta").unwrap();
    let version = meta.get(FORMAT_KEY).unwrap().unwrap();
    assert_eq!(version.as_ref(), FORMAT_VERSION.to_be_bytes());
}

#[test]
fn a_corrupt_value_is_an_error_naming_tree_and_key_not_a_panic() {
    let store = Store::open_temporary().unwrap();
    let shop = store.shop("main").unwrap();
    shop.put_product(&product("good", "Mug")).unwrap();
    let raw = store.db.open_tree("shop/main/products").unwrap();
    let cases: [&[u8]; 4] = [
        &[],
        &[99, 1, 2],
        &[ENCODING_VERSION, 0xff, 0xff],
        b"\x01junk",
    ];
    for bytes in cases {
        raw.insert("gid://shopify/Product/9", bytes).unwrap();
        let err = shop
            .get_product(&ProductId::new("gid://shopify/Product/9"))
            .unwrap_err();
        let StoreError::Corrupt { tree, key, .. } = &err else {
            panic!("expected Corrupt, got {err}");
        };
        assert_eq!(tree, "shop/main/products");
        assert_eq!(key, "\"gid://shopify/Product/9\"");
        // Iteration reports the bad entry and still yields the good one.
        let results: Vec<_> = shop.products().collect();
        assert_eq!(results.len(), 2);
        assert!(results.iter().any(Result::is_err));
        assert!(results.iter().any(Result::is_ok));
    }
    let jobs = store.db.open_tree("shop/main/jobs").unwrap();
    jobs.insert(7_u64.to_be_bytes(), &[0_u8][..]).unwrap();
    let err = shop.pending_jobs(5).unwrap_err();
    assert!(err.to_string().contains("job 7"), "{err}");
}

#[test]
fn a_delivery_is_queued_once_and_its_id_forgotten_after_the_window() {
    let store = Store::open_temporary().unwrap();
    let shop = store.shop("s").unwrap();
    let first = shop.enqueue_delivery(Some("d-1"), b"job one", 100).unwrap();
    let Enqueued::Job(id) = first else {
        panic!("first delivery not queued: {first:?}")
    };
    assert_eq!(
        shop.enqueue_delivery(Some("d-1"), b"job one again", 150)
            .unwrap(),
        Enqueued::Duplicate
    );
    assert!(matches!(
        shop.enqueue_delivery(None, b"no id", 150).unwrap(),
        Enqueued::Job(_)
    ));
    let pending = shop.pending_jobs(10).unwrap();
    assert_eq!(pending.len(), 2);
    assert_eq!(pending[0], (id, b"job one".to_vec()));
    assert_eq!(shop.prune_deliveries(100).unwrap(), 0);
    assert_eq!(shop.prune_deliveries(101).unwrap(), 1);
    assert!(matches!(
        shop.enqueue_delivery(Some("d-1"), b"late redelivery", 200)
            .unwrap(),
        Enqueued::Job(_)
    ));
}

#[test]
fn a_halted_shop_stays_halted_until_resumed_and_clearing_keeps_the_halt() {
    let dir = tempfile::tempdir().unwrap();
    let at = Utc.with_ymd_and_hms(2026, 11, 22, 8, 0, 0).unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        let shop = store.shop("s").unwrap();
        shop.put_product(&product("p1", "Mug")).unwrap();
        shop.push_job(b"job").unwrap();
        shop.set_halt(&ShopHalt::Uninstalled { at }).unwrap();
        shop.clear_data().unwrap();
        assert_eq!((shop.product_count(), shop.job_count()), (0, 0));
        store.flush().unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    let shop = store.shop("s").unwrap();
    assert_eq!(shop.halt().unwrap(), Some(ShopHalt::Uninstalled { at }));
    assert!(shop.resume().unwrap());
    assert_eq!(shop.halt().unwrap(), None);
    assert!(!shop.resume().unwrap());
}
