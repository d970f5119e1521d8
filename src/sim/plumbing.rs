//! What both simulated stores need beneath their APIs: locks that shrug off poisoning
//! (a panicking test thread must not wedge the simulator for the next test) and an
//! answer that breaks the connection in the middle of its body.

use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue};
use axum::response::Response;

/// Locks a mutex, ignoring poisoning.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Read-locks, ignoring poisoning.
pub(crate) fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Write-locks, ignoring poisoning.
pub(crate) fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A 200 whose body sends `prefix` and then fails, which makes the server abort the
/// connection: the client sees a transport error, never a complete answer.
pub(crate) fn broken_body(prefix: &'static [u8], content_type: &'static str) -> Response {
    let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(Bytes::from_static(prefix)),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "simulated connection reset",
        )),
    ];
    let chunks = chunks
        .into_iter()
        .filter(|c| !matches!(c, Ok(b) if b.is_empty()));
    let body = Body::from_stream(futures::stream::iter(chunks));
    let mut response = Response::new(body);
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
