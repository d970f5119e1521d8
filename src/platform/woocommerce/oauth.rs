//! OAuth 1.0a one-legged signatures, the only authentication WooCommerce accepts over
//! plain http (reference §2).
//!
//! The signing itself is `oauth1-request`'s HMAC-SHA1 (its [`ParameterList`] sorts the
//! query parameters and interleaves the `oauth_*` ones exactly as the standard and
//! WooCommerce's `check_oauth_signature` do). We only choose what goes in:
//! - the base URI is the site root *as configured* plus the request path, without query:
//!   WooCommerce rebuilds it from its home URL, not from the `Host` header, so the
//!   operator must give `base_url` as the site reports it (Settings → General);
//! - every query parameter is signed; a JSON body is not (WooCommerce only reads form
//!   bodies into the signature);
//! - no token, no `oauth_version` (WooCommerce's docs say to omit it);
//! - a fresh 32-character nonce and the current *system* time for every request,
//!   retries included: the store remembers nonces for 15 minutes and refuses a replay,
//!   and refuses timestamps more than 15 minutes off.
//!
//! The parameters go in the query string rather than an `Authorization` header:
//! WooCommerce documents and tests that form first, and the hosts that run plain-http
//! stores (Apache with CGI/FastCGI PHP, some proxies) are the ones known to drop the
//! `Authorization` header. The price is that the store echoes them in `Link` headers and
//! access logs; the client never follows `Link` and never logs a URL.

use std::num::NonZeroU64;
use std::time::{SystemTime, UNIX_EPOCH};

use oauth1_request::{Builder, Credentials, HmacSha1, ParameterList};
use rand::distributions::Alphanumeric;
use rand::Rng;

use crate::config::Secret;

/// Length of our nonces: 32 alphanumerics, about 190 bits, as the reference advises.
pub const NONCE_LENGTH: usize = 32;

/// The consumer key and secret a store issued.
#[derive(Clone, Debug)]
pub struct Consumer {
    /// `ck_...`.
    pub key: Secret,
    /// `cs_...`.
    pub secret: Secret,
}

/// What makes one signature unique: the nonce and the Unix time in seconds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Freshness {
    /// Never reused with the same key within 15 minutes.
    pub nonce: String,
    /// Seconds since the Unix epoch, within 15 minutes of the store's clock.
    pub timestamp: u64,
}

impl Freshness {
    /// A random nonce and the current system time. The system clock, not the injected
    /// monotonic one: the store compares the timestamp with its own wall clock.
    #[must_use]
    pub fn now() -> Self {
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |d| d.as_secs());
        Self {
            nonce: nonce(&mut rand::thread_rng()),
            timestamp,
        }
    }
}

/// A random alphanumeric nonce of [`NONCE_LENGTH`] characters.
pub fn nonce<R: Rng + ?Sized>(rng: &mut R) -> String {
    (0..NONCE_LENGTH)
        .map(|_| char::from(rng.sample(Alphanumeric)))
        .collect()
}

