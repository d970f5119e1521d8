//! Faults a test queues for the next GraphQL requests: server errors, resource throttles,
//! slow answers, broken connections, malformed JSON and forced THROTTLED answers.
//!
//! A faulted request is not executed and changes nothing, except
//! [`Fault::Delay`] (slow but real), [`Fault::DropAfterExecute`] (the write happened,
//! the client never hears about it), [`Fault::Rewrite`] (real, with its answer changed)
//! and [`Fault::DeleteProductFirst`] (a merchant's deletion just before it), which say
//! so in their names or docs. [`BulkDamage`] spoils the next bulk query's run or file.

use std::collections::VecDeque;
use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::bulk::BulkFailure;
pub use crate::sim::plumbing::Rewrite;

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
    /// Answers 429 without `Retry-After`, as an edge proxy might: the client must fall
    /// back to its own backoff.
    TooManyRequestsWithoutRetryAfter,
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
    /// Answers HTTP 200 with a complete body that is not JSON (a stray comma, a bare
    /// word): broken syntax rather than a cut-off answer.
    InvalidJson,
    /// Answers THROTTLED (HTTP 200) whatever the bucket holds.
    Throttled,
    /// Executes the request, then sends its answer passed through the rewrite: data of
    /// the wrong shape, an empty page, an odd record.
    Rewrite(Rewrite),
    /// Deletes this product (by GID, as a merchant would between two of the client's
    /// pages), then executes the request normally.
    DeleteProductFirst(String),
}

/// The name faults for bulk result file downloads (`GET /bulk-results/…`) are queued
/// under with [`SimState::push_faults_for`](super::SimState::push_faults_for). Only
/// faults queued for this name reach a download; faults for any request stay with the
/// GraphQL endpoint. A download honours [`Fault::Status`], both 429s, [`Fault::Slow`]
/// (half the file, then a stall that long before the rest), [`Fault::ResetMidBody`]
/// (half the file, then a reset) and [`Fault::CloseConnection`]; other faults pass.
pub const BULK_RESULT_FILE: &str = "BulkResultFile";

/// The name faults for staged uploads (`POST /staged-uploads/`) are queued under; an
/// upload honours [`Fault::Status`] and [`Fault::CloseConnection`].
pub const STAGED_UPLOAD: &str = "StagedUpload";

/// Damage to the next bulk query, for the cases a [`BulkFailure`] does not cover.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BulkDamage {
    /// The operation ends `CANCELED` (canceled from elsewhere) before writing anything.
    Canceled,
    /// The operation completes, but its file's last line is cut in half.
    TruncatedLastLine,
    /// The operation completes, with this line appended to its file (a line of the
    /// wrong shape, say).
    ExtraLine(String),
}

/// Queued faults, each for the next request or for the next request of one operation.
#[derive(Debug, Default)]
pub(crate) struct FaultQueue {
    /// `(operation, fault)`: a fault with an operation name waits for a request of it.
    requests: VecDeque<(Option<String>, Fault)>,
    /// Failures for the next bulk operations, one each.
    pub bulk: VecDeque<BulkFailure>,
    /// Damage for the next bulk queries, one each.
    pub bulk_damage: VecDeque<BulkDamage>,
}

impl FaultQueue {
    pub fn push(&mut self, operation: Option<&str>, fault: Fault) {
        self.requests
            .push_back((operation.map(str::to_owned), fault));
    }

    /// The first fault queued for any request or for `operation`.
    pub fn pop(&mut self, operation: Option<&str>) -> Option<Fault> {
        let index = self
            .requests
            .iter()
            .position(|(only, _)| only.is_none() || only.as_deref() == operation)?;
        self.requests.remove(index).map(|(_, fault)| fault)
    }

    /// The first fault queued for exactly `operation` (not one for any request).
    pub fn pop_only(&mut self, operation: &str) -> Option<Fault> {
        let index = self
            .requests
            .iter()
            .position(|(only, _)| only.as_deref() == Some(operation))?;
        self.requests.remove(index).map(|(_, fault)| fault)
    }

    pub fn len(&self) -> usize {
        self.requests.len()
    }

    pub fn clear(&mut self) {
        self.requests.clear();
        self.bulk.clear();
        self.bulk_damage.clear();
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

/// 429 without `Retry-After`.
pub(crate) fn too_many_requests_without_hint() -> Response {
    let mut response = too_many_requests(0);
    response.headers_mut().remove(header::RETRY_AFTER);
    response
}

/// HTTP 200 with a complete body whose syntax is broken.
pub(crate) fn invalid_json() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        "{\"data\":{\"products\":{\"nodes\":[{\"id\":\"gid://shopify/Product/1\",}],\"pageInfo\":undefined}}}",
    )
        .into_response()
}
