//! Authentication and API versions.

use reqwest::StatusCode;
use serde_json::{json, Value};

use super::{small, Harness, SHOP_INFO, TOKEN};

async fn post(h: &Harness, version: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = h
        .http
        .post(h.sim.graphql_url(version))
        .json(&json!({"query": SHOP_INFO}));
    if let Some(token) = token {
        request = request.header("X-Shopify-Access-Token", token);
    }
    request.send().await.expect("sent")
}

#[tokio::test]
async fn a_wrong_or_missing_token_gets_401_with_shopifys_body() {
    let h = Harness::small().await;
    for token in [Some("shpat_wrong"), None] {
        let response = post(&h, "2026-10", token).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body,
            json!({"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"})
        );
    }
    assert_eq!(h.sim.state().counters().unauthorized, 2);
    assert_eq!(h.sim.state().counters().points_consumed, 0);
}

#[tokio::test]
async fn the_right_token_reads_the_shop() {
    let h = Harness::small().await;
    let response = post(&h, "2026-10", Some(TOKEN)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["shop"]["currencyCode"], "USD");
    assert_eq!(
        body["data"]["shop"]["myshopifyDomain"],
        "simulated-shop.myshopify.com"
    );
    assert_eq!(body["extensions"]["cost"]["requestedQueryCost"], 1);
}

#[tokio::test]
async fn supported_versions_are_echoed_and_others_fall_forward() {
    let h = Harness::small().await;
    let header = |r: &reqwest::Response| {
        r.headers()["x-shopify-api-version"]
            .to_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(header(&post(&h, "2026-07", Some(TOKEN)).await), "2026-07");
    assert_eq!(header(&post(&h, "2025-04", Some(TOKEN)).await), "2026-01");
    let mut config = small();
    config.answer_version = Some("2026-04".to_owned());
    let forced = Harness::start(config).await;
    assert_eq!(
        header(&post(&forced, "2026-10", Some(TOKEN)).await),
        "2026-04"
    );
}

#[tokio::test]
async fn bodies_that_are_not_graphql_requests_get_400() {
    let h = Harness::small().await;
    for body in ["not json", "{}", "{\"query\": 5}"] {
        let response = h
            .http
            .post(h.sim.graphql_url("2026-10"))
            .header("X-Shopify-Access-Token", TOKEN)
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
        let answer: Value = response.json().await.unwrap();
        assert_eq!(
            answer["errors"]["query"],
            "Required parameter missing or invalid"
        );
    }
}
