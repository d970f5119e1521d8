//! Faults a test queues for the next GraphQL requests: server errors, resource throttles,
//! slow answers, broken connections, malformed JSON and forced THROTTLED answers.
//!
//! A faulted request is not executed and changes nothing, except
//! [`Fault::Delay`] (slow but real) and [`Fault::DropAfterExecute`] (the write happened,
//! the client never hears about it), which say so in their names.

use std::collections::VecDeque;
use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::bulk::BulkFailure;

/// One injected misbehaviour, consumed by the next GraphQL request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answers this HTTP status (500, 502, 503, …) with a body like Shopify's edge sends.
    Status(u16),
    /// Answers 429 with `Retry-After` (a resource-based throttle).
    TooManyRequests {
        /// Seconds in the `Retry-After` header.
        retry_after_secs: u64,
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
    /// Answers HTTP 200 with a truncated JSON body.
    MalformedJson,
    /// Answers THROTTLED (HTTP 200) whatever the bucket holds.
    Throttled,
}

/// Queued faults.
#[derive(Debug, Default)]
pub(crate) struct FaultQueue {
    requests: VecDeque<Fault>,
    /// Failures for the next bulk operations, one each.
    pub bulk: VecDeque<BulkFailure>,
}

impl FaultQueue {
    pub fn push(&mut self, fault: Fault) {
        self.requests.push_back(fault);
    }

    pub fn pop(&mut self) -> Option<Fault> {
        self.requests.pop_front()
    }

    pub fn len(&self) -> usize {
        self.requests.len()
    }

    pub fn clear(&mut self) {
        self.requests.clear();
        self.bulk.clear();
    }
}

/// An error status with the body Shopify's front end sends for it.
pub(crate) fn status_response(code: u16) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        let body = serde_json::json!({"errors": [{
            "message": "Internal error. Looks like something went wrong on our end.\nRequest ID: 00000000-0000-4000-8000-000000000000 (include this in support requests).",
            "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": "00000000-0000-4000-8000-000000000000"}
        }]});
        return (status, axum::Json(body)).into_response();
    }
    let reason = status.canonical_reason().unwrap_or("Error");
    let html = format!(
        "<!DOCTYPE html><html><head><title>{code} {reason}</title></head><body><h1>{code} {reason}</h1></body></html>"
    );
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html,
    )
        .into_response()
}

/// 429 with `Retry-After`, as a resource-based throttle answers.
pub(crate) fn too_many_requests(retry_after_secs: u64) -> Response {
    let body = serde_json::json!({"errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."});
    let mut response = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// A 200 whose body sends `prefix` and then breaks the connection.
pub(crate) fn broken_body(prefix: &'static [u8]) -> Response {
    crate::sim::plumbing::broken_body(prefix, "application/json")
}

/// HTTP 200 with JSON cut off in the middle.
pub(crate) fn malformed_json() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        "{\"data\":{\"products\":{\"nodes\":[{\"id\":\"gid://shopify/Prod",
    )
        .into_response()
}
