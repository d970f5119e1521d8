//! `GET /login` shows the token form; `POST /login` checks the token and sets the
//! session cookie (`HttpOnly`, `SameSite=Strict`), so a browser never keeps the token in
//! its address bar or history.

use askama::Template;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use super::page;
use crate::server::auth;
use crate::server::ServerState;

#[derive(Template)]
#[template(path = "login.html")]
struct Login {
    failed: bool,
}

/// The form's fields.
#[derive(Deserialize)]
pub struct Credentials {
    token: String,
}

/// `GET /login`.
pub async fn form() -> Response {
    page(&Login { failed: false })
}

/// `POST /login`: 303 to the overview with the cookie, or the form again with 401.
pub async fn submit(State(state): State<ServerState>, Form(given): Form<Credentials>) -> Response {
    if !auth::accepts(&state, &given.token) {
        let mut response = page(&Login { failed: true });
        *response.status_mut() = StatusCode::UNAUTHORIZED;
        return response;
    }
    let mut response = Redirect::to("/").into_response();
    if let Some(cookie) = auth::session_cookie(&given.token) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}
