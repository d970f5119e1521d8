//! Hostile webhook deliveries (DESIGN.md §8), posted to the real router in process and
//! then applied by the real job worker:
//!
//! - without a valid signature (absent, blank, junk, another secret's, another body's)
//!   every delivery is refused with 401 and nothing is queued;
//! - with a valid signature over arbitrary bytes, arbitrary JSON or an edited capture,
//!   the answer is 200 (queued), 400 (no topic) or 413 (too large); the worker then
//!   applies or reports every queued job without panicking, and a body it cannot read
//!   puts an error naming the topic and the field on the shop's status;
//! - the payload parsers name the field an edit of a real payload touched.

#[allow(dead_code)] // each hostile test uses part of the shared strategies
mod hostile;

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use chrono::Utc;
use hostile::platform::{check_payload_error, is_error_object, Platform, PLATFORMS, SALT, TOPICS};
use hostile::{broken_json, json_value, mutation_of, seed, Mutation};
use proptest::prelude::*;
use tokio::sync::Notify;
use tower::ServiceExt;
use upsell_sync::config::Secret;
use upsell_sync::platform::webhook_event::{PayloadError, WebhookEvent};
use upsell_sync::platform::webhook_signature::sign;
use upsell_sync::server::{router, ServerState, ShopEndpoint};
use upsell_sync::store::{ShopStore, Store};
use upsell_sync::sync::job_batch::JobBatch;
use upsell_sync::sync::status::{Phase, StatusBoard};

const SECRET: &str = "hostile-webhook-secret-3f9a";
const BODY_LIMIT: usize = 256 * 1024;

const TESTS: [&str; 2] = ["refused", "signed"];

/// A server with one shop per platform and test, and a runtime to call it on.
struct Daemon {
    runtime: tokio::runtime::Runtime,
    router: Router,
    shops: HashMap<String, ShopStore>,
    board: StatusBoard,
    _root: Store,
}

static DAEMON: LazyLock<Daemon> = LazyLock::new(|| {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let root = Store::open_temporary().unwrap();
    let board = StatusBoard::default();
    let mut endpoints = HashMap::new();
    let mut shops = HashMap::new();
    for test in TESTS {
        for platform in PLATFORMS {
            let name = platform.shop(test);
            let store = root.shop(&name).unwrap();
            board.register(&name, platform.name());
            let secret = Some(Secret::new(SECRET));
            let endpoint = ShopEndpoint::new(
                platform.name(),
                store.clone(),
                secret,
                Arc::new(Notify::new()),
            );
            endpoints.insert(name.clone(), endpoint);
            shops.insert(name, store);
        }
    }
    let state = {
        let _inside = runtime.enter();
        ServerState::new(&root, endpoints, board.clone(), BODY_LIMIT, None)
    };
    Daemon {
        runtime,
        router: router(state),
        shops,
        board,
        _root: root,
    }
});

/// Posts a delivery and returns the status and the answer's text.
fn post(
    platform: Platform,
    shop: &str,
    headers: &[(&str, String)],
    body: Vec<u8>,
) -> (StatusCode, String) {
    let mut request = Request::post(format!("/webhooks/{}/{shop}", platform.name()));
    for (name, value) in headers {
        request = request.header(*name, value.as_str());
    }
    let request = request.body(Body::from(body)).unwrap();
    DAEMON.runtime.block_on(async {
        let response = DAEMON.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let text = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap();
        (status, String::from_utf8_lossy(&text).into_owned())
    })
}

/// A signature header that must not pass.
#[derive(Clone, Debug)]
enum Forgery {
    Absent,
    Blank,
    Junk(String),
    OtherSecret(String),
    OtherBody,
}

fn forgery() -> impl Strategy<Value = Forgery> {
    prop_oneof![
        Just(Forgery::Absent),
        Just(Forgery::Blank),
        "[A-Za-z0-9+/=]{0,64}".prop_map(Forgery::Junk),
        "[ -~]{1,40}".prop_map(Forgery::Junk),
        "[ -~]{1,40}"
            .prop_filter("another secret", |s| s != SECRET)
            .prop_map(Forgery::OtherSecret),
        Just(Forgery::OtherBody),
    ]
}

