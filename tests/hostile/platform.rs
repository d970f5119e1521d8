//! The two platforms' webhook sides as the hostile webhook tests see them: headers,
//! seed payloads with their topics, the parser the worker calls, and what every parser
//! error must look like.

use serde_json::Value;
use upsell_sync::config::{Config, PlatformConfig};
use upsell_sync::model::InstallSalt;
use upsell_sync::platform::webhook_event::{PayloadError, WebhookEvent};
use upsell_sync::platform::{shopify, woocommerce};

use super::seed_json;

/// The salt customer ids are hashed with, by the parsers and the worker alike.
pub const SALT: InstallSalt = InstallSalt([6; 32]);

/// The two platforms, with what differs between their endpoints.
#[derive(Clone, Copy, Debug)]
pub enum Platform {
    Shopify,
    WooCommerce,
}

impl Platform {
    pub fn name(self) -> &'static str {
        match self {
            Platform::Shopify => "shopify",
            Platform::WooCommerce => "woocommerce",
        }
    }

    pub fn signature_header(self) -> &'static str {
        match self {
            Platform::Shopify => "x-shopify-hmac-sha256",
            Platform::WooCommerce => "x-wc-webhook-signature",
        }
    }

    pub fn topic_header(self) -> &'static str {
        match self {
            Platform::Shopify => "x-shopify-topic",
            Platform::WooCommerce => "x-wc-webhook-topic",
        }
    }

    /// The shop of this platform a test uses (each test its own, as tests run at once).
    pub fn shop(self, test: &str) -> String {
        format!("{test}-{}", self.name())
    }

    /// The captured or simulated payloads, with their topics.
    pub fn seeds(self) -> Vec<(&'static str, Value)> {
        let list: &[(&str, &str)] = match self {
            Platform::Shopify => &[
                ("products/update", "products_update.json"),
                ("orders/create", "orders_create.json"),
                ("customers/redact", "customers_redact.json"),
                ("products/delete", "products_delete.json"),
            ],
            Platform::WooCommerce => &[
                ("order.created", "order_created.json"),
                ("product.created", "product_created.json"),
                ("product.updated", "product_updated.json"),
                ("product.deleted", "product_deleted.json"),
                ("product.created", "product_created_after_force_delete.json"),
            ],
        };
        let dir = format!("webhook_{}", self.name());
        list.iter()
            .map(|(topic, file)| (*topic, seed_json(&dir, file)))
            .collect()
    }

    /// What the worker makes of a body, through the parser the worker calls.
    pub fn parse(self, topic: &str, body: &[u8]) -> Result<WebhookEvent, PayloadError> {
        match self {
            Platform::Shopify => shopify::webhook_payload::parse(topic, body, &SALT),
            Platform::WooCommerce => {
                let sale = ["processing".to_owned(), "completed".to_owned()];
                woocommerce::webhook_payload::parse(topic, body, &SALT, &sale)
            }
        }
    }

    pub fn config(self) -> PlatformConfig {
        let config = Config::default_for_tests();
        let index = match self {
            Platform::Shopify => 0,
            Platform::WooCommerce => 1,
        };
        config.shops[index].platform.clone()
    }
}

pub const PLATFORMS: [Platform; 2] = [Platform::Shopify, Platform::WooCommerce];
/// Every topic the parsers act on.
pub const TOPICS: [(Platform, &str); 18] = [
    (Platform::Shopify, "orders/create"),
    (Platform::Shopify, "orders/updated"),
    (Platform::Shopify, "orders/paid"),
    (Platform::Shopify, "orders/cancelled"),
    (Platform::Shopify, "products/create"),
    (Platform::Shopify, "products/update"),
    (Platform::Shopify, "products/delete"),
    (Platform::Shopify, "customers/redact"),
    (Platform::Shopify, "shop/redact"),
    (Platform::WooCommerce, "order.created"),
    (Platform::WooCommerce, "order.updated"),
    (Platform::WooCommerce, "order.restored"),
    (Platform::WooCommerce, "order.deleted"),
    (Platform::WooCommerce, "product.created"),
    (Platform::WooCommerce, "product.updated"),
    (Platform::WooCommerce, "product.restored"),
    (Platform::WooCommerce, "product.deleted"),
    (Platform::WooCommerce, "customer.deleted"),
];

/// Checks an error of the worker's parser: it names the topic and a field, and it does
/// not quote the body beyond a short reason.
pub fn check_payload_error(error: &PayloadError, topic: &str) {
    assert!(!error.field.is_empty(), "{error}");
    assert!(error.reason.chars().count() <= 201, "{error}");
    let text = error.to_string();
    assert!(
        text.starts_with(&format!("{topic} webhook: field `")),
        "{text}"
    );
}

/// Whether a seed is WooCommerce's error object, which a product topic delivers for a
/// product deleted before delivery (and the parser ignores).
pub fn is_error_object(seed: &Value) -> bool {
    seed.get("code").is_some() && seed.get("id").is_none()
}
