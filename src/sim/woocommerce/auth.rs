//! Who is asking, checked the way WooCommerce 11 does (reference §2): over HTTPS, HTTP
//! Basic or `consumer_key`/`consumer_secret` query parameters, falling through to
//! OAuth; over plain HTTP only OAuth 1.0a (Basic and query keys are silently ignored).
//! OAuth checks run key → signature → timestamp (±15 minutes of the real system
//! clock, as the client signs with it) → nonce, each failing with WooCommerce's 401.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use super::oauth::{base_string, parse_header, rawurldecode, signature};
use super::respond::ApiError;
use super::shared::{lock, Shared};

/// How far a timestamp may be from the server's clock, and how long nonces are kept.
const WINDOW_SECS: i64 = 15 * 60;

/// Parameters OAuth needs.
const REQUIRED: [&str; 5] = [
    "oauth_consumer_key",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_signature",
    "oauth_signature_method",
];

/// The outcome of authentication.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Identity {
    /// No credentials used (none sent, or ignored).
    Anonymous,
    /// The API key's user.
    Key,
}

/// What authentication looks at.
pub(crate) struct Credentials<'a> {
    pub method: &'a str,
    pub path: &'a str,
    /// Query parameters as PHP decoded them.
    pub query: &'a [(String, String)],
    pub authorization: Option<&'a str>,
}

/// Nonces seen with the key, by timestamp, as WooCommerce stores them: one per
/// timestamp (a later nonce with the same timestamp replaces the earlier one).
#[derive(Debug, Default)]
pub(crate) struct NonceStore {
    by_timestamp: BTreeMap<i64, String>,
}

impl NonceStore {
    /// Records `nonce`, or refuses it if already used.
    fn check(&mut self, nonce: &str, timestamp: i64, now: i64) -> Result<(), ApiError> {
        if self.by_timestamp.values().any(|n| n == nonce) {
            return Err(auth_error("Invalid nonce - nonce has already been used."));
        }
        self.by_timestamp.insert(timestamp, nonce.to_owned());
        self.by_timestamp.retain(|t, _| *t >= now - WINDOW_SECS);
        Ok(())
    }
}

/// A 401 `woocommerce_rest_authentication_error`.
pub(crate) fn auth_error(message: &str) -> ApiError {
    ApiError::new(401, "woocommerce_rest_authentication_error", message)
}

/// Authenticates a request that reached `/wp-json/wc/…`.
pub(crate) fn authenticate(
    shared: &Shared,
    request: &Credentials<'_>,
) -> Result<Identity, ApiError> {
    if shared.settings.tls {
        if let Some((key, secret)) = basic_credentials(request) {
            if key == shared.settings.consumer_key {
                if secret == shared.settings.consumer_secret {
                    return Ok(Identity::Key);
                }
                return Err(auth_error("Consumer secret is invalid."));
            }
        }
    }
    oauth(shared, request)
}

/// Query keys first, then an `Authorization: Basic` header; both parts non-empty.
fn basic_credentials(request: &Credentials<'_>) -> Option<(String, String)> {
    let query = |name: &str| {
        request
            .query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    if let (Some(key), Some(secret)) = (query("consumer_key"), query("consumer_secret")) {
        return Some((key, secret));
    }
    let header = request.authorization?.trim();
    let encoded = header
        .strip_prefix("Basic ")
        .or_else(|| header.strip_prefix("basic "))?;
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (key, secret) = decoded.split_once(':')?;
    (!key.is_empty() && !secret.is_empty()).then(|| (key.to_owned(), secret.to_owned()))
}

/// The OAuth 1.0a check; `Anonymous` when no OAuth parameter is present at all.
fn oauth(shared: &Shared, request: &Credentials<'_>) -> Result<Identity, ApiError> {
    let mut params: Vec<(String, String)> = request.query.to_vec();
    for (key, value) in request.authorization.map(parse_header).unwrap_or_default() {
        set(&mut params, key, value);
    }
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|n| get(n).is_none())
        .collect();
    if missing.len() == REQUIRED.len() {
        return Ok(Identity::Anonymous);
    }
    if !missing.is_empty() {
        let noun = if missing.len() == 1 {
            "parameter"
        } else {
            "parameters"
        };
        let message = format!("Missing OAuth {noun} {}", missing.join(", "));
        return Err(ApiError::new(
            401,
            "woocommerce_rest_authentication_missing_parameter",
            &message,
        ));
    }
    let field = |name: &str| get(name).unwrap_or_default().to_owned();
    if field("oauth_consumer_key") != shared.settings.consumer_key {
        return Err(auth_error("Consumer key is invalid."));
    }
    check_signature(shared, request, &params)?;
    let now = chrono::Utc::now().timestamp();
    let timestamp: i64 = field("oauth_timestamp").trim().parse().unwrap_or(0);
    if (timestamp - now).abs() > WINDOW_SECS {
        return Err(auth_error("Invalid timestamp."));
    }
    lock(&shared.nonces).check(&field("oauth_nonce"), timestamp, now)?;
    Ok(Identity::Key)
}

fn check_signature(
    shared: &Shared,
    request: &Credentials<'_>,
    params: &[(String, String)],
) -> Result<(), ApiError> {
    let sent = params
        .iter()
        .find(|(k, _)| k == "oauth_signature")
        .map(|(_, v)| rawurldecode(&v.replace(' ', "+")))
        .unwrap_or_default();
    let method = params
        .iter()
        .find(|(k, _)| k == "oauth_signature_method")
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    let signed: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| k != "oauth_signature")
        .cloned()
        .collect();
    let base_uri = format!("{}{}", shared.base_url(), request.path);
    let base = base_string(request.method, &base_uri, &signed);
    let Some(expected) = signature(method, &shared.settings.consumer_secret, &base) else {
        return Err(auth_error(
            "Invalid signature - signature method is invalid.",
        ));
    };
    if !constant_time_eq(expected.as_bytes(), sent.as_bytes()) {
        return Err(auth_error(
            "Invalid signature - provided signature does not match.",
        ));
    }
    Ok(())
}

/// Sets `key` (PHP array semantics: a later value replaces, the position stays).
pub(crate) fn set(params: &mut Vec<(String, String)>, key: String, value: String) {
    if let Some(slot) = params.iter_mut().find(|(k, _)| *k == key) {
        slot.1 = value;
    } else {
        params.push((key, value));
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
