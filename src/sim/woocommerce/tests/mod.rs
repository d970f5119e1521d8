//! Tests of the simulated store over HTTP, the way the daemon's client talks to it: a
//! real server on `127.0.0.1:0`, requests with reqwest signed with OAuth 1.0a, time
//! from a `ManualClock`, webhooks received by a local listener.

mod auth;
mod catalog;
mod faults;
mod fixtures;
mod mirror;
mod paging;
mod webhooks;
mod writes;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::HeaderMap;
use chrono::{TimeZone, Utc};
use rand::distributions::Alphanumeric;
use rand::Rng;
use serde_json::Value;
use tokio::sync::mpsc;

use super::oauth::{base_string, rawurlencode, signature};
use super::{SimWoo, SimWooConfig};
use crate::platform::retry::ManualClock;

pub(super) const KEY: &str = "ck_0123456789abcdef0123456789abcdef01234567";
pub(super) const SECRET: &str = "cs_76543210fedcba9876543210fedcba9876543210";

/// A running simulator, its clock and an HTTP client.
pub(super) struct Harness {
    pub sim: SimWoo,
    pub clock: ManualClock,
    pub http: reqwest::Client,
}

/// An answer: status, headers and body text.
#[derive(Debug)]
pub(super) struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Reply {
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// A header's value, `""` if absent.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// A small generated store with the test keys.
pub(super) fn small() -> SimWooConfig {
    SimWooConfig::default()
        .with_generated(7, 100, 300)
        .with_keys(KEY, SECRET)
}

/// `2026-11-21T16:41:04Z`, the fixture store's time.
pub(super) fn fixture_now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 16, 41, 4)
        .single()
        .expect("valid date")
}

/// A fresh 32-character nonce.
pub(super) fn nonce() -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(32)
        .map(char::from)
        .collect()
}

/// `params` plus OAuth parameters signed with `method` (`HMAC-SHA256`/`HMAC-SHA1`) for
/// a request to `url` (no query), in the order a client sends them.
pub(super) fn sign(
    http_method: &str,
    url: &str,
    params: &[(&str, &str)],
    key: &str,
    secret: &str,
    timestamp: i64,
) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    all.push(("oauth_consumer_key".into(), key.to_owned()));
    all.push(("oauth_nonce".into(), nonce()));
    all.push(("oauth_signature_method".into(), "HMAC-SHA256".into()));
    all.push(("oauth_timestamp".into(), timestamp.to_string()));
    let base = base_string(http_method, url, &all);
    let signed = signature("HMAC-SHA256", secret, &base).expect("supported method");
    all.push(("oauth_signature".into(), signed));
    all
}

/// `url?k=v&…` with RFC 3986 encoding.
pub(super) fn with_query(url: &str, params: &[(String, String)]) -> String {
    if params.is_empty() {
        return url.to_owned();
    }
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{}={}", rawurlencode(k), rawurlencode(v)))
        .collect();
    format!("{url}?{}", query.join("&"))
}

impl Harness {
    /// Starts `config` with a manual clock.
    pub async fn start(config: SimWooConfig) -> Self {
        let clock = ManualClock::new();
        let sim = SimWoo::start(config.with_clock(Arc::new(clock.clone())))
            .await
            .expect("simulator starts");
        let mut builder = reqwest::Client::builder().no_proxy();
        if let Some(pem) = sim.ca_pem() {
            let ca = reqwest::Certificate::from_pem(pem.as_bytes()).expect("CA PEM");
            builder = builder.add_root_certificate(ca);
        }
        Self {
            sim,
            clock,
            http: builder.build().expect("client"),
        }
    }

    /// The small generated store.
    pub async fn small() -> Self {
        Self::start(small()).await
    }

    /// The API URL of `path` (e.g. `/products`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sim.api_url())
    }

    /// `path` with `params`, signed for `method` with the right key.
    pub fn signed_url(&self, method: &str, path: &str, params: &[(&str, &str)]) -> String {
        let url = self.url(path);
        let now = Utc::now().timestamp();
        with_query(&url, &sign(method, &url, params, KEY, SECRET, now))
    }

    /// Sends a prepared request.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        Reply {
            status,
            headers,
            text,
        }
    }

    /// A signed request with an optional JSON body.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        params: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Reply {
        let url = self.signed_url(method, path, params);
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self.http.request(method, url);
        if let Some(body) = body {
            request = request.json(body);
        }
        self.send(request).await
    }

    /// A signed GET.
    pub async fn get(&self, path: &str, params: &[(&str, &str)]) -> Reply {
        self.call("GET", path, params, None).await
    }

    /// A signed PUT of `body`.
    pub async fn put(&self, path: &str, body: &Value) -> Reply {
        self.call("PUT", path, &[], Some(body)).await
    }

    /// A signed POST of `body`.
    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.call("POST", path, &[], Some(body)).await
    }
}

/// A webhook listener on `127.0.0.1:0` that answers `status` and hands over what it
/// received.
pub(super) struct Receiver {
    pub url: String,
    rx: mpsc::UnboundedReceiver<(HeaderMap, Bytes)>,
    _server: tokio::task::JoinHandle<()>,
}

impl Receiver {
    pub async fn start(status: u16) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let app = axum::Router::new().fallback(move |headers: HeaderMap, body: Bytes| {
            let tx = tx.clone();
            async move {
                let _ = tx.send((headers, body));
                axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::OK)
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("address"));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            url,
            rx,
            _server: server,
        }
    }

    /// The next request received (waits up to five seconds).
    pub async fn next(&mut self) -> (HeaderMap, Bytes) {
        tokio::time::timeout(Duration::from_secs(5), self.rx.recv())
            .await
            .expect("a delivery within 5 s")
            .expect("listener alive")
    }

    /// A request already received, if any.
    pub fn try_next(&mut self) -> Option<(HeaderMap, Bytes)> {
        self.rx.try_recv().ok()
    }

    /// Whether another request arrives within `wait`.
    pub async fn quiet_for(&mut self, wait: Duration) -> bool {
        tokio::time::timeout(wait, self.rx.recv()).await.is_err()
    }
}

/// Checks that `ours` has the same shape as `theirs`: the same keys in every object,
/// the same JSON types where both are non-null (meta `value`s may be anything), array
/// items compared pairwise as far as both go. Returns the differences.
pub(super) fn shape_diff(theirs: &Value, ours: &Value, path: &str, out: &mut Vec<String>) {
    match (theirs, ours) {
        (Value::Object(a), Value::Object(b)) => {
            let keys_a: std::collections::BTreeSet<&String> = a.keys().collect();
            let keys_b: std::collections::BTreeSet<&String> = b.keys().collect();
            if keys_a != keys_b {
                let missing: Vec<_> = keys_a.difference(&keys_b).collect();
                let extra: Vec<_> = keys_b.difference(&keys_a).collect();
                out.push(format!("{path}: missing {missing:?}, extra {extra:?}"));
            }
            for (key, value) in a {
                if key == "value" || key == "display_value" {
                    continue;
                }
                if let Some(other) = b.get(key) {
                    shape_diff(value, other, &format!("{path}.{key}"), out);
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                shape_diff(x, y, &format!("{path}[{i}]"), out);
            }
        }
        (Value::Null, _) | (_, Value::Null) => {}
        (a, b) if kind(a) != kind(b) => out.push(format!("{path}: {} vs {}", kind(a), kind(b))),
        _ => {}
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