/// The `oauth_*` parameters (decoded, signature last) to add to the query of a request
/// to `base_uri` (no query part) carrying `query`.
///
/// `query` keys must be URI-safe (letters, digits, `-._~`), as all WooCommerce parameters
/// are; the caller checks. Values may hold anything: they are percent-encoded as RFC 3986
/// asks, and the server decodes the form-encoded query back to the same text.
#[must_use]
pub fn sign(
    method: &str,
    base_uri: &str,
    query: &[(&str, String)],
    consumer: &Consumer,
    freshness: &Freshness,
) -> Vec<(String, String)> {
    let request: ParameterList<&str, &str> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let credentials = Credentials::new(consumer.key.expose(), consumer.secret.expose());
    let mut builder: Builder<'_, HmacSha1, &str> = Builder::new(credentials, HmacSha1::new());
    builder
        .nonce(freshness.nonce.as_str())
        .timestamp(NonZeroU64::new(freshness.timestamp.max(1)));
    let form = builder.to_form(method, base_uri, &request);
    // The form holds our own parameters too; keep only what signing added.
    url::form_urlencoded::parse(form.as_bytes())
        .filter(|(key, _)| key.starts_with("oauth_"))
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect()
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use base64::Engine as _;
    use hmac::{Hmac, Mac};
    use rand::SeedableRng;
    use sha1::Sha1;

    /// RFC 3986 encoding as PHP's `rawurlencode`: only `A-Z a-z 0-9 - . _ ~` stay.
    pub(crate) fn rawurlencode(text: &str) -> String {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    char::from(b).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }

    /// The string to sign, built by hand following reference §2 steps 2–5.
    pub(crate) fn base_string(method: &str, base_uri: &str, params: &[(String, String)]) -> String {
        let mut sorted: Vec<&(String, String)> = params
            .iter()
            .filter(|(k, _)| k != "oauth_signature")
            .collect();
        sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let pairs: Vec<String> = sorted
            .iter()
            .map(|(k, v)| rawurlencode(&format!("{}={}", rawurlencode(k), rawurlencode(v))))
            .collect();
        format!(
            "{}&{}&{}",
            method.to_uppercase(),
            rawurlencode(base_uri),
            pairs.join("%26")
        )
    }

    /// Step 6: base64(HMAC-SHA1(key, base string)); `key` is `secret&` one-legged.
    pub(crate) fn hmac_sha1(key: &str, base: &str) -> String {
        let mut mac = Hmac::<Sha1>::new_from_slice(key.as_bytes()).expect("any key length");
        mac.update(base.as_bytes());
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    }

    fn consumer() -> Consumer {
        Consumer {
            key: Secret::new("ck_0123456789abcdef0123456789abcdef01234567"),
            secret: Secret::new("cs_76543210fedcba9876543210fedcba9876543210"),
        }
    }

    fn fixed() -> Freshness {
        Freshness {
            nonce: "abcdefghijklmnopqrstuvwxyzABCDEF".to_owned(),
            timestamp: 1_795_000_000,
        }
    }

    fn value<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map_or("", |(_, v)| v.as_str())
    }

    #[test]
    fn the_reference_construction_reproduces_twitters_published_example() {
        // https://developer.x.com/en/docs/authentication/oauth-1-0a/creating-a-signature
        // (with a token: the key is "consumer secret & token secret").
        let params: Vec<(String, String)> = [
            (
                "status",
                "Hello Ladies + Gentlemen, a signed OAuth request!",
            ),
            ("include_entities", "true"),
            ("oauth_consumer_key", "xvz1evFS4wEEPTGEFPHBog"),
            ("oauth_nonce", "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "1318622958"),
            (
                "oauth_token",
                "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
            ),
            ("oauth_version", "1.0"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let base = base_string(
            "post",
            "https://api.twitter.com/1.1/statuses/update.json",
            &params,
        );
        assert!(base.starts_with(
            "POST&https%3A%2F%2Fapi.twitter.com%2F1.1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26"
        ));
        let key =
            "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw&LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE";
        assert_eq!(hmac_sha1(key, &base), "hCtSmYh+iHYCEqBWrE7C7hYmtUk=");
    }

    #[test]
    fn a_pinned_woocommerce_request_signs_to_the_known_value() {
        let query = [
            ("per_page", "100".to_owned()),
            ("page", "2".to_owned()),
            ("modified_after", "2026-11-21T16:36:30".to_owned()),
            ("include", "11,12,13".to_owned()),
        ];
        let base_uri = "http://127.0.0.1:8089/wp-json/wc/v3/products";
        let pairs = sign("GET", base_uri, &query, &consumer(), &fixed());
        let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "oauth_consumer_key",
                "oauth_nonce",
                "oauth_signature_method",
                "oauth_timestamp",
                "oauth_signature"
            ]
        );
        assert_eq!(value(&pairs, "oauth_signature_method"), "HMAC-SHA1");
        assert_eq!(value(&pairs, "oauth_timestamp"), "1795000000");
        // The base string, written out by hand: sorted by key, each pair encoded twice.
        let expected_base = "GET&http%3A%2F%2F127.0.0.1%3A8089%2Fwp-json%2Fwc%2Fv3%2Fproducts&\
            include%3D11%252C12%252C13%26modified_after%3D2026-11-21T16%253A36%253A30%26\
            oauth_consumer_key%3Dck_0123456789abcdef0123456789abcdef01234567%26\
            oauth_nonce%3DabcdefghijklmnopqrstuvwxyzABCDEF%26oauth_signature_method%3DHMAC-SHA1%26\
            oauth_timestamp%3D1795000000%26page%3D2%26per_page%3D100";
        let mut all: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        all.extend(pairs.iter().cloned());
        assert_eq!(base_string("GET", base_uri, &all), expected_base);
        // Computed independently (Python hmac/hashlib over `expected_base`).
        assert_eq!(
            value(&pairs, "oauth_signature"),
            "U6zjdbu1CHTI3eqgGwOsp8N35a4="
        );
        let key = format!("{}&", consumer().secret.expose());
        assert_eq!(
            value(&pairs, "oauth_signature"),
            hmac_sha1(&key, expected_base)
        );
    }

    #[test]
    fn awkward_values_and_methods_sign_as_the_server_checks() {
        let query = [
            ("search", "a b+c/ü&=%~*".to_owned()),
            ("_fields", "id,billing.email".to_owned()),
            ("status", "on-hold".to_owned()),
        ];
        let base_uri = "https://shop.example/sub/wp-json/wc/v3/orders/batch";
        for method in ["GET", "POST"] {
            let pairs = sign(method, base_uri, &query, &consumer(), &fixed());
            let mut all: Vec<(String, String)> = query
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect();
            all.extend(pairs.iter().cloned());
            let key = format!("{}&", consumer().secret.expose());
            let expected = hmac_sha1(&key, &base_string(method, base_uri, &all));
            assert_eq!(value(&pairs, "oauth_signature"), expected, "{method}");
        }
    }

    #[test]
    fn nonces_are_32_alphanumerics_and_fresh() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let a = nonce(&mut rng);
        let b = nonce(&mut rng);
        assert_eq!(a.len(), NONCE_LENGTH);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
        assert_ne!(Freshness::now().nonce, Freshness::now().nonce);
        assert!(Freshness::now().timestamp > 1_700_000_000);
    }

    #[test]
    fn the_secret_never_appears_in_the_parameters_or_debug_output() {
        let pairs = sign("GET", "http://s.example/x", &[], &consumer(), &fixed());
        let secret = consumer().secret.expose().to_owned();
        assert!(pairs.iter().all(|(_, v)| !v.contains(&secret)));
        assert!(!format!("{:?}", consumer()).contains(&secret));
    }
}
