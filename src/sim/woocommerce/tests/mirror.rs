//! A simulated store seeded like the one the fixtures were captured from: products
//! 11 and 12 (simple, 11 on sale with managed stock), 13 (variable) with variations 14
//! and 15, a guest order 16 and a customer's order 17, at the capture's time.

use chrono::Duration;

use super::{fixture_now, KEY, SECRET};
use crate::model::{
    CustomerHash, InstallSalt, LineItem, Money, Order, OrderFlags, OrderId, Product, ProductId,
    ProductStatus, Variant, VariantId,
};
use crate::sim::catalog::{PlantedTruth, SyntheticShop};
use crate::sim::woocommerce::SimWooConfig;

fn variant(
    id: &str,
    title: &str,
    sku: &str,
    price: &str,
    compare: Option<&str>,
    stock: Option<i64>,
) -> Variant {
    Variant {
        id: VariantId::new(id),
        title: title.to_owned(),
        sku: Some(sku.to_owned()),
        price: Money::parse(price).expect("price"),
        compare_at_price: compare.map(|c| Money::parse(c).expect("price")),
        available: true,
        inventory_quantity: stock,
    }
}

fn product(
    id: &str,
    title: &str,
    category: &str,
    tags: &[&str],
    variants: Vec<Variant>,
) -> Product {
    Product {
        id: ProductId::new(id),
        title: title.to_owned(),
        handle: title.to_lowercase().replace(' ', "-"),
        product_type: category.to_owned(),
        tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        vendor: String::new(),
        status: ProductStatus::Active,
        variants,
        updated_at: fixture_now(),
        image_url: None,
    }
}

fn line(product: &str, variant: &str, quantity: u32, price: &str) -> LineItem {
    LineItem {
        product: ProductId::new(product),
        variant: Some(VariantId::new(variant)),
        quantity,
        unit_price: Money::parse(price).expect("price"),
    }
}

/// The capture store's catalog and orders under the same ids.
/// The capture store's catalog and orders under the same ids.
pub(super) fn mirror() -> SimWooConfig {
    let products = vec![
        product(
            "11",
            "Espresso Beans 1kg",
            "Coffee",
            &["bestseller"],
            vec![variant(
                "11",
                "",
                "BEANS-1KG",
                "19.99",
                Some("24.50"),
                Some(37),
            )],
        ),
        product(
            "12",
            "Hand Grinder",
            "Coffee",
            &[],
            vec![variant("12", "", "GRINDER-H", "79.00", Some("89"), None)],
        ),
        product(
            "13",
            "Barista T-Shirt",
            "Gear",
            &[],
            vec![
                variant("14", "S", "TSHIRT-S", "25.00", None, None),
                variant("15", "M", "TSHIRT-M", "22.50", Some("25.00"), None),
            ],
        ),
    ];
    let placed = fixture_now() - Duration::seconds(1);
    let order = |id: &str, customer: Option<CustomerHash>, lines| Order {
        id: OrderId::new(id),
        created_at: placed,
        customer,
        flags: OrderFlags::default(),
        lines,
    };
    let jane = CustomerHash::new(&InstallSalt([1; 32]), "jane");
    let orders = vec![
        order(
            "16",
            None,
            vec![line("11", "11", 2, "19.99"), line("13", "15", 1, "22.50")],
        ),
        order(
            "17",
            Some(jane),
            vec![line("12", "12", 1, "89"), line("11", "11", 1, "19.99")],
        ),
    ];
    let shop = SyntheticShop {
        products,
        orders,
        truth: PlantedTruth::default(),
    };
    SimWooConfig::default()
        .with_shop(shop)
        .with_keys(KEY, SECRET)
        .with_now(fixture_now())
        .with_guest_share(0.0)
        .without_type_mix()
        .without_history_shift()
}
