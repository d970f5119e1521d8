//! Shopify GraphQL `data` of a products or an orders page, read as the pull reads it:
//! the page, each node on its own (`read::read_nodes`), then the mapper.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::Deserialize;
use serde_json::Value;
use upsell_sync::model::InstallSalt;
use upsell_sync::platform::shopify::map::{self, WireOrder, WireProduct};
use upsell_sync::platform::shopify::read::{read_nodes, Page};

#[derive(Deserialize)]
struct Data {
    #[serde(default)]
    products: Option<Page<Value>>,
    #[serde(default)]
    orders: Option<Page<Value>>,
}

fuzz_target!(|data: &[u8]| {
    let Ok(page) = serde_json::from_slice::<Data>(data) else {
        return;
    };
    if let Some(products) = page.products {
        for wire in read_nodes::<WireProduct>(products.nodes)
            .into_iter()
            .flatten()
        {
            let _ = map::product(wire, Vec::new());
        }
    }
    if let Some(orders) = page.orders {
        let salt = InstallSalt([1; 32]);
        for wire in read_nodes::<WireOrder>(orders.nodes).into_iter().flatten() {
            let _ = map::order(wire, Vec::new(), &salt);
        }
    }
});
