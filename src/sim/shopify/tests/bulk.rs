//! Bulk queries: life cycle, JSONL shape, rules, partial data, cancel, concurrency.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use super::super::{BulkErrorCode, BulkFailure, Fault, BULK_RESULT_FILE};
use super::{jsonl, small, Harness, BULK_ORDERS, BULK_PRODUCTS, CANCEL, POLL, RUN_QUERY};

async fn run(h: &Harness, query: &str) -> Value {
    h.gql(RUN_QUERY, json!({"query": query})).await["data"]["bulkOperationRunQuery"].clone()
}

async fn start(h: &Harness, query: &str) -> String {
    let result = run(h, query).await;
    assert_eq!(result["userErrors"], json!([]), "{result}");
    assert_eq!(result["bulkOperation"]["status"], "CREATED");
    result["bulkOperation"]["id"].as_str().unwrap().to_owned()
}

async fn poll(h: &Harness, id: &str) -> Value {
    h.gql(POLL, json!({"id": id})).await["data"]["bulkOperation"].clone()
}

/// Polls until the operation reports an end.
async fn finish(h: &Harness, id: &str) -> Value {
    for _ in 0..20 {
        let op = poll(h, id).await;
        if ["COMPLETED", "FAILED", "CANCELED"].contains(&op["status"].as_str().unwrap()) {
            return op;
        }
    }
    panic!("bulk operation {id} did not finish");
}

fn roots_and_children(lines: &[Value]) -> (Vec<&Value>, Vec<&Value>) {
    lines.iter().partition(|l| l.get("__parentId").is_none())
}

#[tokio::test]
async fn a_products_bulk_query_completes_on_the_second_poll_with_one_line_per_object() {
    let h = Harness::small().await;
    let id = start(&h, BULK_PRODUCTS).await;
    let first = poll(&h, &id).await;
    assert_eq!(first["status"], "RUNNING");
    assert_eq!(first["url"], Value::Null);
    let done = poll(&h, &id).await;
    assert_eq!(done["status"], "COMPLETED");
    assert_eq!(done["type"], "QUERY");
    assert!(done["completedAt"].is_string());
    let text = h.download(done["url"].as_str().unwrap()).await;
    assert_eq!(done["fileSize"], text.len().to_string());
    let lines = jsonl(&text);
    assert_eq!(done["objectCount"], lines.len().to_string());
    let (roots, children) = roots_and_children(&lines);
    assert_eq!(done["rootObjectCount"], roots.len().to_string());
    let products = h.sim.state().products();
    assert_eq!(roots.len(), products.len());
    let mut per_parent: BTreeMap<&str, usize> = BTreeMap::new();
    for child in &children {
        assert!(child["id"]
            .as_str()
            .unwrap()
            .starts_with("gid://shopify/ProductVariant/"));
        assert!(child["price"].is_string());
        *per_parent
            .entry(child["__parentId"].as_str().unwrap())
            .or_default() += 1;
    }
    for product in &products {
        assert_eq!(
            per_parent.get(product.gid.as_str()).copied().unwrap_or(0),
            product.product.variants.len()
        );
    }
    let root = roots[0];
    assert!(
        root.get("variants").is_none(),
        "nested connections are separate lines"
    );
    assert_eq!(root["id"], products[0].gid.as_str());
    assert!(root["tags"].is_array() && root["status"].is_string());
}

#[tokio::test]
async fn without_grouping_children_may_follow_later_roots() {
    let h = Harness::small().await;
    let id = start(&h, BULK_PRODUCTS).await;
    let lines = jsonl(
        &h.download(finish(&h, &id).await["url"].as_str().unwrap())
            .await,
    );
    let mut seen_roots = Vec::new();
    let mut late = 0;
    for line in &lines {
        match line.get("__parentId").and_then(Value::as_str) {
            None => seen_roots.push(line["id"].as_str().unwrap()),
            Some(parent) => {
                assert!(
                    seen_roots.contains(&parent),
                    "a child never precedes its parent here"
                );
                if seen_roots.last() != Some(&parent) {
                    late += 1;
                }
            }
        }
    }
    assert!(
        late > 0,
        "with interleave 1 every child comes after the next root"
    );
}

