//! Every capture from the real store is replayed against a simulator seeded like the
//! capture store (products 11, 12, variable 13 with variations 14 and 15; orders 16 and
//! 17): same status, same JSON shape (keys and types, recursively), same headers, and
//! for errors the very same body. A new fixture nobody replays fails the test.

use std::path::PathBuf;

use serde_json::Value;

use super::mirror::mirror;
use super::{shape_diff, sign, with_query, Harness, Receiver, Reply, KEY, SECRET};
use crate::sim::woocommerce::KeyPermission;

const FIXTURE_BASE: &str = "http://127.0.0.1:8089";

/// Replayed in this order (writes after reads; ids created by earlier steps reused).
const REPLAYED: [&str; 36] = [
    "products_page",
    "products_page_2",
    "products_page_past_end",
    "product_single",
    "product_single_variable",
    "product_get_variation_id_via_products",
    "variations_list",
    "orders_page",
    "order_single",
    "error_per_page_too_large",
    "error_bad_date_param",
    "error_product_invalid_id",
    "error_order_invalid_id",
    "error_no_auth",
    "error_auth_bad_key",
    "error_auth_bad_signature",
    "error_readonly_key_write",
    "error_product_update_invalid_id",
    "error_upsell_ids_wrong_type",
    "product_update_linked_ids",
    "product_fields_linked_ids",
    "product_update_meta_data",
    "product_include_meta",
    "products_batch_update",
    "products_batch_mixed_errors",
    "error_batch_too_many",
    "products_modified_after",
    "product_create_simple",
    "order_create",
    "webhook_create",
    "webhook_single",
    "webhook_disabled_after_failures",
    "product_delete_force",
    "error_auth_basic_wrong_secret",
    "variation_create",
    "observations",
];

/// Captures checked elsewhere or not replayable: Basic auth needs HTTPS
/// (`auth::basic_*`), variation writes are not simulated, observations are notes.
const NOT_REPLAYED_HERE: [&str; 3] = [
    "error_auth_basic_wrong_secret",
    "variation_create",
    "observations",
];

/// Headers whose values must be equal.
const EXACT: [&str; 10] = [
    "content-type",
    "x-robots-tag",
    "x-content-type-options",
    "access-control-expose-headers",
    "access-control-allow-headers",
    "allow",
    "expires",
    "cache-control",
    "vary",
    "x-powered-by",
];

/// Fixtures whose totals the mirror store reproduces exactly.
const SAME_TOTALS: [&str; 5] = [
    "products_page",
    "products_page_2",
    "products_page_past_end",
    "variations_list",
    "orders_page",
];

pub(super) fn dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/fixtures/woocommerce"
    ))
}

/// A capture's query parameters in the order they were sent (a JSON object read into
/// a map would sort them, and `Link` headers echo the order).
fn ordered_query(name: &str) -> Vec<(String, String)> {
    struct Pairs(Vec<(String, String)>);
    impl<'de> serde::Deserialize<'de> for Pairs {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct Visit;
            impl<'de> serde::de::Visitor<'de> for Visit {
                type Value = Pairs;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("an object of strings")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut map: A,
                ) -> Result<Pairs, A::Error> {
                    let mut pairs = Vec::new();
                    while let Some(pair) = map.next_entry::<String, String>()? {
                        pairs.push(pair);
                    }
                    Ok(Pairs(pairs))
                }
            }
            d.deserialize_map(Visit)
        }
    }
    #[derive(serde::Deserialize)]
    struct Request {
        #[serde(default)]
        query: Option<Pairs>,
    }
    #[derive(serde::Deserialize)]
    struct Capture {
        request: Request,
    }
    let text = std::fs::read_to_string(dir().join(format!("{name}.json"))).expect("fixture");
    let capture: Capture = serde_json::from_str(&text).expect("capture");
    capture.request.query.map(|q| q.0).unwrap_or_default()
}

pub(super) fn load(name: &str) -> Value {
    let path = dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).expect("fixture JSON")
}

/// What a replay needs to change in a capture's request.
#[derive(Default)]
struct Twist {
    path: Option<String>,
    key: Option<&'static str>,
    secret: Option<&'static str>,
    body: Option<Value>,
}

async fn replay(h: &Harness, name: &str, capture: &Value, twist: Twist) -> Reply {
    let request = &capture["request"];
    let method = request["method"].as_str().expect("method");
    let url = request["url"].as_str().expect("url");
    let path = twist.path.unwrap_or_else(|| {
        url.trim_start_matches(FIXTURE_BASE)
            .trim_start_matches("/wp-json/wc/v3")
            .to_owned()
    });
    let query = ordered_query(name);
    let url = h.url(&path);
    let params: Vec<(&str, &str)> = query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let full = match request["auth"].as_str() {
        Some("oauth") => {
            let (key, secret) = (twist.key.unwrap_or(KEY), twist.secret.unwrap_or(SECRET));
            with_query(
                &url,
                &sign(
                    method,
                    &url,
                    &params,
                    key,
                    secret,
                    chrono::Utc::now().timestamp(),
                ),
            )
        }
        _ => with_query(&url, &query),
    };
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut builder = h.http.request(method, full);
    if let Some(body) = twist.body.as_ref().or(request.get("json_body")) {
        builder = builder.json(body);
    }
    h.send(builder).await
}

