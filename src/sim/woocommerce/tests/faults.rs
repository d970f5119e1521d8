//! The host rate limit and each fault kind; refused and faulted requests change
//! nothing (except the two faults that say otherwise).

use std::time::Duration;

use serde_json::json;

use super::{small, Harness};
use crate::sim::woocommerce::WooFault;

#[tokio::test]
async fn the_rate_limit_answers_429_and_changes_nothing() {
    let h = Harness::start(small().with_rate_limit(1.0, 2)).await;
    let id = h.sim.state().products()[0].id;
    assert_eq!(h.get("/products", &[]).await.status, 200);
    assert_eq!(h.get("/products", &[]).await.status, 200);
    let refused = h
        .put(&format!("/products/{id}"), &json!({"name": "limited"}))
        .await;
    assert_eq!(refused.status, 429);
    assert_eq!(refused.header("retry-after"), "1");
    assert!(refused.header("content-type").starts_with("text/html"));
    assert_ne!(h.sim.state().product(id).expect("product").name, "limited");
    h.clock.advance(Duration::from_secs(1));
    let allowed = h
        .put(&format!("/products/{id}"), &json!({"name": "limited"}))
        .await;
    assert_eq!(allowed.status, 200);
    let counters = h.sim.state().counters();
    assert_eq!((counters.requests, counters.rate_limited), (4, 1));
}

async fn faulted(h: &Harness, fault: WooFault) -> Result<super::Reply, reqwest::Error> {
    h.sim.state().push_fault(fault);
    let response = h
        .http
        .get(h.signed_url("GET", "/products", &[]))
        .send()
        .await?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await?;
    Ok(super::Reply {
        status,
        headers,
        text,
    })
}

#[tokio::test]
async fn status_faults_answer_their_status() {
    let h = Harness::small().await;
    let error = faulted(&h, WooFault::Status(500)).await.expect("answer");
    assert_eq!(error.status, 500);
    assert_eq!(error.json()["code"], "internal_server_error");
    let gateway = faulted(&h, WooFault::Status(502)).await.expect("answer");
    assert_eq!(gateway.status, 502);
    assert!(gateway.text.contains("502 Bad Gateway"));
    let throttled = faulted(
        &h,
        WooFault::TooManyRequests {
            retry_after_secs: Some(7),
        },
    )
    .await
    .expect("answer");
    assert_eq!(
        (throttled.status, throttled.header("retry-after")),
        (429, "7")
    );
    let bare = faulted(
        &h,
        WooFault::TooManyRequests {
            retry_after_secs: None,
        },
    )
    .await
    .expect("answer");
    assert_eq!((bare.status, bare.header("retry-after")), (429, ""));
    let page = faulted(&h, WooFault::HtmlErrorPage).await.expect("answer");
    assert_eq!(page.status, 200);
    assert!(page.header("content-type").starts_with("text/html"));
    let malformed = faulted(&h, WooFault::MalformedJson).await.expect("answer");
    assert_eq!(
        malformed.header("content-type"),
        "application/json; charset=UTF-8"
    );
    assert!(serde_json::from_str::<serde_json::Value>(&malformed.text).is_err());
    assert_eq!(h.sim.state().counters().faults_injected, 6);
    assert_eq!(h.sim.state().pending_faults(), 0);
    assert_eq!(h.get("/products", &[]).await.status, 200);
}

#[tokio::test]
async fn broken_connections_are_transport_errors() {
    let h = Harness::small().await;
    assert!(faulted(&h, WooFault::CloseConnection).await.is_err());
    assert!(faulted(&h, WooFault::ResetMidBody).await.is_err());
    let quick = reqwest::Client::builder()
        .timeout(Duration::from_millis(50))
        .no_proxy()
        .build()
        .expect("client");
    h.sim
        .state()
        .push_fault(WooFault::Slow(Duration::from_millis(300)));
    let slow = quick
        .get(h.signed_url("GET", "/products", &[]))
        .send()
        .await;
    assert!(slow.expect_err("times out").is_timeout());
}

#[tokio::test]
async fn drop_after_execute_changes_state_but_the_client_sees_an_error() {
    let h = Harness::small().await;
    let id = h.sim.state().products()[0].id;
    for (fault, applied) in [
        (WooFault::Status(503), false),
        (WooFault::DropAfterExecute, true),
    ] {
        h.sim.state().push_fault(fault);
        let sent = h
            .http
            .put(h.signed_url("PUT", &format!("/products/{id}"), &[]))
            .json(&json!({"cross_sell_ids": [42]}))
            .send()
            .await;
        let ok = matches!(&sent, Ok(r) if r.status().is_success());
        assert!(!ok);
        let stored = h.sim.state().product(id).expect("product").cross_sell_ids;
        assert_eq!(stored == vec![42], applied);
    }
}

#[tokio::test]
async fn delays_execute_and_in_flight_requests_are_counted() {
    let h = Harness::small().await;
    h.sim
        .state()
        .push_faults(&WooFault::Delay(Duration::from_millis(60)), 3);
    let requests = (0..3).map(|_| h.get("/products", &[("per_page", "1")]));
    let replies = futures::future::join_all(requests).await;
    assert!(replies.iter().all(|r| r.status == 200));
    assert_eq!(h.sim.state().counters().max_in_flight, 3);
}
