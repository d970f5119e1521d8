//! Authentication as WooCommerce checks it: OAuth 1.0a (query or header, SHA1 or
//! SHA256) with bad keys, signatures, stale timestamps and replayed nonces refused;
//! Basic and query keys over HTTPS only; read-only keys; `?rest_route=` and plain
//! permalinks never authenticated.

use std::num::NonZeroU64;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use oauth1_request as oauth;
use serde_json::json;

use super::fixtures::load;
use super::{nonce, sign, small, with_query, Harness, KEY, SECRET};
use crate::sim::woocommerce::KeyPermission;

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[tokio::test]
async fn oauth_in_the_query_with_sha256_is_accepted() {
    let h = Harness::small().await;
    let reply = h.get("/products", &[("per_page", "2")]).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json().as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn oauth_signed_by_an_independent_library_is_accepted_in_header_and_query() {
    let h = Harness::small().await;
    let url = h.url("/products");
    let params = oauth::ParameterList::new([("per_page", "3"), ("orderby", "id")]);
    let builder =
        oauth::Builder::<_, _>::new(oauth::Credentials::new(KEY, SECRET), oauth::HMAC_SHA1);
    let header = builder.get(&url, &params);
    let request = h
        .http
        .get(format!("{url}?per_page=3&orderby=id"))
        .header("Authorization", header);
    let reply = h.send(request).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let form = builder.to_form("GET", &url, &params);
    // The form holds only the protocol parameters; the request's own go first.
    let reply = h
        .send(h.http.get(format!("{url}?per_page=3&orderby=id&{form}")))
        .await;
    assert_eq!(reply.status, 200, "{form} {}", reply.text);
}

#[tokio::test]
async fn bad_keys_signatures_timestamps_and_replays_are_refused() {
    let h = Harness::small().await;
    let url = h.url("/products");
    let cases = [
        (
            sign("GET", &url, &[], "ck_unknown", SECRET, now()),
            "Consumer key is invalid.",
        ),
        (
            sign("GET", &url, &[], KEY, "cs_wrong", now()),
            "Invalid signature - provided signature does not match.",
        ),
        (
            sign("GET", &url, &[], KEY, SECRET, now() - 16 * 60),
            "Invalid timestamp.",
        ),
        (
            sign("POST", &url, &[], KEY, SECRET, now()),
            "Invalid signature - provided signature does not match.",
        ),
    ];
    for (params, message) in cases {
        let reply = h.send(h.http.get(with_query(&url, &params))).await;
        assert_eq!(reply.status, 401, "{message}");
        assert_eq!(
            reply.json()["code"],
            "woocommerce_rest_authentication_error"
        );
        assert_eq!(reply.json()["message"], message);
        assert_eq!(reply.header("vary"), "Origin");
    }
    let signed = with_query(&url, &sign("GET", &url, &[], KEY, SECRET, now()));
    assert_eq!(h.send(h.http.get(&signed)).await.status, 200);
    let replay = h.send(h.http.get(&signed)).await;
    assert_eq!(replay.status, 401);
    assert_eq!(
        replay.json()["message"],
        "Invalid nonce - nonce has already been used."
    );
    assert_eq!(h.sim.state().counters().unauthorized, 5);
}

#[tokio::test]
async fn partial_oauth_parameters_are_named() {
    let h = Harness::small().await;
    let url = format!(
        "{}?oauth_consumer_key={KEY}&oauth_nonce={}",
        h.url("/products"),
        nonce()
    );
    let reply = h.send(h.http.get(url)).await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.json()["code"],
        "woocommerce_rest_authentication_missing_parameter"
    );
    assert_eq!(
        reply.json()["message"],
        "Missing OAuth parameters oauth_timestamp, oauth_signature, oauth_signature_method"
    );
}

#[tokio::test]
async fn the_signature_covers_the_path_and_query_but_not_the_body() {
    let h = Harness::small().await;
    let id = h.sim.state().products()[0].id;
    let url = h.url(&format!("/products/{id}"));
    let signed = with_query(&url, &sign("PUT", &url, &[], KEY, SECRET, now()));
    let body = json!({"upsell_ids": [1, 2]});
    let reply = h.send(h.http.put(&signed).json(&body)).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let other = h.url("/products/1");
    let wrong = with_query(&other, &sign("PUT", &url, &[], KEY, SECRET, now()));
    assert_eq!(h.send(h.http.put(&wrong).json(&body)).await.status, 401);
}

#[tokio::test]
async fn anonymous_requests_cannot_list() {
    let h = Harness::small().await;
    let reply = h.send(h.http.get(h.url("/products"))).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json(), load("error_no_auth")["response"]["body"]);
    let id = h.sim.state().products()[0].id;
    let reply = h
        .send(
            h.http
                .put(h.url(&format!("/products/{id}")))
                .json(&json!({})),
        )
        .await;
    assert_eq!(reply.json()["code"], "woocommerce_rest_cannot_edit");
    let missing = h.send(h.http.get(h.url("/products/999999"))).await;
    assert_eq!(
        missing.status, 404,
        "a missing id is looked up before permissions"
    );
}

