//! WooCommerce webhook deliveries (reference §11): `X-WC-Webhook-Signature` is
//! base64(HMAC-SHA256(webhook secret, raw body bytes)), checked by
//! [`webhook_signature`](crate::platform::webhook_signature).
//!
//! One delivery is not signed at all: the *ping* WooCommerce sends when a webhook is
//! created (or its URL changes), a form body `webhook_id=N` without any `X-WC-*` header.
//! Until it is answered with exactly 200, WooCommerce keeps re-sending it, so the server
//! answers it 200 and stores nothing. [`classify`] tells the two apart; anything else
//! unsigned is refused.

use crate::platform::webhook_signature::{self, SignatureError};

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "X-WC-Webhook-Signature";

pub use crate::platform::webhook_signature::{sign as sign_webhook, verify as verify_webhook};

/// What an incoming request to the WooCommerce webhook endpoint is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The creation ping of webhook `webhook_id`: answer 200, store nothing.
    Ping {
        /// The webhook's id.
        webhook_id: u64,
    },
    /// A delivery whose signature matched: process it.
    Verified,
}

/// Classifies a request: `content_type` and `signature` are the header values (`None`
/// when absent). A signed request must verify under `secret`; an unsigned one is
/// accepted only as the creation ping.
pub fn classify(
    secret: &[u8],
    content_type: Option<&str>,
    signature: Option<&str>,
    raw_body: &[u8],
) -> Result<Delivery, SignatureError> {
    if let Some(signature) = signature.filter(|s| !s.trim().is_empty()) {
        webhook_signature::verify(secret, raw_body, signature)?;
        return Ok(Delivery::Verified);
    }
    ping_id(content_type, raw_body)
        .map(|webhook_id| Delivery::Ping { webhook_id })
        .ok_or(SignatureError::MissingSignature)
}

/// The webhook id of a ping body (`webhook_id=N`, form-encoded), if it is one.
fn ping_id(content_type: Option<&str>, raw_body: &[u8]) -> Option<u64> {
    let form = content_type?
        .split(';')
        .next()?
        .trim()
        .eq_ignore_ascii_case("application/x-www-form-urlencoded");
    if !form {
        return None;
    }
    let body = std::str::from_utf8(raw_body).ok()?.trim();
    body.strip_prefix("webhook_id=")?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORM: Option<&str> = Some("application/x-www-form-urlencoded");

    #[test]
    fn the_creation_ping_is_recognised_without_a_signature() {
        assert_eq!(
            classify(b"secret", FORM, None, b"webhook_id=42"),
            Ok(Delivery::Ping { webhook_id: 42 })
        );
        let charset = Some("application/x-www-form-urlencoded; charset=UTF-8");
        assert_eq!(
            classify(b"secret", charset, Some(""), b"webhook_id=7"),
            Ok(Delivery::Ping { webhook_id: 7 })
        );
    }

    #[test]
    fn unsigned_requests_that_are_not_pings_are_refused() {
        let json = Some("application/json");
        for (content_type, body) in [
            (json, &b"webhook_id=42"[..]),
            (FORM, b"webhook_id=abc"),
            (FORM, b"id=42"),
            (None, b"webhook_id=42"),
            (json, br#"{"id":1}"#),
        ] {
            assert_eq!(
                classify(b"secret", content_type, None, body),
                Err(SignatureError::MissingSignature),
                "{content_type:?} {body:?}"
            );
        }
    }

    #[test]
    fn signed_deliveries_are_verified_on_the_raw_bytes() {
        // WooCommerce escapes slashes; re-serialised JSON would not match.
        let body = br#"{"id":12,"permalink":"https:\/\/shop.example\/p\/12"}"#;
        let signature = sign_webhook(b"wc-secret", body);
        let json = Some("application/json");
        assert_eq!(
            classify(b"wc-secret", json, Some(&signature), body),
            Ok(Delivery::Verified)
        );
        assert_eq!(
            classify(b"other", json, Some(&signature), body),
            Err(SignatureError::Mismatch)
        );
        let reserialised = br#"{"id":12,"permalink":"https://shop.example/p/12"}"#;
        assert_eq!(
            classify(b"wc-secret", json, Some(&signature), reserialised),
            Err(SignatureError::Mismatch)
        );
    }
}
