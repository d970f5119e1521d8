//! Retries, pacing feedback and error typing.

use super::*;
use crate::platform::woocommerce::wire::WireProduct;

type Products = Vec<WireProduct>;

async fn fetch(client: &WooClient<ManualClock>) -> Result<Listing<Products>, WooError> {
    client
        .get::<Products>("products page", "/products", &[])
        .await
}

/// The retry policy of the 429 tests: waits come from the hints alone.
fn quick_retries(base_url: &str) -> ClientSettings {
    ClientSettings {
        retry: RetryPolicy {
            max_attempts: 3,
            base: Duration::from_millis(10),
            max_delay: Duration::from_millis(100),
        },
        ..settings(base_url)
    }
}

#[tokio::test]
async fn server_errors_are_retried_until_success() {
    let stub = Stub::start(vec![
        Reply::html(500, "<h1>Internal Server Error</h1>"),
        Reply::error(502, "bad_gateway", "upstream"),
        Reply::html(503, "maintenance").header("Retry-After", "2"),
        Reply::json(200, &products(&[11])),
    ])
    .await;
    let (client, clock) = connect(settings(&stub.url));
    let listing = fetch(&client).await.expect("page");
    assert_eq!(listing.body.len(), 1);
    let stats = client.clone().stats();
    assert_eq!((stats.requests, stats.retries), (4, 3));
    assert_eq!(
        (stats.server_errors, stats.unavailable, stats.rate_limited),
        (2, 1, 0)
    );
    assert_eq!(stats.rate_cuts, 1, "a 503 slows us down");
    assert!(
        clock.elapsed() >= Duration::from_secs(2),
        "Retry-After honoured"
    );
}