#[tokio::test]
async fn basic_auth_is_ignored_over_plain_http() {
    let h = Harness::small().await;
    let reply = h
        .send(h.http.get(h.url("/products")).basic_auth(KEY, Some(SECRET)))
        .await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json()["code"], "woocommerce_rest_cannot_view");
    let url = format!(
        "{}?consumer_key={KEY}&consumer_secret={SECRET}",
        h.url("/products")
    );
    assert_eq!(h.send(h.http.get(url)).await.status, 401);
}

#[tokio::test]
async fn basic_auth_and_query_keys_work_over_https() {
    let h = Harness::start(small().with_tls(true)).await;
    assert!(h.sim.base_url().starts_with("https://127.0.0.1:"));
    let reply = h
        .send(h.http.get(h.url("/products")).basic_auth(KEY, Some(SECRET)))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let url = format!(
        "{}?consumer_key={KEY}&consumer_secret={SECRET}",
        h.url("/products")
    );
    assert_eq!(h.send(h.http.get(url)).await.status, 200);
    let wrong = h
        .send(
            h.http
                .get(h.url("/products"))
                .basic_auth(KEY, Some("cs_nope")),
        )
        .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(
        wrong.json(),
        load("error_auth_basic_wrong_secret")["response"]["body"]
    );
    let unknown = h
        .send(
            h.http
                .get(h.url("/products"))
                .basic_auth("ck_other", Some(SECRET)),
        )
        .await;
    assert_eq!(
        unknown.json()["code"],
        "woocommerce_rest_cannot_view",
        "falls through to OAuth"
    );
    let oauth = h.get("/products", &[]).await;
    assert_eq!(
        oauth.status, 200,
        "OAuth works over https too: {}",
        oauth.text
    );
    let localhost = h.url("/products").replace("127.0.0.1", "localhost");
    let header = format!("Basic {}", STANDARD.encode(format!("{KEY}:{SECRET}")));
    let reply = h
        .send(h.http.get(localhost).header("Authorization", header))
        .await;
    assert_eq!(reply.status, 200, "the certificate is valid for localhost");
}

#[tokio::test]
async fn a_read_only_key_cannot_write() {
    let h = Harness::start(small().with_permission(KeyPermission::Read)).await;
    assert_eq!(h.get("/products", &[]).await.status, 200);
    let id = h.sim.state().products()[0].id;
    let before = h.sim.state().product(id);
    let reply = h
        .put(&format!("/products/{id}"), &json!({"name": "nope"}))
        .await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.json(),
        load("error_readonly_key_write")["response"]["body"]
    );
    assert_eq!(h.sim.state().product(id), before);
}

#[tokio::test]
async fn rest_route_requests_are_never_authenticated() {
    let h = Harness::small().await;
    let root = format!("{}/", h.sim.base_url());
    let params = [("rest_route", "/wc/v3/products")];
    let signed = with_query(&root, &sign("GET", &root, &params, KEY, SECRET, now()));
    let reply = h.send(h.http.get(signed)).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json()["code"], "woocommerce_rest_cannot_view");
}

#[tokio::test]
async fn without_pretty_permalinks_wp_json_is_a_page_not_found() {
    let h = Harness::start(small().with_pretty_permalinks(false)).await;
    let reply = h.get("/products", &[]).await;
    assert_eq!(reply.status, 404);
    assert!(reply.header("content-type").starts_with("text/html"));
    assert!(reply.text.contains("Page not found"));
    let url = format!("{}/?rest_route=/wc/v3/products", h.sim.base_url());
    let reply = h.send(h.http.get(url).basic_auth(KEY, Some(SECRET))).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json()["code"], "woocommerce_rest_cannot_view");
}

#[tokio::test]
async fn a_fixed_timestamp_and_nonce_sign_deterministically() {
    // The independent signer with a pinned nonce: the same request twice is a replay.
    let h = Harness::small().await;
    let url = h.url("/orders");
    let mut builder =
        oauth::Builder::<_, _>::new(oauth::Credentials::new(KEY, SECRET), oauth::HMAC_SHA1);
    let fixed = nonce();
    builder
        .nonce(fixed.as_str())
        .timestamp(NonZeroU64::new(now().unsigned_abs()));
    let first = builder.get_query(url.clone(), &());
    assert_eq!(h.send(h.http.get(&first)).await.status, 200);
    let again = builder.get_query(url, &());
    assert_eq!(h.send(h.http.get(&again)).await.status, 401);
}
