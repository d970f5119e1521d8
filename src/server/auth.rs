//! The admin token: `Authorization: Bearer <token>`, or the `upsell_sync_token` cookie
//! set when a browser opens a page with `?token=<token>` (the URL `demo` and `run`
//! print) or logs in. The cookie holds a digest of the token, never the token itself,
//! so the token is in no response and in no browser's cookie store. Without a
//! configured token the admin pages stay closed.

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
    if presents(request.headers(), &token) {
        next.run(request).await
    } else {
        unauthorized()
    }
}

/// Whether `given` is the configured admin token (never, without one).
pub fn accepts(state: &ServerState, given: &str) -> bool {
    state
        .admin_token
        .as_ref()
        .is_some_and(|token| same(given, token.expose()))
}

/// The `Set-Cookie` value that logs a browser in with `token`: its session digest,
/// `HttpOnly`, and SameSite=Strict so no other site's form can post with it.
pub fn session_cookie(token: &str) -> Option<HeaderValue> {
    format!(
        "{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/",
        session_value(token)
    )
    .parse()
    .ok()
}

/// What the session cookie holds for `token`: a digest the token cannot be read from.
fn session_value(token: &str) -> String {
    let mut digest = Sha256::new();
    digest.update(b"upsell-sync admin session\0");
    digest.update(token.as_bytes());
    hex::encode(digest.finalize())
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

/// Whether the request carries `token` in the bearer header, or its session digest in
/// the cookie.
fn presents(headers: &HeaderMap, token: &str) -> bool {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match bearer {
        Some(given) => same(given, token),
        None => cookie(headers).is_some_and(|given| same(&given, &session_value(token))),
    }
}

/// The session cookie's value, if sent.
fn cookie(headers: &HeaderMap) -> Option<String> {
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