#[tokio::test]
async fn a_long_maintenance_is_not_waited_out_for_ever() {
    let stub = Stub::start(vec![Reply::html(
        503,
        "Briefly unavailable for scheduled maintenance.",
    )
    .header("Retry-After", "600")])
    .await;
    let (client, clock) = connect(settings(&stub.url));
    let error = fetch(&client).await.expect_err("still in maintenance");
    assert!(
        matches!(
            error,
            WooError::Http {
                status: 503,
                attempts: 2,
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(
        clock.elapsed(),
        Duration::from_secs(600),
        "one wait as told, not four"
    );
}

#[tokio::test]
async fn a_429_is_waited_out_as_told_and_cuts_the_rate() {
    let stub = Stub::start(vec![
        Reply::error(429, "too_many", "slow down").header("Retry-After", "7"),
        Reply::json(200, &products(&[11])),
    ])
    .await;
    let (client, clock) = connect(ClientSettings {
        pacing: PacingSettings::default(),
        ..settings(&stub.url)
    });
    fetch(&client).await.expect("page");
    assert!(
        clock.elapsed() >= Duration::from_secs(7),
        "{:?}",
        clock.elapsed()
    );
    let stats = client.stats();
    assert_eq!(
        (stats.requests, stats.rate_limited, stats.rate_cuts),
        (2, 1, 1)
    );
    assert!(stats.current_rate < stats.configured_rate, "{stats:?}");
    assert!((stats.configured_rate - 5.0).abs() < 1e-9);
}

#[tokio::test]
async fn a_429_storm_slows_us_down_without_losing_the_page() {
    let mut replies = vec![Reply::html(429, "Too Many Requests").header("Retry-After", "1"); 20];
    replies.push(Reply::json(200, &products(&[11])));
    let stub = Stub::start(replies).await;
    let (client, clock) = connect(quick_retries(&stub.url));
    fetch(&client)
        .await
        .expect("20 429s in a row are tolerated");
    assert_eq!(client.stats().requests, 21);
    assert!(clock.elapsed() >= Duration::from_secs(20));
}

#[tokio::test]
async fn a_429_storm_past_the_budget_is_rate_limited() {
    let stub = Stub::start(vec![
        Reply::error(429, "too_many", "no").header("Retry-After", "1")
    ])
    .await;
    let (client, _) = connect(quick_retries(&stub.url));
    let error = fetch(&client).await.expect_err("budget spent");
    let WooError::RateLimited {
        attempts, waited, ..
    } = error
    else {
        panic!("expected RateLimited, got {error}");
    };
    assert_eq!(attempts, 21);
    assert!(waited >= Duration::from_secs(20));
    assert_eq!(client.stats().rate_limited, 21);
}

#[tokio::test]
async fn refused_credentials_are_not_retried_and_name_no_secret() {
    let stub = Stub::start(vec![Reply::error(
        401,
        "woocommerce_rest_authentication_error",
        "Consumer secret is invalid.",
    )])
    .await;
    let (client, _) = connect(settings(&stub.url));
    let error = fetch(&client).await.expect_err("refused");
    assert!(matches!(&error, WooError::Unauthorized { status: 401, .. }));
    assert!(error.is_access_problem());
    assert_eq!(stub.seen().len(), 1);
    let text = format!("{error} {error:?}");
    assert!(text.contains("consumer_secret"), "hint: {text}");
    assert!(
        !text.contains(SECRET) && !text.contains(KEY) && !text.contains("oauth_"),
        "{text}"
    );
}

#[tokio::test]
async fn invalid_parameters_are_an_api_error_with_the_params() {
    let body = serde_json::json!({
        "code": "rest_invalid_param",
        "message": "Invalid parameter(s): per_page",
        "data": {"status": 400,
            "params": {"per_page": "per_page must be between 1 (inclusive) and 100 (inclusive)"},
            "details": {"per_page": {"code": "rest_out_of_bounds", "message": "…", "data": null}}}
    });
    let stub = Stub::start(vec![Reply::json(400, &body)]).await;
    let (client, _) = connect(settings(&stub.url));
    let error = fetch(&client).await.expect_err("refused");
    let WooError::Api {
        status,
        code,
        params,
        attempts,
        ..
    } = &error
    else {
        panic!("expected Api, got {error}");
    };
    assert_eq!(
        (*status, code.as_str(), *attempts),
        (400, "rest_invalid_param", 1)
    );
    assert!(params
        .as_deref()
        .is_some_and(|p| p.starts_with("per_page: per_page must be")));
    assert_eq!(stub.seen().len(), 1);
}

#[tokio::test]
async fn an_html_404_means_no_pretty_permalinks_and_a_json_404_is_an_api_error() {
    let stub = Stub::start(vec![Reply::html(
        404,
        "<html><body>Not Found</body></html>",
    )])
    .await;
    let (client, _) = connect(settings(&stub.url));
    let error = fetch(&client).await.expect_err("not routed");
    assert!(
        matches!(error, WooError::NoPrettyPermalinks { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("Settings → Permalinks"));
    assert_eq!(stub.seen().len(), 1);
    let stub = Stub::start(vec![Reply::error(
        404,
        "woocommerce_rest_product_invalid_id",
        "Invalid ID.",
    )])
    .await;
    let (client, _) = connect(settings(&stub.url));
    let error = client
        .get::<WireProduct>("product", "/products/999999", &[])
        .await
        .expect_err("unknown id");
    assert!(
        matches!(&error, WooError::Api { status: 404, code, .. } if code == "woocommerce_rest_product_invalid_id")
    );
    assert!(!error.is_access_problem());
}

#[tokio::test]
async fn truncated_json_and_html_200s_are_retried() {
    let stub = Stub::start(vec![
        Reply::raw(200, "application/json", r#"[{"id": 11, "name": "Gri"#),
        Reply::html(200, "<html>Checking your browser…</html>"),
        Reply::json(200, &products(&[11])),
    ])
    .await;
    let (client, _) = connect(settings(&stub.url));
    assert_eq!(fetch(&client).await.expect("page").body.len(), 1);
    assert_eq!(client.stats().retries, 2);
}

#[tokio::test]
async fn the_wrong_shape_is_tried_once_more_then_named() {
    let stub = Stub::start(vec![Reply::json(
        200,
        &serde_json::json!([{"id": 11}, {"id": "twelve"}]),
    )])
    .await;
    let (client, _) = connect(settings(&stub.url));
    let error = fetch(&client).await.expect_err("misfit");
    let WooError::Malformed {
        attempts, reason, ..
    } = &error
    else {
        panic!("expected Malformed, got {error}");
    };
    assert_eq!(*attempts, 2);
    assert!(reason.contains("[1].id"), "{reason}");
    assert_eq!(stub.seen().len(), 2);
}

#[tokio::test]
async fn timeouts_are_retried() {
    let stub = Stub::start(vec![
        Reply::json(200, &products(&[11])).delayed(Duration::from_millis(200)),
        Reply::json(200, &products(&[11])),
    ])
    .await;
    let (client, _) = connect(ClientSettings {
        timeout: Duration::from_millis(60),
        ..settings(&stub.url)
    });
    let started = std::time::Instant::now();
    fetch(&client).await.expect("second try");
    assert!(started.elapsed() < Duration::from_millis(300));
    assert_eq!((client.stats().requests, client.stats().retries), (2, 1));
}

#[tokio::test]
async fn network_failures_name_neither_url_nor_credentials() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    drop(listener);
    let (client, _) = connect(ClientSettings {
        retry: RetryPolicy {
            max_attempts: 2,
            ..RetryPolicy::default()
        },
        ..settings(&url)
    });
    let error = fetch(&client).await.expect_err("nothing listens");
    assert!(
        matches!(error, WooError::Network { attempts: 2, .. }),
        "{error}"
    );
    let text = format!("{error} {error:?}");
    assert!(
        !text.contains(KEY) && !text.contains("oauth_") && !text.contains("wp-json"),
        "{text}"
    );
}

#[tokio::test]
async fn an_error_page_echoing_the_key_is_redacted() {
    let page =
        format!("<h1>Blocked</h1> /wp-json/wc/v3/products?oauth_consumer_key={KEY}&x={SECRET}");
    let stub = Stub::start(vec![Reply::html(418, &page)]).await;
    let (client, _) = connect(settings(&stub.url));
    let error = fetch(&client).await.expect_err("blocked");
    let text = format!("{error} {error:?}");
    assert!(
        matches!(
            error,
            WooError::Http {
                status: 418,
                attempts: 1,
                ..
            }
        ),
        "{text}"
    );
    assert!(
        !text.contains(KEY) && !text.contains(SECRET) && text.contains("<redacted>"),
        "{text}"
    );
}

#[tokio::test]
async fn redirects_are_reported_not_followed() {
    let location = "https://www.shop.example/wp-json/wc/v3/products?oauth_signature=abc";
    let stub = Stub::start(vec![Reply::html(301, "moved").header("Location", location)]).await;
    let (client, _) = connect(settings(&stub.url));
    let error = fetch(&client).await.expect_err("redirected");
    let text = error.to_string();
    assert!(
        error.is_access_problem() && error.status() == Some(301),
        "{text}"
    );
    assert!(
        text.contains("https://www.shop.example/wp-json/wc/v3/products"),
        "{text}"
    );
    assert!(!text.contains("oauth_signature"), "{text}");
    assert_eq!(stub.seen().len(), 1);
}
