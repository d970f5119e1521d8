//! The admin pages: server-rendered HTML from askama templates compiled into the
//! binary (`templates/`), no front-end build step. Every page reads; the rule forms
//! are the only writes, and they go through the same functions as the JSON API.
//!
//! Module map: `login` (the token form), `overview` (shops), `products` (search and
//! detail), `rules` (add and remove), `metrics` (measured lift, with charts).

pub mod login;
pub mod metrics;
pub mod overview;
pub mod products;
pub mod rules;

use askama::Template;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::api::ApiError;
use super::ServerState;

/// Renders a page, or a 500 naming the template error.
pub fn page(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => (PAGE_HEADERS, Html(html)).into_response(),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
    }
}

/// Headers of every page. The pages run no script and load only their inline style and
/// product images (which live on the platforms' hosts); nothing may frame them; and no
/// address of the admin (which may still carry `?token=` on the first visit) is sent to
/// an image host as a referrer.
const PAGE_HEADERS: [(header::HeaderName, &str); 4] = [
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: http: data:; \
         form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    ),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::X_FRAME_OPTIONS, "DENY"),
];

/// An API error as a plain page (the status and the message).
#[must_use]
pub fn error_page(error: &ApiError) -> Response {
    (error.status(), error.message().to_owned()).into_response()
}

/// A redirect to `/shops/{first shop}/{page}`, or 404 without shops.
#[must_use]
pub fn first_shop(state: &ServerState, page: &str) -> Response {
    match shop_names(state).first() {
        Some(name) => Redirect::to(&format!("/shops/{}/{page}", encode(name))).into_response(),
        None => error_page(&ApiError::not_found("no shop is configured")),
    }
}

/// `text` percent-encoded for a path segment or a query value.
#[must_use]
pub fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Every configured shop's name, sorted.
#[must_use]
pub fn shop_names(state: &ServerState) -> Vec<String> {
    let mut names: Vec<String> = state.shops.keys().cloned().collect();
    names.sort();
    names
}
