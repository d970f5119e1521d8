//! The admin token: `Authorization: Bearer <token>`, or the `upsell_sync_token` cookie
//! set when a browser opens a page with `?token=<token>` (the URL `demo` and `run`
//! print). Without a configured token the admin pages stay closed.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use sha2::{Digest, Sha256};

use super::ServerState;

/// The cookie holding the token after a `?token=` login.
const COOKIE: &str = "upsell_sync_token";

/// Lets requests with the token through; 401 (or 403 when no token is configured).
pub async fn require_token(
    State(state): State<ServerState>,
    request: Request,
    next: Next,
) -> Response {
    let Some(token) = state.admin_token.as_ref().map(|t| t.expose().to_owned()) else {
        return (
            StatusCode::FORBIDDEN,
            "the admin pages are closed: set daemon.admin_token in the config",
        )
            .into_response();
    };
    if let Some(given) = query_token(request.uri().query()) {
        if !same(&given, &token) {
            return unauthorized();
        }
        // Move the token out of the address bar (and history) into a cookie.
        let mut response = Redirect::to(request.uri().path()).into_response();
        if let Some(cookie) = session_cookie(&given) {
            response.headers_mut().insert(header::SET_COOKIE, cookie);
        }
        return response;
    }
    match presented(request.headers()) {
        Some(given) if same(&given, &token) => next.run(request).await,
        _ => unauthorized(),
    }
}

/// Whether `given` is the configured admin token (never, without one).
pub fn accepts(state: &ServerState, given: &str) -> bool {
    state
        .admin_token
        .as_ref()
        .is_some_and(|token| same(given, token.expose()))
}

/// The `Set-Cookie` value that logs a browser in with `token`: `HttpOnly`, and
/// SameSite=Strict so no other site's form can post with it.
pub fn session_cookie(token: &str) -> Option<HeaderValue> {
    format!("{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/")
        .parse()
        .ok()
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer")],
        "the admin token is missing or wrong: log in at /login, open the URL upsell-sync \
         printed (…/?token=…), or send Authorization: Bearer <token>",
    )
        .into_response()
}

/// The token from the bearer header or the cookie.
fn presented(headers: &HeaderMap) -> Option<String> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    bearer.or_else(|| {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .find_map(|pair| {
                pair.trim()
                    .strip_prefix(&format!("{COOKIE}="))
                    .map(str::to_owned)
            })
    })
}

fn query_token(query: Option<&str>) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(key, _)| key == "token")
        .map(|(_, value)| value.into_owned())
}

/// Compares digests, so the time taken says nothing about how much of the token matched.
fn same(given: &str, token: &str) -> bool {
    Sha256::digest(given.as_bytes()) == Sha256::digest(token.as_bytes())
}
