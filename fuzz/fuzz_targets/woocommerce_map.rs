//! A WooCommerce REST listing read as the pull reads it: the page as JSON records, each
//! record on its own (`read_record`) as a product, a variation and an order, then the
//! mapper.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use upsell_sync::model::InstallSalt;
use upsell_sync::platform::woocommerce::map;
use upsell_sync::platform::woocommerce::wire::{WireOrder, WireProduct, WireVariation};
use upsell_sync::sync::woocommerce::pull::read_record;

fuzz_target!(|data: &[u8]| {
    let Ok(items) = serde_json::from_slice::<Vec<Value>>(data) else {
        return;
    };
    let salt = InstallSalt([1; 32]);
    let sale = ["processing".to_owned(), "completed".to_owned()];
    for item in &items {
        if let Ok(wire) = read_record::<WireProduct>(item, "product") {
            let _ = map::product(wire);
        }
        if let Ok(wire) = read_record::<WireVariation>(item, "variation") {
            let _ = map::variation(wire);
        }
        if let Ok(wire) = read_record::<WireOrder>(item, "order") {
            let _ = map::order(wire, &salt, &sale);
        }
    }
});