#[tokio::test]
async fn with_grouping_children_follow_their_parent() {
    let h = Harness::small().await;
    let query = "mutation Run($q: String!) { bulkOperationRunQuery(query: $q, groupObjects: true) { bulkOperation { id } userErrors { message } } }";
    let answer = h.gql(query, json!({"q": BULK_PRODUCTS})).await;
    let id = answer["data"]["bulkOperationRunQuery"]["bulkOperation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let lines = jsonl(
        &h.download(finish(&h, &id).await["url"].as_str().unwrap())
            .await,
    );
    let mut current = "";
    for line in &lines {
        match line.get("__parentId").and_then(Value::as_str) {
            None => current = line["id"].as_str().unwrap(),
            Some(parent) => assert_eq!(parent, current),
        }
    }
}

#[tokio::test]
async fn an_orders_bulk_query_respects_the_60_day_limit() {
    let h = Harness::small().await;
    let state = h.sim.state();
    state.revoke_scope("read_all_orders");
    let id = start(&h, BULK_ORDERS).await;
    let lines = jsonl(
        &h.download(finish(&h, &id).await["url"].as_str().unwrap())
            .await,
    );
    let (roots, children) = roots_and_children(&lines);
    let cutoff = state.now() - chrono::Duration::days(60);
    let recent: BTreeSet<String> = state
        .orders()
        .into_iter()
        .filter(|o| o.order.created_at >= cutoff)
        .map(|o| o.gid)
        .collect();
    let found: BTreeSet<String> = roots
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(found, recent);
    assert!(children
        .iter()
        .all(|c| recent.contains(c["__parentId"].as_str().unwrap())));
    assert!(children[0]["originalUnitPriceSet"]["shopMoney"]["amount"].is_string());
    assert!(roots[0]["customer"]["id"]
        .as_str()
        .unwrap()
        .starts_with("gid://shopify/Customer/"));
}

