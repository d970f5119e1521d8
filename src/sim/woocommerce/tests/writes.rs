//! Writes: linked ids stored as sent, schema errors, `meta_data` semantics, batch
//! limits and per-item errors, the batch linked-ids quirk, trash and force delete.

use serde_json::{json, Value};

use super::fixtures::load;
use super::Harness;
use crate::sim::woocommerce::SimWooMeta;

#[tokio::test]
async fn linked_ids_are_stored_exactly_as_sent_and_bump_modified() {
    let h = Harness::small().await;
    let id = h.sim.state().products()[0].id;
    let before = h
        .sim
        .state()
        .product(id)
        .expect("product")
        .date_modified_gmt;
    h.clock.advance(std::time::Duration::from_secs(90));
    let body = json!({"upsell_ids": [12, 999_999, 12, id], "cross_sell_ids": [0, -3, "7"]});
    let reply = h.put(&format!("/products/{id}"), &body).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json()["upsell_ids"], json!([12, 999_999, 12, id]));
    assert_eq!(reply.json()["cross_sell_ids"], json!([7]));
    let product = h.sim.state().product(id).expect("product");
    assert_eq!(product.upsell_ids, vec![12, 999_999, 12, id]);
    assert!(product.date_modified_gmt > before);
    let cleared = h
        .put(&format!("/products/{id}"), &json!({"upsell_ids": []}))
        .await;
    assert_eq!(cleared.json()["upsell_ids"], json!([]));
    let listed = h
        .put(&format!("/products/{id}"), &json!({"upsell_ids": "12,13"}))
        .await;
    assert_eq!(listed.json()["upsell_ids"], json!([12, 13]));
    assert_eq!(
        h.sim.state().counters().requests_for("PUT /products/{id}"),
        3
    );
}

#[tokio::test]
async fn a_wrong_linked_ids_type_is_refused_and_changes_nothing() {
    let h = Harness::small().await;
    let id = h.sim.state().products()[0].id;
    assert!(h.sim.state().set_linked_ids(id, vec![5], vec![]));
    let before = h.sim.state().product(id);
    let reply = h
        .put(&format!("/products/{id}"), &json!({"upsell_ids": "abc"}))
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.json(),
        load("error_upsell_ids_wrong_type")["response"]["body"]
    );
    assert_eq!(h.sim.state().product(id), before);
    let missing = h.put("/products/999999", &json!({"name": "x"})).await;
    assert_eq!(
        missing.json(),
        load("error_product_update_invalid_id")["response"]["body"]
    );
    let broken = h.call("PUT", &format!("/products/{id}"), &[], None).await;
    assert_eq!(broken.status, 200, "an empty body is a no-op save");
}

#[tokio::test]
async fn meta_data_follows_woocommerce_semantics() {
    let h = Harness::small().await;
    let id = h.sim.state().products()[0].id;
    assert!(h.sim.state().update_product(id, |p| {
        for (n, key) in [(1, "dup"), (2, "keep"), (3, "dup")] {
            p.meta.push(SimWooMeta {
                id: n,
                key: key.into(),
                value: json!("old"),
            });
        }
    }));
    let body = json!({"meta_data": [
        {"key": "dup", "value": 42},
        {"key": "flag", "value": true},
        {"key": "bundle", "value": {"ids": [1, 2], "pct": 10}},
        {"key": "list", "value": [3, 4]},
        {"key": "keep", "value": null},
    ]});
    let reply = h.put(&format!("/products/{id}"), &body).await;
    let meta = reply.json()["meta_data"].clone();
    let rows: Vec<(u64, String, Value)> = meta
        .as_array()
        .expect("meta")
        .iter()
        .map(|m| {
            (
                m["id"].as_u64().unwrap_or(0),
                m["key"].as_str().unwrap_or("").to_owned(),
                m["value"].clone(),
            )
        })
        .collect();
    assert_eq!(
        rows[0],
        (1, "dup".to_owned(), json!("42")),
        "first row kept its id"
    );
    let keys: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    assert_eq!(keys, ["dup", "flag", "bundle", "list"]);
    assert_eq!(rows[1].2, json!("1"));
    assert_eq!(rows[2].2, json!({"ids": [1, 2], "pct": 10}));
    assert_eq!(rows[3].2, json!([3, 4]));
    assert!(h.sim.state().set_meta(id, "flag", None));
    assert_eq!(
        h.sim
            .state()
            .product(id)
            .expect("product")
            .meta_value("flag"),
        None
    );
}