fn platform() -> impl Strategy<Value = Platform> {
    prop::sample::select(PLATFORMS.to_vec())
}

/// A body for `platform`: an edited seed, broken JSON, arbitrary JSON or bytes; and the
/// topic to send it under (the seed's, or a known or unknown one).
fn delivery(platform: Platform) -> impl Strategy<Value = (String, Vec<u8>)> {
    let seeds = platform.seeds();
    let edited: Vec<_> = seeds
        .iter()
        .map(|(topic, value)| {
            let topic = (*topic).to_owned();
            let value = value.clone();
            mutation_of(&value)
                .prop_map(move |m| (topic.clone(), serde_json::to_vec(&m.apply(&value)).unwrap()))
                .boxed()
        })
        .collect();
    let broken: Vec<_> = seeds
        .iter()
        .map(|(topic, value)| {
            let topic = (*topic).to_owned();
            broken_json(value)
                .prop_map(move |b| (topic.clone(), b))
                .boxed()
        })
        .collect();
    let topics: Vec<String> = seeds.iter().map(|(t, _)| (*t).to_owned()).collect();
    let any_topic = prop_oneof![prop::sample::select(topics), "[a-z/._]{0,20}"];
    let arbitrary = (
        any_topic,
        prop_oneof![
            json_value().prop_map(|v| serde_json::to_vec(&v).unwrap()),
            prop::collection::vec(any::<u8>(), 0..1024),
        ],
    );
    prop_oneof![
        3 => prop::strategy::Union::new(edited),
        1 => prop::strategy::Union::new(broken),
        2 => arbitrary,
    ]
}

