//! What both simulated stores need beneath their APIs: locks that shrug off poisoning
//! (a panicking test thread must not wedge the simulator for the next test) and an
//! answer that breaks the connection in the middle of its body.

use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue};
use axum::response::Response;
use futures::StreamExt;

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
/// connection: the client sees a transport error, never a complete answer. With a
/// prefix, the failure comes a moment later, so the prefix has left before the reset (at
/// once, the reset can beat even the headers); without one, it comes at once.
pub(crate) fn broken_body(prefix: impl Into<Bytes>, content_type: &'static str) -> Response {
    let prefix: Bytes = prefix.into();
    let pause = if prefix.is_empty() {
        Duration::ZERO
    } else {
        Duration::from_millis(20)
    };
    let head = futures::stream::iter([Ok::<_, std::io::Error>(prefix)])
        .filter(|chunk| std::future::ready(!matches!(chunk, Ok(b) if b.is_empty())));
    let reset = futures::stream::once(async move {
        if !pause.is_zero() {
            tokio::time::sleep(pause).await;
        }
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "simulated connection reset",
        ))
    });
    let mut response = Response::new(Body::from_stream(head.chain(reset)));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// A change a test makes to a successful answer's body, so a fault can serve data of
/// the wrong shape (a string for a number, `null` for a list, a missing field), an empty
/// page or an odd record while the rest of the answer (status, headers, paging) stays
/// real. The name identifies it in test output and comparisons (faults are compared).
#[derive(Clone)]
pub struct Rewrite {
    name: String,
    apply: Arc<dyn Fn(&str) -> String + Send + Sync>,
}

impl Rewrite {
    /// A rewrite named `name` that turns the body's text into `apply(text)`; it should
    /// return the text unchanged for answers it is not meant for.
    pub fn new(
        name: impl Into<String>,
        apply: impl Fn(&str) -> String + Send + Sync + 'static,
    ) -> Self {
        Self {
            name: name.into(),
            apply: Arc::new(apply),
        }
    }

    /// The rewritten body.
    #[must_use]
    pub fn apply(&self, body: &str) -> String {
        (self.apply)(body)
    }
}

impl std::fmt::Debug for Rewrite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Rewrite({})", self.name)
    }
}

impl PartialEq for Rewrite {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Rewrite {}

/// `response` with its body passed through `rewrite`, headers kept (except the length,
/// which follows the new body). A body that is not UTF-8 is sent unchanged.
pub(crate) async fn rewrite_body(response: Response, rewrite: &Rewrite) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let body = match std::str::from_utf8(&bytes) {
        Ok(text) => Body::from(rewrite.apply(text)),
        Err(_) => Body::from(bytes),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, body)
}
