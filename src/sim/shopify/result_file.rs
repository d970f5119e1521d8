//! `GET /bulk-results/{n}.jsonl`: a bulk operation's output, streamed from disk and
//! unauthenticated like Shopify's signed URLs, with the faults a storage service shows
//! on a download (queued under [`BULK_RESULT_FILE`]): an error status, a throttle, the
//! connection reset or stalled half-way through the file.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;

use super::faults::{too_many_requests, too_many_requests_without_hint, Fault, BULK_RESULT_FILE};
use super::shared::{lock, Shared};

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
        return not_found();
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
        Some(Fault::CloseConnection) => return broken_after(Bytes::new()),
        Some(fault @ (Fault::ResetMidBody | Fault::Slow(_))) => {
            let Ok(whole) = tokio::fs::read(&path).await else {
                return not_found();
            };
            shared.count(|c| c.bulk_downloads += 1);
            let mut first = Bytes::from(whole);
            let rest = first.split_off(first.len() / 2);
            return match fault {
                Fault::Slow(stall) => stalled(first, stall, rest),
                _ => broken_after(first),
            };
        }
        _ => {}
    }
    let Ok(file) = tokio::fs::File::open(&path).await else {
        return not_found();
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

fn jsonl(body: Body) -> Response {
    let mut response = Response::new(body);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/jsonl"),
    );
    response
}

/// A 200 that sends `first` (part of the file) and then resets the connection, a moment
/// later so that what came before has left (a reset at once can beat the headers).
fn broken_after(first: Bytes) -> Response {
    let head = futures::stream::iter([Ok::<_, std::io::Error>(first)])
        .filter(|chunk| std::future::ready(!matches!(chunk, Ok(b) if b.is_empty())));
    let reset = futures::stream::once(async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "simulated connection reset",
        ))
    });
    jsonl(Body::from_stream(head.chain(reset)))
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

/// An error status as a cloud storage service answers it (XML).
fn storage_error(code: u16) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = format!(
        "<?xml version='1.0' encoding='UTF-8'?><Error><Code>{}</Code><Message>We encountered an internal error. Please try again.</Message></Error>",
        status.canonical_reason().unwrap_or("InternalError").replace(' ', "")
    );
    (
        status,
        [(header::CONTENT_TYPE, "application/xml; charset=UTF-8")],
        body,
    )
        .into_response()
}

fn not_found() -> Response {
    let body = "<?xml version='1.0' encoding='UTF-8'?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>";
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "application/xml; charset=UTF-8")],
        body,
    )
        .into_response()
}
