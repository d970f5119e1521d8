//! The optional host/WAF rate limit: a token bucket on the injected clock. A refused
//! request gets 429 with `Retry-After` (whole seconds until a token, at least 1) and a
//! small HTML page, as a host's firewall sends; it never reaches WordPress, so it
//! changes nothing and consumes no queued fault.

use std::time::Instant;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::config::RateLimit;

/// Tokens and when they were last counted.
#[derive(Debug)]
pub(crate) struct TokenBucket {
    limit: RateLimit,
    tokens: f64,
    at: Instant,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(limit: RateLimit, now: Instant) -> Self {
        Self {
            limit,
            tokens: f64::from(limit.burst),
            at: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.limit.requests_per_second)
            .min(f64::from(self.limit.burst));
        self.at = now;
    }

    /// Takes a token, or says how many whole seconds until one is available.
    pub fn take(&mut self, now: Instant) -> Result<(), u64> {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Ok(());
        }
        let rate = self.limit.requests_per_second;
        if rate <= 0.0 {
            return Err(3600);
        }
        let wait = ((1.0 - self.tokens) / rate).ceil();
        Err((wait as u64).max(1))
    }
}

/// The 429 a host sends.
pub(crate) fn too_many(retry_after_secs: Option<u64>) -> Response {
    let body = "<!DOCTYPE html>\n<html><head><title>429 Too Many Requests</title></head>\
<body><h1>Too Many Requests</h1><p>You have sent too many requests in a given amount of time. \
Please slow down.</p></body></html>\n";
    let mut response = (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::CONTENT_TYPE, "text/html; charset=UTF-8")],
        body,
    )
        .into_response();
    if let Some(seconds) = retry_after_secs {
        if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_bucket_refuses_when_empty_and_refills_with_time() {
        let start = Instant::now();
        let limit = RateLimit {
            requests_per_second: 0.5,
            burst: 2,
        };
        let mut bucket = TokenBucket::new(limit, start);
        assert_eq!(bucket.take(start), Ok(()));
        assert_eq!(bucket.take(start), Ok(()));
        assert_eq!(bucket.take(start), Err(2));
        assert_eq!(bucket.take(start + Duration::from_millis(1500)), Err(1));
        assert_eq!(bucket.take(start + Duration::from_secs(2)), Ok(()));
    }
}
