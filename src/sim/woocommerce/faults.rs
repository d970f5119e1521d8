//! Faults a test queues for the next requests: server errors, throttles, slow answers,
//! broken connections, malformed JSON and proxy error pages. One fault is consumed per
//! request that reaches the store (after the host rate limit), before it executes.
//!
//! A faulted request is not executed and changes nothing, except
//! [`WooFault::Delay`] (slow but real), [`WooFault::DropAfterExecute`] (the write
//! happened, the client never hears about it), [`WooFault::Rewrite`] (real, with its
//! answer changed), [`WooFault::DeleteProductFirst`] and [`WooFault::TrashOrderFirst`]
//! (a merchant's deletion just before it), which say so in their names or docs.

use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::rate_limit::too_many;
pub use crate::sim::plumbing::Rewrite;

/// One injected misbehaviour, consumed by the next request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WooFault {
    /// Answers this HTTP status: 500 with WordPress's JSON "critical error", other codes
    /// with a proxy's HTML page.
    Status(u16),
    /// Answers 429, with `Retry-After` when given.
    TooManyRequests {
        /// Seconds in the `Retry-After` header.
        retry_after_secs: Option<u64>,
    },
    /// Waits this long (real time) and then answers 503, so a client timeout fires first.
    Slow(Duration),
    /// Waits this long (real time) and then executes the request normally.
    Delay(Duration),
    /// Closes the connection without sending a response.
    CloseConnection,
    /// Starts a 200 answer and breaks the connection in the middle of the body.
    ResetMidBody,
    /// Executes the request, then breaks the connection instead of answering: the state
    /// changed but the client sees a transport error.
    DropAfterExecute,
    /// Answers 200 with the right headers and a truncated JSON body.
    MalformedJson,
    /// Answers 200 with an HTML page, as a caching proxy or security plugin might.
    HtmlErrorPage,
    /// Answers 200 with a complete body that is not JSON (a stray comma, a bare word):
    /// broken syntax rather than a cut-off answer.
    InvalidJson,
    /// Executes the request, then sends its answer passed through the rewrite (headers
    /// kept): data of the wrong shape, an empty page, an odd record.
    Rewrite(Rewrite),
    /// Deletes this product for good (as a merchant would between two of the client's
    /// pages), then executes the request normally.
    DeleteProductFirst(u64),
    /// Moves this order to the trash (which drops it from listings), then executes the
    /// request normally.
    TrashOrderFirst(u64),
}

/// What the server does with a fault before executing the request.
pub(crate) enum Before {
    /// Answer this instead of executing.
    Answer(Response),
    /// Execute (after waiting, for `Delay`).
    Execute,
}

/// The answer a fault replaces the request with, if it does.
pub(crate) async fn before(fault: &WooFault) -> Before {
    let answer = match fault {
        WooFault::Status(code) => status_response(*code),
        WooFault::TooManyRequests { retry_after_secs } => too_many(*retry_after_secs),
        WooFault::Slow(delay) => {
            tokio::time::sleep(*delay).await;
            status_response(503)
        }
        WooFault::Delay(delay) => {
            tokio::time::sleep(*delay).await;
            return Before::Execute;
        }
        WooFault::CloseConnection => broken_body(b""),
        WooFault::ResetMidBody => broken_body(b"[{\"id\":1000001,\"name\":\"Simul"),
        WooFault::MalformedJson => malformed_json(),
        WooFault::HtmlErrorPage => html_page(),
        WooFault::InvalidJson => invalid_json(),
        WooFault::DropAfterExecute
        | WooFault::Rewrite(_)
        | WooFault::DeleteProductFirst(_)
        | WooFault::TrashOrderFirst(_) => return Before::Execute,
    };
    Before::Answer(answer)
}

/// An error status with the body WordPress or a proxy in front of it sends.
pub(crate) fn status_response(code: u16) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        let body = serde_json::json!({
            "code": "internal_server_error",
            "message": "<p>There has been a critical error on this website.</p><p><a href=\"https://wordpress.org/documentation/article/faq-troubleshooting/\">Learn more about troubleshooting WordPress.</a></p>",
            "data": {"status": 500},
            "additional_errors": [],
        });
        return (
            status,
            [(header::CONTENT_TYPE, "application/json; charset=UTF-8")],
            body.to_string(),
        )
            .into_response();
    }
    let reason = status.canonical_reason().unwrap_or("Error");
    let html = format!(
        "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n<center><h1>{code} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    );
    (status, [(header::CONTENT_TYPE, "text/html")], html).into_response()
}

/// A 200 whose body sends `prefix` and then breaks the connection.
pub(crate) fn broken_body(prefix: &'static [u8]) -> Response {
    crate::sim::plumbing::broken_body(prefix, "application/json; charset=UTF-8")
}

/// HTTP 200 with JSON cut off in the middle.
fn malformed_json() -> Response {
    let mut response = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json; charset=UTF-8")],
        "[{\"id\":1000001,\"name\":\"Simulated Pro",
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert("x-wp-total", HeaderValue::from_static("1"));
    headers.insert("x-wp-totalpages", HeaderValue::from_static("1"));
    response
}

/// HTTP 200 with an HTML page instead of JSON.
fn html_page() -> Response {
    let body = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"UTF-8\"><title>Just a moment...</title></head>\
<body><h1>Checking your browser before accessing the site.</h1><p>This process is automatic.</p></body></html>\n";
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html; charset=UTF-8")],
        body,
    )
        .into_response()
}

/// HTTP 200 with a complete body whose syntax is broken.
fn invalid_json() -> Response {
    let mut response = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json; charset=UTF-8")],
        "[{\"id\":1000001,\"name\":\"Simulated\",},NaN]",
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert("x-wp-total", HeaderValue::from_static("1"));
    headers.insert("x-wp-totalpages", HeaderValue::from_static("1"));
    response
}
