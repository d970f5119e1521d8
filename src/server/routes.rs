//! Every route the server answers, in two tables: the open ones (webhooks carry their
//! own signature; health and metrics show counts, never data; the login form) and the
//! protected ones (admin pages and the JSON API, behind the token). The router is built
//! from these tables and nothing else, so a test that walks [`protected`] covers every
//! admin and API route there is.

use axum::http::Method;
use axum::routing::{delete, get, post, MethodRouter};

use super::{admin, api, health, metrics, webhooks, ServerState};

/// One path with the methods it answers.
pub struct Route {
    /// The axum path, with `{param}` placeholders.
    pub path: &'static str,
    /// The methods routed.
    pub methods: &'static [Method],
    /// The handlers.
    pub handler: MethodRouter<ServerState>,
}

fn route(
    path: &'static str,
    methods: &'static [Method],
    handler: MethodRouter<ServerState>,
) -> Route {
    Route {
        path,
        methods,
        handler,
    }
}

const GET: &[Method] = &[Method::GET];
const POST: &[Method] = &[Method::POST];
const GET_POST: &[Method] = &[Method::GET, Method::POST];
const RULES: &[Method] = &[Method::GET, Method::POST, Method::DELETE];

/// Routes anyone may call.
#[must_use]
pub fn open() -> Vec<Route> {
    vec![
        route("/webhooks/shopify/{shop}", POST, post(webhooks::shopify)),
        route(
            "/webhooks/woocommerce/{shop}",
            POST,
            post(webhooks::woocommerce),
        ),
        route("/healthz", GET, get(health::healthz)),
        route("/readyz", GET, get(health::readyz)),
        route("/metrics", GET, get(metrics::metrics)),
        route(
            "/login",
            GET_POST,
            get(admin::login::form).post(admin::login::submit),
        ),
    ]
}

/// Routes that need the admin token: every admin page and the whole JSON API.
#[must_use]
pub fn protected() -> Vec<Route> {
    vec![
        // Admin pages.
        route("/", GET, get(admin::overview::overview)),
        route("/products", GET, get(admin::products::search)),
        route(
            "/shops/{shop}/products/{id}",
            GET,
            get(admin::products::detail),
        ),
        route("/rules", GET, get(admin::rules::first)),
        route(
            "/shops/{shop}/rules",
            GET_POST,
            get(admin::rules::list).post(admin::rules::add),
        ),
        route(
            "/shops/{shop}/rules/remove",
            POST,
            post(admin::rules::remove),
        ),
        route("/impact", GET, get(admin::metrics::first)),
        route("/shops/{shop}/metrics", GET, get(admin::metrics::show)),
        // JSON API.
        route("/api/v1/shops", GET, get(api::shops::list)),
        route("/api/v1/shops/{shop}", GET, get(api::shops::one)),
        route(
            "/api/v1/shops/{shop}/products",
            GET,
            get(api::products::search),
        ),
        route(
            "/api/v1/shops/{shop}/products/{id}",
            GET,
            get(api::products::detail),
        ),
        route(
            "/api/v1/shops/{shop}/rules",
            RULES,
            get(api::rules::list)
                .post(api::rules::add)
                .merge(delete(api::rules::remove)),
        ),
        route(
            "/api/v1/shops/{shop}/metrics",
            GET,
            get(api::metrics::metrics),
        ),
        route("/api/v1/shops/{shop}/cart", POST, post(api::suggest::cart)),
        route(
            "/api/v1/shops/{shop}/customers/{customer}/suggestions",
            GET,
            get(api::suggest::customer),
        ),
    ]
}
