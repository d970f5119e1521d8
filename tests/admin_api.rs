//! The admin pages and the JSON API over real HTTP, against a store filled by the
//! synthetic generator and computed: every protected route refuses requests without
//! the token (the test walks the router's own route table), login, search, detail,
//! rules through the API and the forms.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::sync::Notify;
use upsell_sync::config::Secret;
use upsell_sync::model::ProductId;
use upsell_sync::recommend::Params;
use upsell_sync::server::{router, routes, ServerState, ShopEndpoint};
use upsell_sync::sim::catalog::{generate, ShopSpec};
use upsell_sync::store::{ShopStore, Store};
use upsell_sync::sync::compute::compute_shop;
use upsell_sync::sync::status::StatusBoard;

const TOKEN: &str = "test-admin-token-5b1e";
const SHOP: &str = "main";
const SALT: upsell_sync::model::InstallSalt = upsell_sync::model::InstallSalt([7; 32]);

struct App {
    base: String,
    store: ShopStore,
    _root: Store,
    client: reqwest::Client,
}

impl App {
    /// `method url` with a JSON body and the token.
    async fn send_json(
        &self,
        method: reqwest::Method,
        url: &str,
        body: &Value,
    ) -> reqwest::Response {
        let request = self
            .client
            .request(method, url)
            .bearer_auth(TOKEN)
            .json(body);
        request.send().await.unwrap()
    }

    /// A form post with the token.
    async fn send_form(
        &self,
        url: impl reqwest::IntoUrl,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        let request = self.client.post(url).bearer_auth(TOKEN).form(form);
        request.send().await.unwrap()
    }

    /// A page's HTML, fetched with the token.
    async fn html(&self, url: impl reqwest::IntoUrl) -> String {
        let response = self
            .client
            .get(url)
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        response.text().await.unwrap()
    }
}

/// A computed shop of 400 products behind a server on a free port.
async fn app() -> App {
    let root = Store::open_temporary().unwrap();
    let store = root.shop(SHOP).unwrap();
    let data = generate(&ShopSpec::new(11, 400, 4_000));
    for product in &data.products {
        store.put_product(product).unwrap();
    }
    for order in &data.orders {
        store.put_order(order).unwrap();
    }
    let params = Params {
        holdout_percent: 20.0,
        ..Params::default()
    };
    compute_shop(&store, &params, Utc::now()).unwrap();
    let board = StatusBoard::default();
    board.register(SHOP, "shopify");
    let endpoint = ShopEndpoint::new("shopify", store.clone(), None, Arc::new(Notify::new()));
    let shops = HashMap::from([(SHOP.to_owned(), endpoint)]);
    let state =
        ServerState::new(&root, shops, board, 65_536, Some(Secret::new(TOKEN))).with_salt(SALT);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router(state)).await });
    App {
        base,
        store,
        _root: root,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
    }
}

