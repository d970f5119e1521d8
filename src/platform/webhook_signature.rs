//! Webhook signatures as both platforms make them: base64(HMAC-SHA256(secret, raw body
//! bytes)), in `X-Shopify-Hmac-Sha256` (key: the app's client secret) or
//! `X-WC-Webhook-Signature` (key: the webhook's secret).
//!
//! Verify the raw bytes before any JSON parsing: re-serialised JSON would not match
//! (WooCommerce escapes `/` as `\/`). The comparison is constant-time
//! (`Mac::verify_slice`), so response timing reveals nothing about the expected
//! signature. Errors say what was wrong with the header and never carry the secret, the
//! expected signature or the received one.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Length of an HMAC-SHA256 tag in bytes.
const TAG_LEN: usize = 32;

/// Why a webhook delivery was refused (answer 401 and store nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The header is absent or blank.
    #[error("missing signature header")]
    MissingSignature,
    /// The header is not base64.
    #[error("the signature header is not valid base64")]
    InvalidBase64,
    /// The header decodes to something that cannot be an HMAC-SHA256 tag.
    #[error("the signature header decodes to {len} bytes, expected {TAG_LEN}")]
    WrongLength {
        /// Decoded length.
        len: usize,
    },
    /// The signature does not match the body under our secret.
    #[error("the signature does not match the body: wrong secret or altered body")]
    Mismatch,
    /// No secret is configured: accepting would let anyone forge deliveries.
    #[error("no webhook secret configured; refusing every delivery")]
    NoSecret,
}

/// Checks that `hmac_header` (the signature header's value; surrounding whitespace is
/// ignored, an empty string means the header was missing) signs `raw_body` under
/// `secret`.
pub fn verify(secret: &[u8], raw_body: &[u8], hmac_header: &str) -> Result<(), SignatureError> {
    if secret.is_empty() {
        return Err(SignatureError::NoSecret);
    }
    let header = hmac_header.trim();
    if header.is_empty() {
        return Err(SignatureError::MissingSignature);
    }
    let tag = STANDARD
        .decode(header)
        .map_err(|_| SignatureError::InvalidBase64)?;
    if tag.len() != TAG_LEN {
        return Err(SignatureError::WrongLength { len: tag.len() });
    }
    mac(secret, raw_body)
        .verify_slice(&tag)
        .map_err(|_| SignatureError::Mismatch)
}

/// The header value the platform would send for `raw_body`: for simulated platforms in
/// tests and for replaying captured deliveries.
#[must_use]
pub fn sign(secret: &[u8], raw_body: &[u8]) -> String {
    STANDARD.encode(mac(secret, raw_body).finalize().into_bytes())
}

fn mac(secret: &[u8], raw_body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length (long ones are hashed first), so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(raw_body);
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Computed independently with Python's `hmac` module.
    const SECRET_BODY: &str = "3EaYNVf+oSe0OvchRn65s/3iM4/j4U9RlSqoR4wT01U=";
    const SECRET_EMPTY: &str = "+eZuF5tnR65UEI+C+K3os8Jddv0wr95sOVgixTAZYWk=";
    const HUSH_JSON: &str = "enySKShBjLTTyCcwR/lWbMjPyY3ICm781oEqIcAWn+U=";

    #[test]
    fn known_vectors_verify() {
        assert_eq!(verify(b"secret", b"body", SECRET_BODY), Ok(()));
        assert_eq!(verify(b"secret", b"", SECRET_EMPTY), Ok(()));
        let body = br#"{"id":1,"title":"Mug"}"#;
        assert_eq!(verify(b"hush", body, HUSH_JSON), Ok(()));
    }

    #[test]
    fn signing_reproduces_the_known_vectors() {
        assert_eq!(sign(b"secret", b"body"), SECRET_BODY);
        assert_eq!(sign(b"secret", b""), SECRET_EMPTY);
    }

    #[test]
    fn a_tampered_body_or_another_secret_is_a_mismatch() {
        let mismatch = Err(SignatureError::Mismatch);
        assert_eq!(verify(b"secret", b"body ", SECRET_BODY), mismatch);
        assert_eq!(verify(b"secret", b"Body", SECRET_BODY), mismatch);
        assert_eq!(verify(b"secreT", b"body", SECRET_BODY), mismatch);
        assert_eq!(verify(b"secret", b"", SECRET_BODY), mismatch);
    }

    #[test]
    fn whitespace_around_the_header_is_ignored() {
        let padded = format!(" \t{SECRET_BODY}\r\n");
        assert_eq!(verify(b"secret", b"body", &padded), Ok(()));
    }

    #[test]
    fn a_missing_or_malformed_header_is_refused_before_any_hmac() {
        let cases = [
            ("", SignatureError::MissingSignature),
            ("   ", SignatureError::MissingSignature),
            ("not base64!", SignatureError::InvalidBase64),
            (
                "3EaYNVf+oSe0OvchRn65s/3iM4/j4U9RlSqoR4wT01U",
                SignatureError::InvalidBase64,
            ),
            ("c2hvcnQ=", SignatureError::WrongLength { len: 5 }),
        ];
        for (header, error) in cases {
            assert_eq!(verify(b"secret", b"body", header), Err(error), "{header:?}");
        }
    }

    #[test]
    fn an_empty_secret_refuses_everything() {
        let forged = sign(b"", b"body");
        assert_eq!(verify(b"", b"body", &forged), Err(SignatureError::NoSecret));
    }

    #[test]
    fn errors_never_echo_secret_or_signatures() {
        let secret = "s3cr3t-value";
        let errors = [
            verify(secret.as_bytes(), b"body", SECRET_BODY),
            verify(secret.as_bytes(), b"body", "c2hvcnQ="),
        ];
        for error in errors.into_iter().filter_map(Result::err) {
            let shown = format!("{error} {error:?}");
            for secret_part in [secret, SECRET_BODY, "c2hvcnQ="] {
                assert!(!shown.contains(secret_part), "{shown}");
            }
        }
    }
}
