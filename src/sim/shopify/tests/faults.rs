//! Each fault kind, and that faulted requests change nothing.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use super::super::Fault;
use super::{Harness, METAFIELDS_SET, SHOP_INFO, TOKEN, VERSION};

async fn send(
    h: &Harness,
    query: &str,
    variables: Value,
) -> Result<(StatusCode, reqwest::header::HeaderMap, String), reqwest::Error> {
    let response = h
        .http
        .post(h.sim.graphql_url(VERSION))
        .header("X-Shopify-Access-Token", TOKEN)
        .json(&json!({"query": query, "variables": variables}))
        .send()
        .await?;
    let status = response.status();
    let headers = response.headers().clone();
    Ok((status, headers, response.text().await?))
}

fn write_vars(h: &Harness) -> Value {
    let ids: Vec<String> = h
        .sim
        .state()
        .products()
        .into_iter()
        .take(2)
        .map(|p| p.gid)
        .collect();
    json!({"metafields": [{"ownerId": ids[0], "namespace": "upsell_sync", "key": "cross_sell",
        "type": "list.product_reference", "value": json!([ids[1]]).to_string()}]})
}

fn first_product(h: &Harness) -> String {
    h.sim.state().products()[0].gid.clone()
}

#[tokio::test]
async fn server_errors_answer_their_status_and_execute_nothing() {
    let h = Harness::small().await;
    for code in [500, 502, 503] {
        h.sim.state().push_fault(Fault::Status(code));
        let (status, _, body) = send(&h, METAFIELDS_SET, write_vars(&h)).await.unwrap();
        assert_eq!(status.as_u16(), code);
        if code == 500 {
            let body: Value = serde_json::from_str(&body).unwrap();
            assert_eq!(
                body["errors"][0]["extensions"]["code"],
                "INTERNAL_SERVER_ERROR"
            );
        }
    }
    assert!(h.sim.state().metafields(&first_product(&h)).is_empty());
    assert_eq!(h.sim.state().counters().faults_injected, 3);
    let (status, _, _) = send(&h, METAFIELDS_SET, write_vars(&h)).await.unwrap();
    assert_eq!(status, StatusCode::OK, "the queue is used up");
    assert_eq!(h.sim.state().metafields(&first_product(&h)).len(), 1);
}

#[tokio::test]
async fn a_resource_throttle_answers_429_with_retry_after() {
    let h = Harness::small().await;
    h.sim.state().push_fault(Fault::TooManyRequests {
        retry_after_secs: 1,
    });
    let (status, headers, _) = send(&h, SHOP_INFO, json!({})).await.unwrap();
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(headers["retry-after"], "1");
}

#[tokio::test]
async fn a_slow_answer_trips_the_client_timeout() {
    let h = Harness::small().await;
    h.sim
        .state()
        .push_fault(Fault::Slow(Duration::from_secs(2)));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let error = client
        .post(h.sim.graphql_url(VERSION))
        .header("X-Shopify-Access-Token", TOKEN)
        .json(&json!({"query": METAFIELDS_SET, "variables": write_vars(&h)}))
        .send()
        .await
        .expect_err("times out");
    assert!(error.is_timeout());
    assert!(h.sim.state().metafields(&first_product(&h)).is_empty());
    h.sim
        .state()
        .push_fault(Fault::Delay(Duration::from_millis(20)));
    let (status, _, _) = send(&h, SHOP_INFO, json!({})).await.unwrap();
    assert_eq!(status, StatusCode::OK, "a delay still answers");
}

#[tokio::test]
async fn broken_connections_are_transport_errors() {
    let h = Harness::small().await;
    for fault in [Fault::CloseConnection, Fault::ResetMidBody] {
        h.sim.state().push_fault(fault.clone());
        let outcome = send(&h, METAFIELDS_SET, write_vars(&h)).await;
        assert!(outcome.is_err(), "{fault:?}: {outcome:?}");
    }
    assert!(h.sim.state().metafields(&first_product(&h)).is_empty());
}

#[tokio::test]
async fn a_drop_after_execute_changes_state_but_never_answers() {
    let h = Harness::small().await;
    h.sim.state().push_fault(Fault::DropAfterExecute);
    assert!(send(&h, METAFIELDS_SET, write_vars(&h)).await.is_err());
    assert_eq!(h.sim.state().metafields(&first_product(&h)).len(), 1);
}

#[tokio::test]
async fn malformed_json_arrives_with_status_200() {
    let h = Harness::small().await;
    h.sim.state().push_fault(Fault::MalformedJson);
    let (status, _, body) = send(&h, SHOP_INFO, json!({})).await.unwrap();
    assert_eq!(status, StatusCode::OK);
    assert!(serde_json::from_str::<Value>(&body).is_err());
}

#[tokio::test]
async fn a_forced_throttle_answers_throttled_with_a_full_bucket() {
    let h = Harness::small().await;
    h.sim.state().push_faults(&Fault::Throttled, 2);
    assert_eq!(h.sim.state().pending_faults(), 2);
    for _ in 0..2 {
        let answer = h.gql(SHOP_INFO, json!({})).await;
        assert_eq!(answer["errors"][0]["extensions"]["code"], "THROTTLED");
        assert_eq!(
            answer["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"],
            2000
        );
    }
    assert_eq!(
        h.gql(SHOP_INFO, json!({})).await["data"]["shop"]["name"],
        "Simulated Shop"
    );
    assert_eq!(h.sim.state().counters().throttled, 2);
}