#[tokio::test]
async fn bulk_rules_are_enforced_with_shopifys_messages() {
    let h = Harness::small().await;
    let cases = [
        ("{ products { nodes { id } } }", "Selecting via 'nodes' is not supported. Invalid connection fields: 'products'."),
        ("{ nodes(ids: [\"gid://shopify/Product/1\"]) { id } }", "Bulk queries cannot contain a top level `nodes` field."),
        ("{ shop { name } }", "Bulk queries must contain at least one connection."),
        ("{ orders { edges { node { id lineItems { edges { node { id product { id variants { edges { node { id } } } } } } } } } } }",
         "Bulk queries cannot contain connections with a nesting depth greater than 2."),
        ("{ products { edges { node { title variants { edges { node { id } } } } } } }",
         "Connection fields without 'id': products."),
        ("{ products { edges { node { id a: metafields { edges { node { id } } } b: metafields { edges { node { id } } } c: metafields { edges { node { id } } } d: metafields { edges { node { id } } } variants { edges { node { id } } } } } } }",
         "Bulk queries cannot contain more than 5 connections."),
        ("mutation { metafieldsDelete(metafields: []) { userErrors { message } } }", "Invalid operation type. Only `query` operations are supported."),
        ("{ products { edges { node { id foo } } } }", "Invalid bulk query: Field 'foo' doesn't exist on type 'Product'"),
    ];
    for (query, expected) in cases {
        let result = run(&h, query).await;
        assert_eq!(result["bulkOperation"], Value::Null, "{query}");
        let messages: Vec<&str> = result["userErrors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["message"].as_str().unwrap())
            .collect();
        assert!(
            messages.iter().any(|m| m.contains(expected)),
            "{query}: {messages:?}"
        );
        assert_eq!(result["userErrors"][0]["code"], "INVALID");
        assert_eq!(result["userErrors"][0]["field"], json!(["query"]));
    }
    assert_eq!(h.sim.state().counters().bulk_operations, 0);
}

#[tokio::test]
async fn a_failed_operation_serves_its_partial_data() {
    let h = Harness::small().await;
    h.sim.state().fail_next_bulk(BulkFailure {
        code: BulkErrorCode::Timeout,
        after_roots: 5,
    });
    let id = start(&h, BULK_PRODUCTS).await;
    let op = finish(&h, &id).await;
    assert_eq!(op["status"], "FAILED");
    assert_eq!(op["errorCode"], "TIMEOUT");
    assert_eq!(op["url"], Value::Null);
    let lines = jsonl(&h.download(op["partialDataUrl"].as_str().unwrap()).await);
    let (roots, children) = roots_and_children(&lines);
    let first_five: Vec<String> = h
        .sim
        .state()
        .products()
        .into_iter()
        .take(5)
        .map(|p| p.gid)
        .collect();
    let got: Vec<&str> = roots.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(got, first_five);
    let expected_children: usize = h
        .sim
        .state()
        .products()
        .iter()
        .take(5)
        .map(|p| p.product.variants.len())
        .sum();
    assert_eq!(children.len(), expected_children);
}

#[tokio::test]
async fn a_canceled_operation_reports_canceling_then_canceled() {
    let h = Harness::small().await;
    let id = start(&h, BULK_PRODUCTS).await;
    let answer = h.gql(CANCEL, json!({"id": id})).await;
    let canceled = &answer["data"]["bulkOperationCancel"];
    assert_eq!(canceled["userErrors"], json!([]));
    assert_eq!(canceled["bulkOperation"]["status"], "CANCELING");
    let op = poll(&h, &id).await;
    assert_eq!(op["status"], "CANCELED");
    assert_eq!(op["url"], Value::Null);
    let again = h.gql(CANCEL, json!({"id": id})).await;
    assert!(
        again["data"]["bulkOperationCancel"]["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("canceled")
    );
}

#[tokio::test]
async fn a_sixth_concurrent_query_is_refused() {
    let h = Harness::small().await;
    let ids: Vec<String> =
        futures::future::join_all((0..5).map(|_| start(&h, BULK_PRODUCTS))).await;
    let refused = run(&h, BULK_PRODUCTS).await;
    assert_eq!(refused["bulkOperation"], Value::Null);
    let error = &refused["userErrors"][0];
    assert_eq!(error["code"], "OPERATION_IN_PROGRESS");
    assert_eq!(error["field"], Value::Null);
    assert!(error["message"].as_str().unwrap().contains(&ids[0]));
    finish(&h, &ids[0]).await;
    start(&h, BULK_PRODUCTS).await;
}

#[tokio::test]
async fn the_number_of_polls_before_completion_is_configurable() {
    let mut config = small();
    config.bulk_polls_to_complete = 3;
    let h = Harness::start(config).await;
    let id = start(&h, BULK_PRODUCTS).await;
    let statuses: Vec<Value> = vec![
        poll(&h, &id).await["status"].clone(),
        poll(&h, &id).await["status"].clone(),
        poll(&h, &id).await["status"].clone(),
    ];
    assert_eq!(
        statuses,
        vec![json!("RUNNING"), json!("RUNNING"), json!("COMPLETED")]
    );
    assert_eq!(
        h.sim.state().bulk_operation(&id).unwrap()["status"],
        "COMPLETED"
    );
}

#[tokio::test]
async fn nothing_matched_means_no_url() {
    let h = Harness::small().await;
    let id = start(
        &h,
        "{ products(query: \"status:unicorn\") { edges { node { id } } } }",
    )
    .await;
    let op = finish(&h, &id).await;
    assert_eq!(op["status"], "COMPLETED");
    assert_eq!(op["objectCount"], "0");
    assert_eq!(op["url"], Value::Null);
}

#[tokio::test]
async fn download_faults_are_served_only_to_downloads_and_break_half_way() {
    let h = Harness::small().await;
    let id = start(&h, BULK_PRODUCTS).await;
    let url = finish(&h, &id).await["url"].as_str().unwrap().to_owned();
    let whole = h.download(&url).await;
    let state = h.sim.state();
    // A fault for any request stays with the GraphQL endpoint.
    state.push_faults(&Fault::Status(503), 1);
    assert_eq!(h.download(&url).await, whole);
    state.clear_faults();

    state.push_faults_for(BULK_RESULT_FILE, &Fault::Status(503), 1);
    state.push_faults_for(BULK_RESULT_FILE, &Fault::ResetMidBody, 1);
    let refused = h.http.get(&url).send().await.unwrap();
    assert_eq!(refused.status(), 503);
    assert!(refused.text().await.unwrap().contains("<Error>"));
    let mut broken = h.http.get(&url).send().await.unwrap();
    assert_eq!(broken.status(), 200);
    let mut got = Vec::new();
    let error = loop {
        match broken.chunk().await {
            Ok(Some(chunk)) => got.extend_from_slice(&chunk),
            Ok(None) => panic!("the body ended without the reset"),
            Err(error) => break error,
        }
    };
    assert_eq!(got, &whole.as_bytes()[..whole.len() / 2], "{error}");
    assert_eq!(state.pending_faults(), 0);
    assert_eq!(h.download(&url).await, whole, "the file is whole again");
}
