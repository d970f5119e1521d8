//! WooCommerce webhook bodies, under every topic the daemon acts on.
#![no_main]

use libfuzzer_sys::fuzz_target;
use upsell_sync::model::InstallSalt;
use upsell_sync::platform::woocommerce::webhook_payload::parse;

const TOPICS: [&str; 9] = [
    "order.created",
    "order.updated",
    "order.restored",
    "order.deleted",
    "product.created",
    "product.updated",
    "product.restored",
    "product.deleted",
    "customer.deleted",
];

fuzz_target!(|body: &[u8]| {
    let salt = InstallSalt([1; 32]);
    let sale = ["processing".to_owned(), "completed".to_owned()];
    for topic in TOPICS {
        if let Err(error) = parse(topic, body, &salt, &sale) {
            assert!(!error.field.is_empty());
            assert!(error.reason.chars().count() <= 201);
        }
    }
});
