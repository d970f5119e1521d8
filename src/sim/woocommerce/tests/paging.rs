//! Collections: totals and `Link` headers, pages past the end, `per_page` limits,
//! `offset`, exclusive date bounds with WordPress's time zone quirk, `_fields` and
//! the status, type and include filters.

use chrono::Duration;
use serde_json::{json, Value};

use super::fixtures::load;
use super::Harness;

fn ids(reply: &super::Reply) -> Vec<u64> {
    reply
        .json()
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|p| p["id"].as_u64())
        .collect()
}

#[tokio::test]
async fn pages_carry_totals_and_links_that_echo_every_parameter() {
    let h = Harness::small().await;
    let visible = h
        .sim
        .state()
        .products()
        .iter()
        .filter(|p| p.status != "trash")
        .count();
    let pages = visible.div_ceil(10);
    assert!(pages >= 3, "the small store spans pages");
    let first = h
        .get(
            "/products",
            &[
                ("per_page", "10"),
                ("page", "1"),
                ("orderby", "id"),
                ("order", "asc"),
            ],
        )
        .await;
    assert_eq!(first.header("x-wp-total"), visible.to_string());
    assert_eq!(first.header("x-wp-totalpages"), pages.to_string());
    let link = first.header("link");
    assert!(link.ends_with("rel=\"next\""), "{link}");
    assert!(link.contains(
        "/wp-json/wc/v3/products?per_page=10&page=2&orderby=id&order=asc&oauth_consumer_key="
    ));
    assert!(link.contains("&oauth_signature="), "{link}");
    let second = h
        .get(
            "/products",
            &[
                ("per_page", "10"),
                ("page", "2"),
                ("orderby", "id"),
                ("order", "asc"),
            ],
        )
        .await;
    let link = second.header("link");
    assert!(
        link.contains("page=1") && link.contains("rel=\"prev\", <") && link.contains("page=3"),
        "{link}"
    );
    let firsts = ids(&first);
    assert!(firsts.windows(2).all(|w| w[0] < w[1]));
    assert!(ids(&second)[0] > *firsts.last().expect("ids"));
    let past = h
        .get("/products", &[("per_page", "10"), ("page", "99")])
        .await;
    assert_eq!(past.status, 200);
    assert_eq!(past.text, "[]");
    assert_eq!(past.header("x-wp-total"), visible.to_string());
    assert!(
        past.header("link").contains(&format!("page={pages}&")),
        "prev is the last page"
    );
}

#[tokio::test]
async fn per_page_is_limited_and_offset_ignores_pages() {
    let h = Harness::small().await;
    let reply = h.get("/products", &[("per_page", "101")]).await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.json(),
        load("error_per_page_too_large")["response"]["body"]
    );
    let all = ids(&h
        .get(
            "/products",
            &[("per_page", "3"), ("orderby", "id"), ("order", "asc")],
        )
        .await);
    let offset = h
        .get(
            "/products",
            &[
                ("per_page", "1"),
                ("offset", "1"),
                ("orderby", "id"),
                ("order", "asc"),
            ],
        )
        .await;
    assert_eq!(ids(&offset), vec![all[1]]);
    assert!(
        offset.header("link").contains("&page=2>"),
        "page appended: {}",
        offset.header("link")
    );
    let bad = h.get("/products", &[("page", "0"), ("order", "up")]).await;
    assert_eq!(bad.json()["message"], "Invalid parameter(s): page, order");
}

async fn modified_after(h: &Harness, value: String, gmt: bool) -> Vec<u64> {
    let mut params = vec![("modified_after", value.as_str())];
    if gmt {
        params.push(("dates_are_gmt", "true"));
    }
    ids(&h.get("/products", &params).await)
}