#[tokio::test]
async fn batches_over_the_limit_are_refused_whole() {
    let h = Harness::small().await;
    let id = h.sim.state().products()[0].id;
    let items: Vec<Value> = (0..101)
        .map(|_| json!({"id": id, "name": "renamed"}))
        .collect();
    let reply = h.post("/products/batch", &json!({"update": items})).await;
    assert_eq!(reply.status, 413);
    assert_eq!(
        reply.json(),
        load("error_batch_too_many")["response"]["body"]
    );
    assert_ne!(h.sim.state().product(id).expect("product").name, "renamed");
    assert_eq!(h.sim.state().counters().batch_calls, 0);
}

#[tokio::test]
async fn batch_items_fail_one_by_one_in_request_order() {
    let h = Harness::small().await;
    let id = h.sim.state().products()[0].id;
    let body = json!({
        "create": [{"name": "Filter Papers", "regular_price": "4.99"}, {"name": "Bad price", "regular_price": "x"}],
        "update": [{"id": id, "sale_price": "1.00"}, {"id": 999_999, "regular_price": "1.00"}],
        "delete": [999_998],
    });
    let reply = h.post("/products/batch", &body).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let answer = reply.json();
    assert_eq!(answer["create"][0]["price"], "4.99");
    assert_eq!(answer["create"][1]["price"], "");
    assert_eq!(answer["create"][1]["regular_price"], "");
    assert_eq!(answer["update"][0]["id"], id);
    let expected = load("products_batch_mixed_errors")["response"]["body"].clone();
    assert_eq!(answer["update"][1], expected["update"][1]);
    assert_eq!(answer["delete"][0], expected["delete"][0]);
    let counters = h.sim.state().counters();
    assert_eq!((counters.batch_calls, counters.batch_items), (1, 3));
    let only_update = h
        .post(
            "/products/batch",
            &json!({"update": [{"id": id}], "create": []}),
        )
        .await;
    let json = only_update.json();
    let keys: Vec<&String> = json.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["update"], "only non-empty lists sent come back");
}

#[tokio::test]
async fn inside_a_batch_a_non_array_clears_linked_ids() {
    let h = Harness::small().await;
    let id = h.sim.state().products()[0].id;
    assert!(h.sim.state().set_linked_ids(id, vec![1, 2], vec![3]));
    let reply = h
        .post(
            "/products/batch",
            &json!({"update": [{"id": id, "upsell_ids": "abc"}]}),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["update"][0]["upsell_ids"], json!([]));
    assert_eq!(
        h.sim.state().product(id).expect("product").cross_sell_ids,
        vec![3]
    );
}

#[tokio::test]
async fn delete_trashes_unless_forced() {
    let h = Harness::small().await;
    let product = h
        .sim
        .state()
        .products()
        .into_iter()
        .find(|p| p.status == "publish")
        .expect("published");
    let path = format!("/products/{}", product.id);
    let trashed = h.call("DELETE", &path, &[], None).await;
    assert_eq!(trashed.json()["status"], "trash");
    assert_eq!(trashed.json()["slug"], format!("{}__trashed", product.slug));
    assert!(trashed.json()["permalink"]
        .as_str()
        .expect("permalink")
        .contains("?post_type=product&p="));
    assert_eq!(h.call("DELETE", &path, &[], None).await.status, 410);
    let forced = h.call("DELETE", &path, &[("force", "true")], None).await;
    assert_eq!(forced.json()["id"], product.id);
    assert_eq!(h.get(&path, &[]).await.status, 404);
    assert!(h.sim.state().product(product.id).is_none());
}

#[tokio::test]
async fn creating_products_and_orders() {
    let h = Harness::small().await;
    let created = h
        .post(
            "/products",
            &json!({"name": "New Thing", "regular_price": "9.50", "sku": "NEW-1"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json()["id"].as_u64().expect("id");
    assert!(created
        .header("location")
        .ends_with(&format!("/wp-json/wc/v3/products/{id}")));
    assert_eq!(created.json()["categories"][0]["name"], "Uncategorized");
    let duplicate = h
        .post("/products", &json!({"name": "Again", "sku": "NEW-1"}))
        .await;
    assert_eq!(duplicate.json()["code"], "product_invalid_sku");
    assert_eq!(duplicate.json()["data"]["resource_id"], id);
    let order = h
        .post(
            "/orders",
            &json!({"set_paid": true, "billing": {"email": "a@b.test"},
        "line_items": [{"product_id": id, "quantity": 2}]}),
        )
        .await;
    assert_eq!(order.status, 201, "{}", order.text);
    assert_eq!(order.json()["status"], "processing");
    assert_eq!(order.json()["line_items"][0]["price"], json!(9.5));
    assert_eq!(order.json()["total"], "19.00");
}
