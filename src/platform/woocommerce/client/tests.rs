//! The client against scripted stub stores on 127.0.0.1: URLs, authentication,
//! retries, pacing feedback and error typing. Waits go through a `ManualClock`, so only
//! the timeout test spends real time (well under 300 ms).

mod auth;
mod failures;
mod stub;

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::platform::retry::ManualClock;
use crate::platform::woocommerce::oauth::tests::{base_string, hmac_sha1};
use stub::{Reply, Seen, Stub};

const KEY: &str = "ck_0123456789abcdef0123456789abcdef01234567";
const SECRET: &str = "cs_76543210fedcba9876543210fedcba9876543210";

/// Settings for a stub store: generous pacing, so only the tests about pacing see it.
fn settings(base_url: &str) -> ClientSettings {
    ClientSettings {
        base_url: base_url.to_owned(),
        consumer_key: Secret::new(KEY),
        consumer_secret: Secret::new(SECRET),
        auth: WooAuth::Auto,
        timeout: Duration::from_secs(5),
        retry: RetryPolicy::default(),
        pacing: PacingSettings {
            requests_per_second: 1000.0,
            burst: 100,
            max_concurrency: 4,
        },
        root_certificate_pem: None,
    }
}

fn connect(settings: ClientSettings) -> (WooClient<ManualClock>, ManualClock) {
    let clock = ManualClock::new();
    let client = WooClient::new(settings, Arc::new(clock.clone()), clock.clone()).expect("client");
    (client, clock)
}

/// Checks a request's OAuth signature the way the store does (reference §2), with an
/// independent implementation.
fn assert_signed(seen: &Seen, base_uri: &str) {
    let signature = seen.param("oauth_signature").expect("signed");
    let expected = hmac_sha1(
        &format!("{SECRET}&"),
        &base_string(&seen.method, base_uri, &seen.query),
    );
    assert_eq!(signature, expected, "signature of {seen:?}");
    assert_eq!(seen.param("oauth_consumer_key"), Some(KEY));
    assert_eq!(seen.param("oauth_signature_method"), Some("HMAC-SHA1"));
    assert_eq!(seen.param("oauth_nonce").map(str::len), Some(32));
    let timestamp: u64 = seen
        .param("oauth_timestamp")
        .expect("timestamp")
        .parse()
        .expect("number");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    assert!(
        now.abs_diff(timestamp) < 60,
        "system time, not the manual clock"
    );
    assert_eq!(seen.param("oauth_version"), None);
    assert_eq!(seen.param("oauth_token"), None);
}

fn products(ids: &[u64]) -> serde_json::Value {
    serde_json::Value::Array(
        ids.iter()
            .map(|id| serde_json::json!({"id": id, "name": format!("Product {id}"), "type": "simple"}))
            .collect(),
    )
}

#[test]
fn client_futures_can_be_spawned() {
    fn assert_send<F: std::future::Future + Send>(_: &F) {}
    let (client, _) = connect(settings("http://127.0.0.1:9"));
    let get =
        client.get::<Vec<crate::platform::woocommerce::wire::WireProduct>>("p", "/products", &[]);
    assert_send(&get);
    let body = serde_json::json!({});
    let post = client.post::<_, serde_json::Value>("b", "/products/batch", &body);
    assert_send(&post);
}
