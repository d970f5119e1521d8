//! `metafieldsSet` and `metafieldsDelete`: validation codes, atomicity, digests.

use serde_json::{json, Value};

use super::{Harness, METAFIELDS_DELETE, METAFIELDS_SET, PRODUCT_METAFIELDS};

const NS: &str = "shopify--discovery--product_recommendation";

fn input(owner: &str, key: &str, value: &Value) -> Value {
    json!({"ownerId": owner, "namespace": NS, "key": key, "type": "list.product_reference",
           "value": value.to_string()})
}

async fn set(h: &Harness, inputs: Vec<Value>) -> Value {
    let answer = h.gql(METAFIELDS_SET, json!({"metafields": inputs})).await;
    answer["data"]["metafieldsSet"].clone()
}

fn ids(h: &Harness) -> Vec<String> {
    h.sim
        .state()
        .products()
        .into_iter()
        .map(|p| p.gid)
        .collect()
}

#[tokio::test]
async fn a_valid_write_is_stored_and_read_back_with_its_digest() {
    let h = Harness::small().await;
    let ids = ids(&h);
    let result = set(
        &h,
        vec![input(
            &ids[0],
            "complementary_products",
            &json!([ids[1], ids[2]]),
        )],
    )
    .await;
    assert_eq!(result["userErrors"], json!([]));
    let saved = &result["metafields"][0];
    assert!(saved["id"]
        .as_str()
        .unwrap()
        .starts_with("gid://shopify/Metafield/"));
    assert_eq!(saved["key"], "complementary_products");
    let stored = h.sim.state().metafields(&ids[0]);
    assert_eq!(stored.len(), 1);
    assert_eq!(saved["compareDigest"], stored[0].compare_digest.as_str());
    let read = h
        .gql(
            PRODUCT_METAFIELDS,
            json!({"ids": [ids[0]], "namespace": "upsell_sync"}),
        )
        .await;
    let mf = &read["data"]["nodes"][0]["complementaryProducts"];
    assert_eq!(mf["type"], "list.product_reference");
    assert_eq!(mf["value"], json!([ids[1], ids[2]]).to_string());
    assert_eq!(mf["compareDigest"], saved["compareDigest"]);
    let counters = h.sim.state().counters();
    assert_eq!(
        (counters.metafields_set_calls, counters.metafields_written),
        (1, 1)
    );
}

#[tokio::test]
async fn more_than_25_inputs_are_refused_as_a_whole() {
    let h = Harness::small().await;
    let ids = ids(&h);
    let inputs = (0..26)
        .map(|i| input(&ids[i], "related_products", &json!([ids[30]])))
        .collect();
    let result = set(&h, inputs).await;
    assert_eq!(result["metafields"], json!([]));
    assert_eq!(
        result["userErrors"],
        json!([{"field": ["metafields"], "message": "Exceeded the maximum metafields input limit of 25.",
                "code": "LESS_THAN_OR_EQUAL_TO", "elementIndex": null}])
    );
    assert_eq!(h.sim.state().counters().metafields_written, 0);
}

#[tokio::test]
async fn each_kind_of_bad_input_gets_its_code_and_path() {
    let h = Harness::small().await;
    let ids = ids(&h);
    let missing_owner = "gid://shopify/Product/1";
    let mut wrong_type = input(&ids[0], "x1", &json!([]));
    wrong_type["type"] = json!("list.unicorn");
    let mut short = input(&ids[0], "k", &json!([]));
    short["namespace"] = json!("ab");
    let cases = [
        (
            input(missing_owner, "related_products", &json!([])),
            "ownerId",
            "INVALID",
            Value::Null,
        ),
        (wrong_type, "type", "INVALID_TYPE", Value::Null),
        (
            input(&ids[0], "related_products", &json!([ids[1], missing_owner])),
            "value",
            "INVALID_VALUE",
            json!(1),
        ),
        (
            input(&ids[0], "k", &json!([])),
            "key",
            "TOO_SHORT",
            Value::Null,
        ),
        (short, "namespace", "TOO_SHORT", Value::Null),
        (
            input(
                &ids[0],
                "related_products",
                &json!(vec![ids[1].clone(); 129]),
            ),
            "value",
            "INVALID_VALUE",
            Value::Null,
        ),
    ];
    for (bad, field, code, element) in cases {
        let result = set(&h, vec![bad]).await;
        let error = &result["userErrors"][0];
        assert_eq!(
            error["field"],
            json!(["metafields", "0", field]),
            "{result}"
        );
        assert_eq!(error["code"], code, "{result}");
        assert_eq!(error["elementIndex"], element, "{result}");
    }
    let json_bad = json!({"ownerId": ids[0], "namespace": "upsell_sync", "key": "bundle", "type": "json", "value": "{nope"});
    let result = set(&h, vec![json_bad]).await;
    assert_eq!(result["userErrors"][0]["code"], "INVALID_VALUE");
    assert!(h.sim.state().metafields(&ids[0]).is_empty());
}

