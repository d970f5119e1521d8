//! The leaky bucket and the cost limit, on a manual clock.

use std::time::Duration;

use serde_json::json;

use super::{small, Harness, PRODUCTS, PRODUCT_IDS};

#[tokio::test]
async fn every_answer_reports_cost_and_refunds_the_unused_part() {
    let h = Harness::start(small().with_bucket(600.0, 100.0)).await;
    let answer = h.gql(PRODUCTS, json!({})).await;
    let cost = &answer["extensions"]["cost"];
    assert_eq!(cost["requestedQueryCost"], 323);
    let products = answer["data"]["products"]["nodes"].as_array().unwrap();
    let variants: usize = products
        .iter()
        .map(|p| p["variants"]["nodes"].as_array().unwrap().len())
        .sum();
    // Media, preview and image cost one each where the product has an image.
    let images = products
        .iter()
        .filter(|p| !p["featuredMedia"].is_null())
        .count();
    let actual = 2 + 1 + products.iter().len() * 4 + variants + 3 * images;
    assert_eq!(cost["actualQueryCost"], actual);
    assert_eq!(cost["throttleStatus"]["maximumAvailable"], 600.0);
    assert_eq!(cost["throttleStatus"]["restoreRate"], 100.0);
    assert_eq!(cost["throttleStatus"]["currentlyAvailable"], 600 - actual);
    assert_eq!(h.sim.state().counters().points_consumed, actual as u64);
}

#[tokio::test]
async fn an_empty_bucket_answers_throttled_until_the_clock_refills_it() {
    let h = Harness::start(small().with_bucket(600.0, 100.0)).await;
    let mut available = 600;
    loop {
        let answer = h.gql(PRODUCT_IDS, json!({})).await;
        if answer.get("data").is_none() {
            assert_eq!(
                answer,
                json!({
                    "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED",
                        "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
                    "extensions": {"cost": {"requestedQueryCost": 253, "actualQueryCost": null,
                        "throttleStatus": {"maximumAvailable": 600.0, "currentlyAvailable": available,
                        "restoreRate": 100.0}}}
                })
            );
            break;
        }
        available = answer["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"]
            .as_i64()
            .unwrap();
    }
    assert!(available < 253);
    assert_eq!(h.sim.state().counters().throttled, 1);
    let wait = (253 - available) as f64 / 100.0;
    h.clock.advance(Duration::from_secs_f64(wait));
    let answer = h.gql(PRODUCT_IDS, json!({})).await;
    assert!(answer["data"]["products"]["nodes"].is_array(), "{answer}");
}

#[tokio::test]
async fn a_query_above_1000_points_is_refused_without_touching_the_bucket() {
    let h = Harness::small().await;
    let answer = h.gql(PRODUCTS, json!({"first": 250})).await;
    let error = &answer["errors"][0];
    assert_eq!(error["extensions"]["code"], "MAX_COST_EXCEEDED");
    assert_eq!(error["extensions"]["cost"], 8003);
    assert_eq!(error["extensions"]["maxCost"], 1000);
    assert!(error["message"]
        .as_str()
        .unwrap()
        .starts_with("Query cost is 8003, which exceeds the single query max cost limit (1000)."));
    assert!(answer.get("data").is_none());
    assert_eq!(
        answer["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"],
        2000
    );
    assert_eq!(h.sim.state().counters().max_cost_exceeded, 1);
}

#[tokio::test]
async fn mutations_cost_ten_each() {
    let h = Harness::small().await;
    let answer = h
        .gql(super::METAFIELDS_DELETE, json!({"metafields": []}))
        .await;
    assert_eq!(answer["extensions"]["cost"]["requestedQueryCost"], 10);
    assert_eq!(answer["extensions"]["cost"]["actualQueryCost"], 10);
    assert_eq!(
        answer["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"],
        1990
    );
}