/// Applies what is queued for `shop` and returns how many jobs the worker took.
fn run_worker(platform: Platform, shop: &str) -> usize {
    let batch = JobBatch {
        shop: shop.to_owned(),
        platform: platform.config(),
        store: DAEMON.shops[shop].clone(),
        salt: SALT,
        board: DAEMON.board.clone(),
    };
    let outcome = batch.run(100, None, Utc::now()).expect("the store works");
    outcome.jobs
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn deliveries_without_a_valid_signature_are_refused_and_nothing_is_queued(
        platform in platform(),
        body in prop::collection::vec(any::<u8>(), 0..512),
        forgery in forgery(),
        json in any::<bool>(),
    ) {
        let shop = platform.shop("refused");
        let store = &DAEMON.shops[&shop];
        let queued = store.job_count();
        let mut headers = vec![(platform.topic_header(), "orders/create".to_owned())];
        if json {
            headers.push(("content-type", "application/json".to_owned()));
        }
        let signature = match &forgery {
            Forgery::Absent => None,
            Forgery::Blank => Some("  ".to_owned()),
            Forgery::Junk(text) => Some(text.clone()),
            Forgery::OtherSecret(secret) => Some(sign(secret.as_bytes(), &body)),
            Forgery::OtherBody => Some(sign(SECRET.as_bytes(), b"{\"id\":1}")),
        };
        let other_body_matches = matches!(forgery, Forgery::OtherBody) && body == b"{\"id\":1}";
        prop_assume!(!other_body_matches);
        if let Some(signature) = signature {
            headers.push((platform.signature_header(), signature));
        }
        let (status, text) = post(platform, &shop, &headers, body);
        prop_assert_eq!(status, StatusCode::UNAUTHORIZED, "{}", text);
        prop_assert!(!text.contains(SECRET));
        prop_assert_eq!(store.job_count(), queued);
    }

    #[test]
    fn signed_hostile_bodies_are_queued_or_refused_clearly_and_the_worker_reports_them(
        (platform, (topic, body)) in platform().prop_flat_map(|p| (Just(p), delivery(p))),
        with_topic in prop::bool::weighted(0.95),
    ) {
        let shop = platform.shop("signed");
        let store = &DAEMON.shops[&shop];
        prop_assert_eq!(store.job_count(), 0);
        let errors_before = DAEMON.board.shop(&shop).unwrap().errors_total;
        let mut headers = vec![
            (platform.signature_header(), sign(SECRET.as_bytes(), &body)),
            ("content-type", "application/json".to_owned()),
        ];
        if with_topic {
            headers.push((platform.topic_header(), topic.clone()));
        }
        let too_large = body.len() > BODY_LIMIT;
        let (status, text) = post(platform, &shop, &headers, body.clone());
        let expected = if too_large {
            StatusCode::PAYLOAD_TOO_LARGE
        } else if with_topic {
            StatusCode::OK
        } else {
            StatusCode::BAD_REQUEST
        };
        prop_assert_eq!(status, expected, "{}", text);
        if status != StatusCode::OK {
            prop_assert!(!text.is_empty());
            prop_assert_eq!(store.job_count(), 0);
            return Ok(());
        }
        prop_assert_eq!(store.job_count(), 1);
        prop_assert_eq!(run_worker(platform, &shop), 1);
        prop_assert_eq!(store.job_count(), 0, "the job is acknowledged");
        let board = DAEMON.board.shop(&shop).unwrap();
        match platform.parse(&topic, &body) {
            Ok(_) => prop_assert_eq!(board.errors_total, errors_before),
            Err(error) => {
                check_payload_error(&error, &topic);
                prop_assert_eq!(board.errors_total, errors_before + 1);
                let shown = board.errors.back().unwrap();
                prop_assert_eq!(shown.phase, Phase::Applying.as_str());
                prop_assert_eq!(&shown.message, &error.to_string());
            }
        }
    }

    #[test]
    fn an_edited_payload_parses_or_names_the_edited_field(
        (platform, index, mutation) in platform().prop_flat_map(|p| {
            let seeds = p.seeds();
            (Just(p), 0..seeds.len()).prop_flat_map(move |(p, i)| {
                (Just(p), Just(i), mutation_of(&p.seeds()[i].1))
            })
        }),
    ) {
        let (topic, seed) = &platform.seeds()[index];
        let body = serde_json::to_vec(&mutation.apply(seed)).unwrap();
        if let Err(error) = platform.parse(topic, &body) {
            check_payload_error(&error, topic);
            check_names_the_edit(&error, &mutation, is_error_object(seed));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_json_under_every_topic_is_parsed_or_named(value in json_value()) {
        let body = serde_json::to_vec(&value).unwrap();
        for (platform, topic) in TOPICS {
            if let Err(error) = platform.parse(topic, &body) {
                check_payload_error(&error, topic);
            }
        }
    }
}

/// An error about an edited payload names the edited member (or, for an edited list
/// element, the list). An edited error object is no longer one: it is read as the
/// record its topic promises, which lacks an `id`.
fn check_names_the_edit(error: &PayloadError, mutation: &Mutation, error_object: bool) {
    let key = mutation.key().unwrap_or(".");
    let names = |name: &str| error.field.contains(name) || error.reason.contains(name);
    assert!(
        names(key) || (error_object && error.field == "id"),
        "edit at {}: the error does not name `{key}`: {error}",
        mutation.dotted()
    );
}

#[test]
fn the_seed_payloads_parse_and_a_signed_seed_is_queued() {
    for platform in PLATFORMS {
        for (topic, seed) in platform.seeds() {
            let body = serde_json::to_vec(&seed).unwrap();
            let event = platform.parse(topic, &body);
            assert!(event.is_ok(), "{topic}: {event:?}");
            let ignored = matches!(event, Ok(WebhookEvent::Ignored(_)));
            assert_eq!(ignored, is_error_object(&seed), "{topic}: {event:?}");
        }
    }
    // The raw capture, exactly as WooCommerce signed and sent it, is accepted.
    let raw = seed("webhook_woocommerce", "order_created.json");
    let parsed = Platform::WooCommerce.parse("order.created", &raw);
    assert!(matches!(parsed, Ok(WebhookEvent::Order(_))), "{parsed:?}");
}
