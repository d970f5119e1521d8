//! URLs, queries and authentication.

use super::*;
use crate::platform::woocommerce::wire::{WireBatch, WireProduct};

#[tokio::test]
async fn urls_queries_and_totals() {
    let page = Reply::json(200, &products(&[11, 12]))
        .header("X-WP-Total", "3")
        .header("X-WP-TotalPages", "2")
        .header(
            "Link",
            "<http://elsewhere/?oauth_signature=x>; rel=\"next\"",
        );
    let stub = Stub::start(vec![page]).await;
    // A trailing slash on the site root is tolerated.
    let (client, _) = connect(settings(&format!("{}/", stub.url)));
    let query = [
        ("per_page", "2".to_owned()),
        ("include", comma_list([11, 12, 13])),
        ("search", "a b&c+d/é".to_owned()),
        ("_fields", "id,name".to_owned()),
    ];
    let listing = client
        .get::<Vec<WireProduct>>("products page", "/products", &query)
        .await
        .expect("page");
    assert_eq!(
        listing.body.iter().map(|p| p.id).collect::<Vec<_>>(),
        [11, 12]
    );
    assert_eq!((listing.total, listing.total_pages), (Some(3), Some(2)));
    let seen = stub.seen();
    assert_eq!(seen.len(), 1, "the Link header is never followed");
    assert_eq!(seen[0].method, "GET");
    assert_eq!(seen[0].path, "/wp-json/wc/v3/products");
    assert_eq!(seen[0].param("include"), Some("11,12,13"));
    assert_eq!(seen[0].param("search"), Some("a b&c+d/é"));
    assert_eq!(seen[0].param("_fields"), Some("id,name"));
}

#[tokio::test]
async fn oauth_over_http_signs_every_parameter_as_the_store_checks() {
    let stub = Stub::start(vec![Reply::json(200, &products(&[11]))]).await;
    let (client, _) = connect(settings(&stub.url));
    assert_eq!(client.auth_method(), AuthMethod::OAuth1);
    let query = [
        ("modified_after", "2026-11-21T16:36:30".to_owned()),
        ("dates_are_gmt", "true".to_owned()),
        ("search", "50% off * ~tea~ (new)!".to_owned()),
    ];
    client
        .get::<Vec<WireProduct>>("products page", "/products", &query)
        .await
        .expect("page");
    let seen = &stub.seen()[0];
    assert_eq!(
        seen.authorization, None,
        "OAuth goes in the query, never Basic"
    );
    assert_signed(seen, &format!("{}/wp-json/wc/v3/products", stub.url));
}

#[tokio::test]
async fn every_retry_is_signed_afresh() {
    let stub = Stub::start(vec![
        Reply::error(500, "internal", "boom"),
        Reply::json(200, &products(&[11])),
    ])
    .await;
    let (client, _) = connect(settings(&stub.url));
    client
        .get::<Vec<WireProduct>>("products page", "/products", &[])
        .await
        .expect("page");
    let seen = stub.seen();
    assert_eq!(seen.len(), 2);
    let base_uri = format!("{}/wp-json/wc/v3/products", stub.url);
    for request in &seen {
        assert_signed(request, &base_uri);
    }
    assert_ne!(seen[0].param("oauth_nonce"), seen[1].param("oauth_nonce"));
}

#[tokio::test]
async fn post_sends_json_and_signs_only_the_query() {
    let answer = serde_json::json!({"update": [{"id": 11, "upsell_ids": [12]}]});
    let stub = Stub::start(vec![Reply::json(200, &answer)]).await;
    let (client, _) = connect(settings(&stub.url));
    let body = serde_json::json!({"update": [{"id": 11, "upsell_ids": [12]}]});
    let batch: WireBatch<WireProduct> = client
        .post("products batch", "/products/batch", &body)
        .await
        .expect("batch");
    assert_eq!(batch.update.len(), 1);
    let seen = &stub.seen()[0];
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.content_type.as_deref(), Some("application/json"));
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&seen.body).ok(),
        Some(body)
    );
    assert_signed(seen, &format!("{}/wp-json/wc/v3/products/batch", stub.url));
}