#[tokio::test]
async fn modified_after_is_exclusive_and_z_is_shifted_by_the_site_offset() {
    let h = Harness::small().await;
    h.clock.advance(std::time::Duration::from_secs(3600));
    let id = h.sim.state().products()[5].id;
    assert!(h.sim.state().update_product(id, |p| p.name.push_str(" v2")));
    let at = h
        .sim
        .state()
        .product(id)
        .expect("product")
        .date_modified_gmt;
    let fmt = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%S").to_string();
    let query = |value: String, gmt: bool| modified_after(&h, value, gmt);
    assert_eq!(query(fmt(at - Duration::seconds(1)), true).await, vec![id]);
    assert!(
        query(fmt(at), true).await.is_empty(),
        "bounds are exclusive"
    );
    assert_eq!(
        query(fmt(at), false).await,
        vec![id],
        "site-local column is an hour ahead"
    );
    assert!(query(fmt(at + Duration::hours(1)), false).await.is_empty());
    let z = format!("{}Z", fmt(at - Duration::seconds(1)));
    assert!(
        query(z.clone(), true).await.is_empty(),
        "Z is converted to site time first"
    );
    assert_eq!(query(z, false).await, vec![id]);
    let bad = h.get("/products", &[("modified_after", "yesterday")]).await;
    assert_eq!(bad.json(), load("error_bad_date_param")["response"]["body"]);
    let orders = h
        .get(
            "/orders",
            &[("modified_after", &fmt(at)), ("dates_are_gmt", "1")],
        )
        .await;
    assert_eq!(orders.text, "[]");
}

#[tokio::test]
async fn fields_trim_answers_and_nested_members_work() {
    let h = Harness::small().await;
    let id = h.sim.state().products()[0].id;
    let reply = h
        .get(
            &format!("/products/{id}"),
            &[("_fields", "id,upsell_ids,date_modified_gmt")],
        )
        .await;
    let json = reply.json();
    let keys: Vec<&String> = json.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["_links", "date_modified_gmt", "id", "upsell_ids"]);
    let orders = h
        .get(
            "/orders",
            &[
                ("_fields", "id,billing.email,line_items.product_id"),
                ("per_page", "2"),
            ],
        )
        .await;
    let first = &orders.json()[0];
    assert_eq!(first["billing"].as_object().expect("billing").len(), 1);
    assert!(first["billing"]["email"].is_string());
    assert_eq!(
        first.get("line_items"),
        None,
        "members of array items are not selected"
    );
}

#[tokio::test]
async fn status_type_and_include_filters() {
    let h = Harness::small().await;
    let state = h.sim.state();
    let trashed = state.products()[3].id;
    assert!(state.trash_product(trashed));
    assert!(!ids(&h
        .get("/products", &[("include", &trashed.to_string())])
        .await)
    .contains(&trashed));
    assert_eq!(
        ids(&h.get("/products", &[("status", "trash")]).await),
        vec![trashed]
    );
    for kind in ["grouped", "external", "variable", "simple"] {
        let reply = h
            .get("/products", &[("type", kind), ("per_page", "100")])
            .await;
        let items = reply.json();
        let items = items.as_array().expect("array");
        assert!(!items.is_empty(), "some {kind} products");
        assert!(items.iter().all(|p| p["type"] == kind));
    }
    let wanted: Vec<u64> = state
        .products()
        .iter()
        .rev()
        .take(3)
        .map(|p| p.id)
        .collect();
    let list = wanted
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let reply = h
        .get("/products", &[("include", &list), ("orderby", "include")])
        .await;
    assert_eq!(ids(&reply), wanted);
    let bad = h.get("/products", &[("type", "variation")]).await;
    assert_eq!(
        bad.json()["data"]["details"]["type"]["code"],
        "rest_not_in_enum"
    );
}

#[tokio::test]
async fn order_status_lists_and_default_any() {
    let h = Harness::small().await;
    let state = h.sim.state();
    let orders = state.orders();
    assert!(state.set_order_status(orders[0].id, "trash"));
    assert!(state.set_order_status(orders[1].id, "cancelled"));
    let all = h.get("/orders", &[("per_page", "1")]).await;
    assert_eq!(all.header("x-wp-total"), (orders.len() - 1).to_string());
    let reply = h
        .get(
            "/orders",
            &[("status", "cancelled,trash"), ("per_page", "100")],
        )
        .await;
    let found = ids(&reply);
    assert!(found.contains(&orders[0].id) && found.contains(&orders[1].id));
    let statuses: Vec<Value> = reply
        .json()
        .as_array()
        .expect("array")
        .iter()
        .map(|o| o["status"].clone())
        .collect();
    assert!(statuses
        .iter()
        .all(|s| *s == json!("cancelled") || *s == json!("trash")));
    let bad = h.get("/orders", &[("status", "shipped")]).await;
    assert_eq!(bad.status, 400);
}