/// A concrete path for a route pattern.
fn concrete(path: &str) -> String {
    path.replace("{shop}", SHOP)
        .replace("{id}", "1")
        .replace("{customer}", "42")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_protected_route_refuses_requests_without_the_token() {
    let app = app().await;
    let protected = routes::protected();
    assert!(
        protected.len() >= 14,
        "the table lists the admin and API routes"
    );
    let mut checked = 0;
    for route in &protected {
        for method in route.methods {
            let url = format!("{}{}", app.base, concrete(route.path));
            let request = |token: Option<&str>| {
                let mut builder = app
                    .client
                    .request(method.clone(), &url)
                    .header("content-type", "application/json")
                    .body("{}");
                if let Some(token) = token {
                    builder = builder.bearer_auth(token);
                }
                builder.send()
            };
            let without = request(None).await.unwrap();
            assert_eq!(
                without.status(),
                StatusCode::UNAUTHORIZED,
                "{method} {url} without a token"
            );
            let wrong = request(Some("not-the-token")).await.unwrap();
            assert_eq!(
                wrong.status(),
                StatusCode::UNAUTHORIZED,
                "{method} {url} wrong token"
            );
            let with = request(Some(TOKEN)).await.unwrap();
            assert_ne!(
                with.status(),
                StatusCode::UNAUTHORIZED,
                "{method} {url} with the token"
            );
            checked += 1;
        }
    }
    assert!(checked >= 16, "{checked} route methods checked");
    // The open routes are exactly these: a new route must choose a table knowingly.
    let open: Vec<&str> = routes::open().iter().map(|r| r.path).collect();
    assert_eq!(
        open,
        [
            "/webhooks/shopify/{shop}",
            "/webhooks/woocommerce/{shop}",
            "/healthz",
            "/readyz",
            "/metrics",
            "/login"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_login_form_sets_a_strict_http_only_cookie_only_for_the_right_token() {
    let app = app().await;
    let login = format!("{}/login", app.base);
    let form = app.client.get(&login).send().await.unwrap();
    assert_eq!(form.status(), StatusCode::OK);
    assert!(form.text().await.unwrap().contains("id=\"login-form\""));

    let wrong = app
        .client
        .post(&login)
        .form(&[("token", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.headers().get("set-cookie").is_none());
    assert!(wrong.text().await.unwrap().contains("id=\"login-error\""));

    let right = app
        .client
        .post(&login)
        .form(&[("token", TOKEN)])
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), StatusCode::SEE_OTHER);
    let cookie = right.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let session = cookie.split(';').next().unwrap().to_owned();
    let overview = app
        .client
        .get(format!("{}/", app.base))
        .header("cookie", session)
        .send()
        .await
        .unwrap();
    assert_eq!(overview.status(), StatusCode::OK);
    // No referrer reaches image hosts; no script runs; nothing frames the admin.
    let headers = overview.headers();
    assert_eq!(headers["referrer-policy"], "no-referrer");
    let policy = headers["content-security-policy"].to_str().unwrap();
    assert!(policy.starts_with("default-src 'none';"), "{policy}");
    assert!(!policy.contains("script-src"), "{policy}");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    let html = overview.text().await.unwrap();
    assert!(html.contains("data-shop=\"main\""), "{html}");
    assert!(!html.contains(TOKEN), "the page never shows the token");
}

async fn get_json(app: &App, path: &str) -> (StatusCode, Value) {
    let response = app
        .client
        .get(format!("{}{path}", app.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

fn encode(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_searches_and_explains_products() {
    let app = app().await;
    let (status, shops) = get_json(&app, "/api/v1/shops").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(shops[0]["name"], "main");
    assert_eq!(shops[0]["products"], 400);

    let product = app.store.products().next().unwrap().unwrap();
    let word = product.title.split_whitespace().next().unwrap().to_owned();
    let (status, page) = get_json(
        &app,
        &format!(
            "/api/v1/shops/main/products?q={}&per_page=500",
            encode(&word)
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<&str> = page["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&product.id.as_str()), "{word}: {ids:?}");
    assert_eq!(page["total"].as_u64().unwrap() as usize, ids.len());

    // A product with cross-sells: its reasons are in words, with the figures.
    let (anchor, recs) = app
        .store
        .all_recs()
        .map(Result::unwrap)
        .find(|(_, r)| !r.cross_sell.is_empty())
        .unwrap();
    let (status, detail) = get_json(
        &app,
        &format!("/api/v1/shops/main/products/{}", encode(anchor.as_str())),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["holdout"], recs.holdout);
    let cross = detail["lists"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["kind"] == "cross_sell")
        .unwrap();
    let first = &cross["links"][0];
    assert_eq!(first["item"]["id"], recs.cross_sell[0].product.as_str());
    assert_eq!(first["reason"], recs.cross_sell[0].why.describe());
    assert!(first["explanation"]["lift"].as_f64().is_some());

    let (status, missing) = get_json(&app, "/api/v1/shops/main/products/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(missing["error"].as_str().unwrap().contains("nope"));
    let (status, _) = get_json(&app, "/api/v1/shops/other/products").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_are_added_and_removed_through_the_api_and_queue_a_recompute() {
    let app = app().await;
    let url = format!("{}/api/v1/shops/main/rules", app.base);
    let item: ProductId = app.store.product_ids().next().unwrap().unwrap();
    let rule = json!({"rule": "block_item", "item": item.as_str()});
    let jobs_before = app.store.job_count();

    let added = app.send_json(reqwest::Method::POST, &url, &rule).await;
    assert_eq!(added.status(), StatusCode::CREATED);
    let listed: Value = added.json().await.unwrap();
    assert_eq!(listed[0]["rule"], rule);
    assert!(listed[0]["text"]
        .as_str()
        .unwrap()
        .starts_with("never recommend"));
    assert_eq!(app.store.rules().unwrap().iter().count(), 1);
    assert_eq!(
        app.store.job_count(),
        jobs_before + 1,
        "a recompute is queued"
    );

    let again = app.send_json(reqwest::Method::POST, &url, &rule).await;
    assert_eq!(
        again.status(),
        StatusCode::OK,
        "adding it twice changes nothing"
    );

    let unknown =
        json!({"rule": "pin", "anchor": item.as_str(), "kind": "cross_sell", "item": "no-such"});
    let refused = app.send_json(reqwest::Method::POST, &url, &unknown).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = refused.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().starts_with("item:"),
        "{body}"
    );
    let empty_tag = json!({"rule": "exclude_tag", "tag": "  "});
    let refused = app.send_json(reqwest::Method::POST, &url, &empty_tag).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let removed = app.send_json(reqwest::Method::DELETE, &url, &rule).await;
    assert_eq!(removed.status(), StatusCode::OK);
    assert!(app.store.rules().unwrap().is_empty());
    let gone = app.send_json(reqwest::Method::DELETE, &url, &rule).await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rules_form_adds_and_removes_and_the_product_page_shows_the_rule() {
    let app = app().await;
    let product = app.store.products().next().unwrap().unwrap();
    let tag = product
        .tags
        .first()
        .cloned()
        .unwrap_or_else(|| "sale".to_owned());
    let form_url = format!("{}/shops/main/rules", app.base);
    let added = app
        .send_form(&form_url, &[("rule", "exclude_tag"), ("tag", tag.as_str())])
        .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    let page = app.html(&form_url).await;
    assert_eq!(page.matches("class=\"rule-row\"").count(), 1);
    assert!(page.contains(&format!("tagged “{tag}”")), "{page}");

    if product.tags.iter().any(|t| t == &tag) {
        let detail = app
            .html(format!(
                "{}/shops/main/products/{}",
                app.base,
                encode(product.id.as_str())
            ))
            .await;
        assert!(
            detail.contains("class=\"rule\""),
            "the product page shows the rule"
        );
    }

    let bad = app
        .send_form(&form_url, &[("rule", "block_pair"), ("a", "x")])
        .await;
    assert_eq!(bad.status(), StatusCode::SEE_OTHER);
    let location = bad.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.contains("error=b%3A"), "{location}");

    let encoded =
        serde_json::to_string(&app.store.rules().unwrap().iter().next().unwrap()).unwrap();
    let removed = app
        .send_form(format!("{form_url}/remove"), &[("rule", encoded.as_str())])
        .await;
    assert_eq!(removed.status(), StatusCode::SEE_OTHER);
    assert!(app.store.rules().unwrap().is_empty());
}

/// A planted shop for the lift: anchors A and B publish their cross-sells, C and D are
/// held out; A and C recommend X, B and D recommend Y. Eight orders on 2026-03-10:
///   A+X, A, B+Y, B+Y  → published: 4 occurrences, 3 attached (75%)
///   C+X, C, D, D      → holdout:   4 occurrences, 1 attached (25%)
/// Lift = 0.75 / 0.25 − 1 = 2 (+200%). Katz: se = √(1/3 − 1/4 + 1/1 − 1/4) = √(5/6);
/// bounds = exp(ln 3 ∓ 1.96·√(5/6)) − 1 = −0.498732171… and 16.954473606….
/// Revenue from recommended pairs (published): X 10.00 + Y 5.00 + Y 5.00 = 20.00.
async fn planted_app() -> App {
    use upsell_sync::model::{
        Explanation, LineItem, Link, LinkSource, Money, Order, OrderFlags, OrderId, ProductRecs,
    };
    let app = app().await;
    let store = &app.store;
    for entry in store.all_recs() {
        store.remove_recs(&entry.unwrap().0).unwrap();
    }
    for id in store.order_ids().map(Result::unwrap).collect::<Vec<_>>() {
        store.remove_order(&id).unwrap();
    }
    let link = |to: &str| Link {
        product: ProductId::new(to),
        score: 1.0,
        why: Explanation {
            source: LinkSource::CoPurchase,
            co_orders: 1.0,
            anchor_orders: 2.0,
            confidence: 0.5,
            lift: 2.0,
            price_ratio: None,
            similarity: 0.0,
        },
    };
    for (anchor, item, holdout) in [
        ("A", "X", false),
        ("B", "Y", false),
        ("C", "X", true),
        ("D", "Y", true),
    ] {
        let recs = ProductRecs {
            cross_sell: vec![link(item)],
            holdout,
            ..ProductRecs::default()
        };
        store.put_recs(&ProductId::new(anchor), &recs).unwrap();
    }
    let price = |p: &str| {
        Money::parse(if p == "X" {
            "10"
        } else if p == "Y" {
            "5"
        } else {
            "30"
        })
        .unwrap()
    };
    let baskets: [&[&str]; 8] = [
        &["A", "X"],
        &["A"],
        &["B", "Y"],
        &["B", "Y"],
        &["C", "X"],
        &["C"],
        &["D"],
        &["D"],
    ];
    let day = chrono::DateTime::parse_from_rfc3339("2026-03-10T12:00:00Z")
        .unwrap()
        .to_utc();
    for (i, basket) in baskets.iter().enumerate() {
        store
            .put_order(&Order {
                id: OrderId::new(format!("planted-{i}")),
                created_at: day,
                customer: None,
                flags: OrderFlags::default(),
                lines: basket
                    .iter()
                    .map(|p| LineItem {
                        product: ProductId::new(*p),
                        variant: None,
                        quantity: 1,
                        unit_price: price(p),
                    })
                    .collect(),
            })
            .unwrap();
    }
    app
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_metrics_page_shows_the_hand_computed_holdout_lift_of_a_planted_shop() {
    let app = planted_app().await;
    let (low, high) = (-0.498_732_171_300_167_45, 16.954_473_606_143_498);
    let (status, measured) = get_json(
        &app,
        "/api/v1/shops/main/metrics?from=2026-03-01&to=2026-03-31",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let cross = &measured["impact"]["kinds"][0];
    assert_eq!(cross["kind"], "cross_sell");
    assert_eq!(cross["treated"], json!({"occurrences": 4, "attached": 3}));
    assert_eq!(cross["holdout"], json!({"occurrences": 4, "attached": 1}));
    let lift = &cross["lift"];
    assert!(
        (lift["estimate"].as_f64().unwrap() - 2.0).abs() < 1e-9,
        "{lift}"
    );
    assert!((lift["low"].as_f64().unwrap() - low).abs() < 1e-9, "{lift}");
    assert!(
        (lift["high"].as_f64().unwrap() - high).abs() < 1e-9,
        "{lift}"
    );

    let html = app
        .html(format!(
            "{}/shops/main/metrics?from=2026-03-01&to=2026-03-31",
            app.base
        ))
        .await;
    let row = html
        .split("<tr data-kind=\"cross_sell\">")
        .nth(1)
        .and_then(|rest| rest.split("</tr>").next())
        .expect("a cross_sell row");
    assert!(row.contains("75.0% (3 of 4)"), "{row}");
    assert!(row.contains("25.0% (1 of 4)"), "{row}");
    assert!(row.contains("+200.0% (95% CI -49.9% to +1695.4%)"), "{row}");
    assert!(row.contains("20.00"), "{row}");
    assert!(html.contains("id=\"attach-chart\""), "the chart is drawn");

    // Outside the period nothing is measured.
    let (_, empty) = get_json(
        &app,
        "/api/v1/shops/main/metrics?from=2026-04-01&to=2026-04-30",
    )
    .await;
    assert_eq!(empty["impact"]["kinds"][0]["treated"]["occurrences"], 0);
    let (status, bad) = get_json(&app, "/api/v1/shops/main/metrics?from=March").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad["error"].as_str().unwrap().starts_with("from:"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cart_endpoint_ranks_cross_sells_and_closes_the_free_shipping_gap() {
    let app = app().await;
    let (anchor, recs) = app
        .store
        .all_recs()
        .map(Result::unwrap)
        .find(|(_, r)| r.cross_sell.len() >= 2)
        .unwrap();
    let url = format!("{}/api/v1/shops/main/cart", app.base);
    let body = json!({
        "items": [{"product": anchor.as_str(), "quantity": 1}],
        "subtotal": "1.00",
        "free_shipping_threshold": "50.00",
    });
    let response = app.send_json(reqwest::Method::POST, &url, &body).await;
    assert_eq!(response.status(), StatusCode::OK);
    let answer: Value = response.json().await.unwrap();
    let suggested: Vec<&str> = answer["cross_sells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["product"].as_str().unwrap())
        .collect();
    assert!(!suggested.is_empty());
    assert!(
        !suggested.contains(&anchor.as_str()),
        "nothing already in the cart"
    );
    let listed: Vec<&str> = recs.cross_sell.iter().map(|l| l.product.as_str()).collect();
    assert!(
        suggested.iter().all(|s| listed.contains(s)),
        "{suggested:?} from {listed:?}"
    );
    assert_eq!(
        answer["free_shipping"]["gap"], 490_000,
        "50.00 − 1.00 in ten-thousandths"
    );

    let bad = json!({"items": [{"product": anchor.as_str(), "quantity": 1}], "subtotal": "ten"});
    let refused = app.send_json(reqwest::Method::POST, &url, &bad).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = refused.json().await.unwrap();
    assert!(
        error["error"].as_str().unwrap().starts_with("subtotal:"),
        "{error}"
    );
    let empty = app
        .send_json(reqwest::Method::POST, &url, &json!({"items": []}))
        .await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_suggestions_hash_the_platform_id_and_leave_out_what_they_own() {
    use upsell_sync::model::{CustomerHash, LineItem, Money, Order, OrderFlags, OrderId};
    let app = app().await;
    let (anchor, recs) = app
        .store
        .all_recs()
        .map(Result::unwrap)
        .find(|(_, r)| r.cross_sell.len() >= 3)
        .unwrap();
    let owned = recs.cross_sell[0].product.clone();
    let customer = CustomerHash::new(&SALT, "gid://shopify/Customer/42");
    let line = |product: &ProductId| LineItem {
        product: product.clone(),
        variant: None,
        quantity: 1,
        unit_price: Money::parse("9.99").unwrap(),
    };
    app.store
        .put_order(&Order {
            id: OrderId::new("customer-42-order"),
            created_at: Utc::now() - chrono::Duration::days(3),
            customer: Some(customer),
            flags: OrderFlags::default(),
            lines: vec![line(&anchor), line(&owned)],
        })
        .unwrap();
    let (status, answer) =
        get_json(&app, "/api/v1/shops/main/customers/42/suggestions?limit=5").await;
    assert_eq!(status, StatusCode::OK);
    let picks: Vec<&str> = answer["cross_sells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["product"].as_str().unwrap())
        .collect();
    assert!(!picks.is_empty() && picks.len() <= 5, "{picks:?}");
    assert!(!picks.contains(&owned.as_str()) && !picks.contains(&anchor.as_str()));
    assert!(
        picks.contains(&recs.cross_sell[1].product.as_str()),
        "{picks:?}"
    );

    let (status, nobody) = get_json(&app, "/api/v1/shops/main/customers/43/suggestions").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(nobody["cross_sells"], json!([]));
    let (status, bad) = get_json(&app, "/api/v1/shops/main/customers/abc/suggestions").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad["error"].as_str().unwrap().starts_with("customer:"));
}
