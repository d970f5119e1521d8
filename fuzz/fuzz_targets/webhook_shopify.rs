//! Shopify webhook bodies: every topic the daemon acts on reads the same bytes (the
//! signature is checked before parsing, so anything signed reaches the parser).
#![no_main]

use libfuzzer_sys::fuzz_target;
use upsell_sync::model::InstallSalt;
use upsell_sync::platform::shopify::webhook_payload::parse;

const TOPICS: [&str; 10] = [
    "orders/create",
    "orders/updated",
    "orders/paid",
    "orders/cancelled",
    "products/create",
    "products/update",
    "products/delete",
    "customers/redact",
    "shop/redact",
    "app/uninstalled",
];

fuzz_target!(|body: &[u8]| {
    let salt = InstallSalt([1; 32]);
    for topic in TOPICS {
        if let Err(error) = parse(topic, body, &salt) {
            // The error names a field and never quotes the body at length.
            assert!(!error.field.is_empty());
            assert!(error.reason.chars().count() <= 201);
        }
    }
});