#[tokio::test]
async fn basic_auth_sends_the_header_and_no_oauth_parameters() {
    use base64::Engine as _;
    let stub = Stub::start(vec![Reply::json(200, &products(&[]))]).await;
    let (client, _) = connect(ClientSettings {
        auth: WooAuth::Basic,
        ..settings(&stub.url)
    });
    assert_eq!(client.auth_method(), AuthMethod::Basic);
    client
        .get::<Vec<WireProduct>>("products page", "/products", &[("page", "1".to_owned())])
        .await
        .expect("page");
    let seen = &stub.seen()[0];
    let expected = base64::engine::general_purpose::STANDARD.encode(format!("{KEY}:{SECRET}"));
    assert_eq!(seen.authorization, Some(format!("Basic {expected}")));
    assert!(seen.query.iter().all(|(k, _)| !k.starts_with("oauth_")));
    assert_eq!(seen.param("page"), Some("1"));
}

#[test]
fn auto_resolves_by_scheme() {
    let (https, _) = connect(settings("https://shop.example"));
    assert_eq!(https.auth_method(), AuthMethod::Basic);
    let (http, _) = connect(settings("http://shop.example"));
    assert_eq!(http.auth_method(), AuthMethod::OAuth1);
    let (forced, _) = connect(ClientSettings {
        auth: WooAuth::OAuth1,
        ..settings("https://shop.example/store")
    });
    assert_eq!(forced.auth_method(), AuthMethod::OAuth1);
}

fn refused(settings: ClientSettings) -> String {
    let clock = ManualClock::new();
    match WooClient::new(settings, Arc::new(clock.clone()), clock) {
        Err(error @ WooError::Config { .. }) => {
            let text = format!("{error} {error:?}");
            assert!(!text.contains(SECRET) && !text.contains(KEY), "{text}");
            text
        }
        Err(other) => panic!("expected Config, got {other}"),
        Ok(_) => panic!("expected Config"),
    }
}

#[test]
fn settings_that_cannot_work_are_refused_with_advice() {
    let basic = |url: &str| ClientSettings {
        auth: WooAuth::Basic,
        ..settings(url)
    };
    assert!(refused(basic("http://shop.example")).contains("oauth1"));
    for loopback in [
        "http://localhost:8080",
        "http://127.0.0.1",
        "http://[::1]:81",
    ] {
        let clock = ManualClock::new();
        assert!(WooClient::new(basic(loopback), Arc::new(clock.clone()), clock).is_ok());
    }
    let rest_route = refused(settings("https://shop.example/?rest_route=/wc/v3"));
    assert!(
        rest_route.contains("pretty permalinks") && rest_route.contains("Settings → Permalinks")
    );
    assert!(refused(settings("https://shop.example/wp-json/wc/v3")).contains("site root"));
    assert!(refused(settings("shop.example")).contains("absolute URL"));
    assert!(refused(settings("ftp://shop.example")).contains("http"));
    assert!(
        refused(settings(&format!("https://{KEY}:{SECRET}@shop.example"))).contains("password")
    );
    let no_rate = ClientSettings {
        pacing: PacingSettings {
            requests_per_second: 0.0,
            ..PacingSettings::default()
        },
        ..settings("https://shop.example")
    };
    assert!(refused(no_rate).contains("requests_per_second"));
    let bad_ca = ClientSettings {
        root_certificate_pem: Some(b"not a certificate".to_vec()),
        ..settings("https://shop.example")
    };
    assert!(refused(bad_ca).contains("root_certificate_pem"));
}

#[tokio::test]
async fn paths_and_parameter_names_are_checked_before_sending() {
    let stub = Stub::start(vec![Reply::json(200, &products(&[]))]).await;
    let (client, _) = connect(settings(&stub.url));
    let query_in_path = client
        .get::<serde_json::Value>("x", "/products?page=2", &[])
        .await;
    assert!(matches!(query_in_path, Err(WooError::Config { .. })));
    let php_array = client
        .get::<serde_json::Value>("x", "/products", &[("include[]", "1".to_owned())])
        .await;
    assert!(
        matches!(php_array, Err(WooError::Config { reason }) if reason.contains("comma-separated"))
    );
    assert!(stub.seen().is_empty());
}
