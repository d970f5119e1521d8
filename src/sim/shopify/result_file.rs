//! `GET /bulk-results/{n}.jsonl`: a bulk operation's output, streamed from disk and
//! unauthenticated like Shopify's signed URLs, with the faults a storage service shows
//! on a download (queued under [`BULK_RESULT_FILE`]): an error status, a throttle, the
//! connection reset or stalled half-way through the file.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::Response;
use futures::StreamExt;

use super::faults::{too_many_requests, too_many_requests_without_hint, Fault, BULK_RESULT_FILE};
use super::shared::{lock, Shared};
use super::staged::{no_such_key, storage_error};
use crate::sim::plumbing::broken_body;

/// The handler of `GET /bulk-results/{file}`.
pub(crate) async fn bulk_result(
    State(shared): State<Arc<Shared>>,
    Path(file): Path<String>,
) -> Response {
    let path = file
        .strip_suffix(".jsonl")
        .and_then(|n| n.parse::<u64>().ok())
        .and_then(|n| lock(&shared.bulk).result_file(n));
    let Some(path) = path else {
        return no_such_key();
    };
    let fault = lock(&shared.faults).pop_only(BULK_RESULT_FILE);
    if fault.is_some() {
        shared.count(|c| c.faults_injected += 1);
    }
    match fault {
        Some(Fault::Status(code)) => return storage_error(code),
        Some(Fault::TooManyRequests { retry_after_secs }) => {
            return too_many_requests(retry_after_secs)
        }
        Some(Fault::TooManyRequestsWithoutRetryAfter) => return too_many_requests_without_hint(),
        Some(Fault::CloseConnection) => return broken_body(Bytes::new(), JSONL),
        Some(fault @ (Fault::ResetMidBody | Fault::Slow(_))) => {
            let Ok(whole) = tokio::fs::read(&path).await else {
                return no_such_key();
            };
            shared.count(|c| c.bulk_downloads += 1);
            let mut first = Bytes::from(whole);
            let rest = first.split_off(first.len() / 2);
            return match fault {
                Fault::Slow(stall) => stalled(first, stall, rest),
                _ => broken_body(first, JSONL),
            };
        }
        _ => {}
    }
    let Ok(file) = tokio::fs::File::open(&path).await else {
        return no_such_key();
    };
    let length = file.metadata().await.map(|m| m.len()).ok();
    shared.count(|c| c.bulk_downloads += 1);
    let stream = tokio_util::io::ReaderStream::new(file);
    let mut response = jsonl(Body::from_stream(stream));
    if let Some(length) = length.and_then(|l| HeaderValue::from_str(&l.to_string()).ok()) {
        response
            .headers_mut()
            .insert(header::CONTENT_LENGTH, length);
    }
    response
}

const JSONL: &str = "application/jsonl";

fn jsonl(body: Body) -> Response {
    let mut response = Response::new(body);
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSONL));
    response
}

/// A 200 that sends `first`, sends nothing for `stall`, then sends `rest`: a client
/// without a read timeout would wait as long as the stall lasts.
fn stalled(first: Bytes, stall: Duration, rest: Bytes) -> Response {
    let head = futures::stream::iter([Ok::<_, std::io::Error>(first)]);
    let tail = futures::stream::once(async move {
        tokio::time::sleep(stall).await;
        Ok(rest)
    });
    jsonl(Body::from_stream(head.chain(tail)))
}
