//! The synthetic shop as a WooCommerce store: ids kept, simple and variable products,
//! a deterministic sprinkle of external and grouped products, guests and customers,
//! statuses; and everything the store answers parses with the daemon's wire types.

use crate::model::Money;
use crate::platform::woocommerce::{map, wire};
use crate::sim::catalog::{generate, ShopSpec};

use super::{small, Harness};

#[tokio::test]
async fn model_products_map_to_simple_and_variable_products() {
    let shop = generate(&ShopSpec::new(7, 100, 300));
    let h = Harness::small().await;
    let state = h.sim.state();
    for model in &shop.products {
        let id = state.product_id_of(&model.id).expect("mapped");
        assert_eq!(id.to_string(), model.id.as_str(), "generator ids are kept");
        assert_eq!(state.source_product(id).as_ref(), Some(&model.id));
        let product = state.product(id).expect("product");
        assert_eq!(product.name, model.title);
        assert_eq!(product.categories, vec![model.product_type.clone()]);
        assert_eq!(product.brands, vec![model.vendor.clone()]);
        if model.variants.len() > 1 {
            assert_eq!(product.kind, "variable");
            let ids: Vec<String> = product.variation_ids().iter().map(u64::to_string).collect();
            let expected: Vec<&str> = model.variants.iter().map(|v| v.id.as_str()).collect();
            assert_eq!(ids, expected);
            let cheapest = model.variants.iter().map(|v| v.price).min().expect("price");
            assert_eq!(Money::parse(&product.price), Ok(cheapest));
            assert_eq!(product.regular_price, "");
        } else {
            assert!(
                product.kind == "simple" || product.kind == "external",
                "{}",
                product.kind
            );
            assert_eq!(Money::parse(&product.price), Ok(model.variants[0].price));
        }
        let status = match model.status {
            crate::model::ProductStatus::Active => "publish",
            crate::model::ProductStatus::Draft => "draft",
            crate::model::ProductStatus::Archived => "trash",
        };
        assert_eq!(product.status, status);
        let available = model.variants.iter().any(|v| v.available);
        assert_eq!(
            product.stock_status == "instock",
            available,
            "{}",
            product.name
        );
    }
}

#[tokio::test]
async fn a_few_products_are_external_or_grouped_deterministically() {
    let kinds = |h: &Harness| -> Vec<(u64, String)> {
        h.sim
            .state()
            .products()
            .into_iter()
            .map(|p| (p.id, p.kind))
            .collect()
    };
    let a = Harness::small().await;
    let b = Harness::small().await;
    assert_eq!(kinds(&a), kinds(&b));
    let products = a.sim.state().products();
    let grouped: Vec<_> = products.iter().filter(|p| p.kind == "grouped").collect();
    let external = products.iter().filter(|p| p.kind == "external").count();
    assert!(!grouped.is_empty() && external > 0);
    assert!(external * 10 < products.len(), "only a few");
    for parent in grouped {
        assert_eq!(parent.price, "");
        assert!(parent.grouped_products.len() >= 2);
        assert!(parent.source_id.is_none());
    }
}

#[tokio::test]
async fn orders_have_guests_customers_and_parent_product_ids() {
    let shop = generate(&ShopSpec::new(7, 100, 300));
    let h = Harness::small().await;
    let orders = h.sim.state().orders();
    assert_eq!(orders.len(), shop.orders.len());
    let guests = orders.iter().filter(|o| o.customer_id == 0).count();
    assert!(guests > 0 && guests < orders.len(), "{guests} guests");
    assert!(orders
        .iter()
        .filter(|o| o.customer_id == 0)
        .all(|o| o.billing_email.starts_with("guest-")));
    assert!(orders.iter().all(|o| o.status == "completed"));
    let state = h.sim.state();
    for order in &orders {
        for line in &order.lines {
            let product = state.product(line.product_id).expect("line product");
            if product.kind == "variable" {
                assert!(product.variation_ids().contains(&line.variation_id));
            } else {
                assert_eq!(line.variation_id, 0);
            }
        }
    }
    let last = orders
        .iter()
        .map(|o| o.date_created_gmt)
        .max()
        .expect("orders");
    assert!(last < state.now() && state.now() - last <= chrono::Duration::hours(1));
}

#[tokio::test]
async fn answers_parse_with_the_daemons_wire_types() {
    let h = Harness::start(small().with_generated(3, 60, 40)).await;
    let products: Vec<wire::WireProduct> = serde_json::from_value(
        h.get("/products", &[("per_page", "100"), ("status", "any")])
            .await
            .json(),
    )
    .expect("products parse");
    for product in products {
        let kind = product.kind;
        let id = product.id;
        let mapped = map::product(product).expect("maps");
        if kind == wire::ProductType::Variable {
            let reply = h.get(&format!("/products/{id}/variations"), &[]).await;
            let variations: Vec<wire::WireVariation> =
                serde_json::from_value(reply.json()).expect("variations");
            assert!(!variations.is_empty());
            for variation in variations {
                map::variation(variation).expect("variation maps");
            }
        } else if kind != wire::ProductType::Grouped {
            assert_eq!(mapped.variants.len(), 1);
        }
    }
    let orders: Vec<wire::WireOrder> =
        serde_json::from_value(h.get("/orders", &[("per_page", "100")]).await.json())
            .expect("orders parse");
    assert_eq!(orders.len(), 40);
}