#[tokio::test]
async fn one_bad_input_saves_nothing() {
    let h = Harness::small().await;
    let ids = ids(&h);
    let good = input(&ids[0], "related_products", &json!([ids[1]]));
    let bad = input(
        &ids[2],
        "related_products",
        &json!(["gid://shopify/Product/1"]),
    );
    let result = set(&h, vec![good, bad]).await;
    assert_eq!(result["metafields"], json!([]));
    assert_eq!(
        result["userErrors"][0]["field"],
        json!(["metafields", "1", "value"])
    );
    assert!(h.sim.state().metafields(&ids[0]).is_empty());
}

#[tokio::test]
async fn compare_digest_guards_against_concurrent_edits() {
    let h = Harness::small().await;
    let ids = ids(&h);
    let mut create = input(&ids[0], "related_products", &json!([ids[1]]));
    create["compareDigest"] = Value::Null;
    let first = set(&h, vec![create.clone()]).await;
    let digest = first["metafields"][0]["compareDigest"].clone();
    let again = set(&h, vec![create]).await;
    assert_eq!(
        again["userErrors"][0]["code"], "STALE_OBJECT",
        "null digest but it exists"
    );
    assert_eq!(
        again["userErrors"][0]["field"],
        json!(["metafields", "0", "compareDigest"])
    );
    let curated = h.sim.state().set_metafield(
        &ids[0],
        NS,
        "related_products",
        "list.product_reference",
        &json!([ids[3]]).to_string(),
    );
    assert!(curated.is_some());
    let mut stale = input(&ids[0], "related_products", &json!([ids[2]]));
    stale["compareDigest"] = digest;
    assert_eq!(
        set(&h, vec![stale.clone()]).await["userErrors"][0]["code"],
        "STALE_OBJECT"
    );
    stale["compareDigest"] = json!(h.sim.state().metafields(&ids[0])[0].compare_digest);
    assert_eq!(set(&h, vec![stale]).await["userErrors"], json!([]));
    assert_eq!(
        h.sim.state().metafields(&ids[0])[0].value,
        json!([ids[2]]).to_string()
    );
}

#[tokio::test]
async fn rewriting_the_same_value_still_counts_as_a_write() {
    let h = Harness::small().await;
    let ids = ids(&h);
    let write = input(&ids[0], "related_products", &json!([ids[1]]));
    set(&h, vec![write.clone()]).await;
    let again = set(&h, vec![write]).await;
    assert_eq!(again["userErrors"], json!([]));
    assert_eq!(h.sim.state().counters().metafields_written, 2);
    assert_eq!(h.sim.state().metafields(&ids[0]).len(), 1);
}

#[tokio::test]
async fn delete_answers_null_for_what_did_not_exist() {
    let h = Harness::small().await;
    let ids = ids(&h);
    set(
        &h,
        vec![input(&ids[0], "related_products", &json!([ids[1]]))],
    )
    .await;
    let targets = json!([
        {"ownerId": ids[0], "namespace": NS, "key": "related_products"},
        {"ownerId": ids[0], "namespace": NS, "key": "complementary_products"},
    ]);
    let answer = h
        .gql(METAFIELDS_DELETE, json!({"metafields": targets}))
        .await;
    let result = &answer["data"]["metafieldsDelete"];
    assert_eq!(result["deletedMetafields"][0]["key"], "related_products");
    assert_eq!(result["deletedMetafields"][1], Value::Null);
    assert_eq!(result["userErrors"], json!([]));
    assert!(h.sim.state().metafields(&ids[0]).is_empty());
}

#[tokio::test]
async fn writes_need_write_products() {
    let h = Harness::small().await;
    let ids = ids(&h);
    h.sim.state().revoke_scope("write_products");
    let answer = h
        .gql(
            METAFIELDS_SET,
            json!({"metafields": [input(&ids[0], "related_products", &json!([]))]}),
        )
        .await;
    assert_eq!(answer["data"]["metafieldsSet"], Value::Null);
    assert_eq!(answer["errors"][0]["extensions"]["code"], "ACCESS_DENIED");
}
