//! Verification of Shopify webhook deliveries (reference §6): `X-Shopify-Hmac-Sha256` is
//! base64(HMAC-SHA256(app client secret, raw body bytes)); see
//! [`webhook_signature`](crate::platform::webhook_signature) for how it is checked.

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "X-Shopify-Hmac-Sha256";

pub use crate::platform::webhook_signature::{
    sign as sign_webhook, verify as verify_webhook, SignatureError as WebhookError,
};
