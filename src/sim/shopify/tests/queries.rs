//! Reads: paging, search, counts, nodes, scopes, and validation errors.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{json, Value};

use super::{
    Harness, APP_SCOPES, ORDERS, ORDERS_COUNT, PRODUCTS, PRODUCTS_COUNT, PRODUCT_IDS,
    PRODUCT_METAFIELDS,
};

#[tokio::test]
async fn cursor_paging_visits_every_product_once() {
    let h = Harness::small().await;
    let mut seen = Vec::new();
    let mut after = Value::Null;
    let mut pages = 0;
    loop {
        let answer = h
            .gql(PRODUCT_IDS, json!({"first": 30, "after": after}))
            .await;
        let products = &answer["data"]["products"];
        seen.extend(
            products["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["id"].as_str().unwrap().to_owned()),
        );
        pages += 1;
        if !products["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = products["pageInfo"]["endCursor"].clone();
    }
    let expected: Vec<String> = h
        .sim
        .state()
        .products()
        .into_iter()
        .map(|p| p.gid)
        .collect();
    assert_eq!(seen, expected, "id order, no gaps, no repeats");
    assert_eq!(pages, expected.len().div_ceil(30));
}

#[tokio::test]
async fn products_carry_every_field_the_operation_asks_for() {
    let h = Harness::small().await;
    let answer = h.gql(PRODUCTS, json!({"first": 3})).await;
    let nodes = answer["data"]["products"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 3);
    let state = h.sim.state().products();
    for node in nodes {
        let id = node["id"].as_str().unwrap();
        assert!(id.starts_with("gid://shopify/Product/"));
        let product = &state.iter().find(|p| p.gid == id).unwrap().product;
        assert_eq!(node["title"], product.title.as_str());
        assert!(["ACTIVE", "DRAFT", "ARCHIVED"].contains(&node["status"].as_str().unwrap()));
        let variant = &node["variants"]["nodes"][0];
        assert_eq!(variant["price"], product.variants[0].price.to_string());
        assert!(variant["price"].as_str().unwrap().contains('.'));
        assert_eq!(node["variants"]["pageInfo"]["hasNextPage"], false);
    }
    let updated: Vec<&str> = nodes
        .iter()
        .map(|n| n["updatedAt"].as_str().unwrap())
        .collect();
    let mut sorted = updated.clone();
    sorted.sort_unstable();
    assert_eq!(updated, sorted, "UPDATED_AT order");
}

#[tokio::test]
async fn an_updated_product_is_found_by_an_updated_at_search() {
    let h = Harness::small().await;
    let state = h.sim.state();
    let target = state.products()[5].gid.clone();
    h.clock.advance(Duration::from_secs(3600));
    let since = super::super::ids::timestamp(state.now());
    h.clock.advance(Duration::from_secs(60));
    assert!(state.update_product(&target, |p| p.title = "Renamed".to_owned()));
    let query = format!("updated_at:>'{since}'");
    let answer = h.gql(PRODUCTS, json!({"query": query})).await;
    let nodes = answer["data"]["products"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 1);
    assert_eq!(nodes[0]["id"], target.as_str());
    assert_eq!(nodes[0]["title"], "Renamed");
    let count = h.gql(PRODUCTS_COUNT, json!({"query": query})).await;
    assert_eq!(
        count["data"]["productsCount"],
        json!({"count": 1, "precision": "EXACT"})
    );
}

#[tokio::test]
async fn counts_are_exact_without_a_limit_and_capped_with_one() {
    let h = Harness::small().await;
    let total = h.sim.state().products().len();
    let exact = h.gql(PRODUCTS_COUNT, json!({})).await;
    assert_eq!(exact["data"]["productsCount"]["count"], total);
    let capped = h
        .gql(
            "{ productsCount(limit: 10) { count precision } }",
            json!({}),
        )
        .await;
    assert_eq!(
        capped["data"]["productsCount"],
        json!({"count": 10, "precision": "AT_LEAST"})
    );
}

#[tokio::test]
async fn without_read_all_orders_only_the_last_60_days_are_visible() {
    let h = Harness::small().await;
    let state = h.sim.state();
    let all = h.gql(ORDERS_COUNT, json!({})).await["data"]["ordersCount"]["count"]
        .as_u64()
        .unwrap();
    assert_eq!(all as usize, state.orders().len());
    state.revoke_scope("read_all_orders");
    let scopes = h.gql(APP_SCOPES, json!({})).await;
    let handles: BTreeSet<&str> = scopes["data"]["currentAppInstallation"]["accessScopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["handle"].as_str().unwrap())
        .collect();
    assert!(!handles.contains("read_all_orders") && handles.contains("read_orders"));
    let recent = h.gql(ORDERS_COUNT, json!({})).await["data"]["ordersCount"]["count"]
        .as_u64()
        .unwrap();
    let cutoff = state.now() - chrono::Duration::days(60);
    let expected = state
        .orders()
        .iter()
        .filter(|o| o.order.created_at >= cutoff)
        .count();
    assert_eq!(recent as usize, expected);
    assert!(recent > 0 && recent < all, "{recent} of {all}");
    let page = h.gql(ORDERS, json!({"first": 5})).await;
    for order in page["data"]["orders"]["nodes"].as_array().unwrap() {
        let created =
            chrono::DateTime::parse_from_rfc3339(order["createdAt"].as_str().unwrap()).unwrap();
        assert!(created >= cutoff);
        assert!(order["name"].as_str().unwrap().starts_with('#'));
        assert_eq!(
            order["lineItems"]["nodes"][0]["originalUnitPriceSet"]["shopMoney"]["currencyCode"],
            "USD"
        );
    }
}

#[tokio::test]
async fn nodes_answer_null_for_deleted_products() {
    let h = Harness::small().await;
    let state = h.sim.state();
    let ids: Vec<String> = state
        .products()
        .into_iter()
        .take(3)
        .map(|p| p.gid)
        .collect();
    assert!(state.delete_product(&ids[1]));
    let answer = h
        .gql(
            PRODUCT_METAFIELDS,
            json!({"ids": ids, "namespace": "upsell_sync"}),
        )
        .await;
    let nodes = answer["data"]["nodes"].as_array().unwrap();
    assert_eq!(nodes[0]["__typename"], "Product");
    assert_eq!(nodes[0]["id"], ids[0].as_str());
    assert_eq!(nodes[0]["ours"]["nodes"], json!([]));
    assert_eq!(nodes[0]["relatedProducts"], Value::Null);
    assert_eq!(nodes[1], Value::Null);
    assert_eq!(answer["extensions"]["cost"]["requestedQueryCost"], 66);
}

#[tokio::test]
async fn aliases_fragments_and_typename_are_honoured() {
    let h = Harness::small().await;
    let query = "query Q { a: products(first: 2, sortKey: ID) { edges { cursor node { ...P } } } }
                 fragment P on Product { __typename pid: id ... on Product { handle } }";
    let answer = h.gql(query, json!({})).await;
    let edge = &answer["data"]["a"]["edges"][0];
    assert!(edge["cursor"].is_string());
    assert_eq!(edge["node"]["__typename"], "Product");
    assert!(edge["node"]["pid"].as_str().unwrap().starts_with("gid://"));
    assert!(edge["node"]["handle"].is_string());
    assert_eq!(answer["extensions"]["cost"]["requestedQueryCost"], 4);
}

#[tokio::test]
async fn unknown_fields_get_shopifys_validation_error() {
    let h = Harness::small().await;
    let answer = h
        .gql(
            "query Q {\n  products(first: 1) {\n    nodes {\n      id\n      foo\n    }\n  }\n}",
            json!({}),
        )
        .await;
    assert_eq!(
        answer,
        json!({"errors": [{
            "message": "Field 'foo' doesn't exist on type 'Product'",
            "locations": [{"line": 5, "column": 7}],
            "path": ["query Q", "products", "nodes", "foo"],
            "extensions": {"code": "undefinedField", "typeName": "Product", "fieldName": "foo"},
        }]})
    );
    let argument = h
        .gql(
            "{ products(first: 1, colour: \"red\") { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        argument["errors"][0]["extensions"]["code"],
        "argumentNotAccepted"
    );
    let syntax = h.gql("query {\n  shop {\n", json!({})).await;
    assert_eq!(syntax["errors"][0]["extensions"]["code"], "PARSE_ERROR");
    assert!(syntax["errors"][0]["message"]
        .as_str()
        .unwrap()
        .starts_with("syntax error, unexpected end of file"));
}

#[tokio::test]
async fn page_sizes_are_required_and_capped_at_250() {
    let h = Harness::small().await;
    let missing = h.gql("{ products { nodes { id } } }", json!({})).await;
    assert_eq!(
        missing["errors"][0]["message"],
        "you must provide one of first or last"
    );
    assert_eq!(missing["errors"][0]["path"], json!(["products"]));
    assert_eq!(missing["data"], Value::Null);
    let large = h.gql(PRODUCT_IDS, json!({"first": 251})).await;
    assert!(large["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("250"));
    assert_eq!(large["data"], Value::Null);
}

#[tokio::test]
async fn bad_variables_get_invalid_variable_errors() {
    let h = Harness::small().await;
    let answer = h.gql(PRODUCT_METAFIELDS, json!({"namespace": "x"})).await;
    let error = &answer["errors"][0];
    assert_eq!(
        error["message"],
        "Variable $ids of type [ID!]! was provided invalid value"
    );
    assert_eq!(error["extensions"]["code"], "INVALID_VARIABLE");
    assert_eq!(
        error["extensions"]["problems"][0]["explanation"],
        "Expected value to not be null"
    );
    assert!(answer.get("data").is_none());
    let typed = h.gql(PRODUCT_IDS, json!({"first": "ten"})).await;
    assert_eq!(typed["errors"][0]["extensions"]["code"], "INVALID_VARIABLE");
}