/// The sim's `Link`/`Location` with the fixture's host and redactions.
fn normalize(value: &str, base: &str) -> String {
    let mut out = value.replace(base, FIXTURE_BASE);
    for name in [
        "oauth_consumer_key",
        "oauth_nonce",
        "oauth_timestamp",
        "oauth_signature",
    ] {
        let needle = format!("{name}=");
        let mut rebuilt = String::new();
        let mut rest = out.as_str();
        while let Some(at) = rest.find(&needle) {
            rebuilt.push_str(&rest[..at + needle.len()]);
            rebuilt.push_str("REDACTED");
            let tail = &rest[at + needle.len()..];
            let end = tail.find(['&', '>']).unwrap_or(tail.len());
            rest = &tail[end..];
        }
        rebuilt.push_str(rest);
        out = rebuilt;
    }
    out
}

fn digits_to_n(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            if !out.ends_with('N') {
                out.push('N');
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// How a header differs from the capture's, if it does.
fn header_diff(
    name: &str,
    fixture: Option<&str>,
    ours: Option<&str>,
    base: &str,
) -> Option<String> {
    let (f, o) = match (fixture, ours) {
        (None, None) => return None,
        (Some(_), None) => return Some(format!("header {name} missing")),
        (None, Some(v)) => return Some(format!("header {name} extra: {v}")),
        (Some(f), Some(o)) => (f, o),
    };
    let same = if EXACT.contains(&name) {
        f == o
    } else if name == "link" {
        normalize(o, base) == f
    } else if name == "location" {
        digits_to_n(&normalize(o, base)) == digits_to_n(f)
    } else {
        true
    };
    (!same).then(|| format!("header {name}: {:?} vs {f:?}", normalize(o, base)))
}

fn check(name: &str, capture: &Value, reply: &Reply, base: &str) -> Vec<String> {
    let mut diffs = Vec::new();
    let response = &capture["response"];
    let status = response["status"].as_u64().expect("status");
    if u64::from(reply.status) != status {
        diffs.push(format!(
            "status {} vs {status}: {}",
            reply.status, reply.text
        ));
        return diffs;
    }
    let theirs: Vec<(String, String)> = response["headers"]
        .as_array()
        .expect("headers")
        .iter()
        .map(|h| {
            (
                h[0].as_str().unwrap_or("").to_lowercase(),
                h[1].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let known = EXACT
        .iter()
        .chain(&["link", "location", "x-wp-total", "x-wp-totalpages"]);
    for name in known {
        let ours = reply.headers.get(*name).and_then(|v| v.to_str().ok());
        let fixture = theirs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str());
        diffs.extend(header_diff(name, fixture, ours, base));
    }
    if SAME_TOTALS.contains(&name) {
        for header in ["x-wp-total", "x-wp-totalpages"] {
            let fixture = theirs
                .iter()
                .find(|(n, _)| n == header)
                .map(|(_, v)| v.as_str());
            if fixture != Some(reply.header(header)) {
                diffs.push(format!("{header}: {} vs {fixture:?}", reply.header(header)));
            }
        }
    }
    let body = reply.json();
    if status >= 400 {
        if body != response["body"] {
            diffs.push(format!("error body {body} vs {}", response["body"]));
        }
    } else {
        shape_diff(&response["body"], &body, "body", &mut diffs);
    }
    diffs
}

#[tokio::test]
async fn every_capture_is_answered_alike() {
    let mut receiver = Receiver::start(200).await;
    let h = Harness::start(mirror()).await;
    assert!(h
        .sim
        .state()
        .set_meta(11, "origin", Some(Value::from("Brazil"))));
    let base = h.sim.base_url().to_owned();
    let mut failures = Vec::new();
    let mut created_product = 0;
    for name in REPLAYED {
        if NOT_REPLAYED_HERE.contains(&name) {
            continue;
        }
        if name == "product_update_linked_ids" {
            h.clock.advance(std::time::Duration::from_secs(10));
        }
        let capture = load(name);
        let mut twist = Twist::default();
        match name {
            "error_auth_bad_key" => twist.key = Some("ck_ffffffffffffffffffffffffffffffffffffffff"),
            "error_auth_bad_signature" => twist.secret = Some("cs_wrong"),
            "error_readonly_key_write" => h.sim.state().set_permission(KeyPermission::Read),
            "webhook_create" => {
                let mut body = capture["request"]["json_body"].clone();
                body["delivery_url"] = Value::from(receiver.url.clone());
                twist.body = Some(body);
            }
            "webhook_single" | "webhook_disabled_after_failures" => {
                twist.path = Some("/webhooks/1".into());
            }
            "product_create_simple" => {
                let mut body = capture["request"]["json_body"].clone();
                body["sku"] = Value::from("BEANS-1KG-2");
                twist.body = Some(body);
            }
            "product_delete_force" => twist.path = Some(format!("/products/{created_product}")),
            _ => {}
        }
        let reply = replay(&h, name, &capture, twist).await;
        h.sim.state().set_permission(KeyPermission::ReadWrite);
        if name == "product_create_simple" {
            created_product = reply.json()["id"]
                .as_u64()
                .unwrap_or_else(|| panic!("created id: {}", reply.text));
        }
        if name == "webhook_create" {
            let (_, ping) = receiver.next().await;
            assert_eq!(&ping[..], b"webhook_id=1");
        }
        for diff in check(name, &capture, &reply, &base) {
            failures.push(format!("{name}: {diff}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_capture_is_covered() {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .expect("fixtures directory")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".json").map(str::to_owned))
        .filter(|n| !n.starts_with("webhook_delivery_"))
        .collect();
    names.sort();
    let missing: Vec<&String> = names
        .iter()
        .filter(|n| !REPLAYED.contains(&n.as_str()))
        .collect();
    assert!(missing.is_empty(), "captures nobody replays: {missing:?}");
}
