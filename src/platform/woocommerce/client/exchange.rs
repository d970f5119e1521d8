//! The request loop of one call: pace, send, classify, wait, again (see the module
//! documentation of [`super`] for the rules).

use std::sync::atomic::Ordering;
use std::sync::PoisonError;
use std::time::Duration;

use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use super::answer::{self, decode, judge, Answer, Undecodable, Verdict};
use super::request::{Call, Site};
use super::{WooClient, WooError};
use crate::platform::retry::{NetworkFailure, Retry, Sleeper};
use crate::platform::woocommerce::pacing::Permit;

/// Consecutive 429s tolerated for one call: each is waited out, so more means the host
/// allows far less than we send even after our cuts.
const MAX_RATE_LIMITED: u32 = 20;
/// Total time one call may wait for 429s before giving up.
const MAX_RATE_LIMITED_WAIT: Duration = Duration::from_secs(10 * 60);
/// Total time one call may wait between its other retries. The default policy's own
/// backoff never comes near it; it stops a long `Retry-After` on 503 (a site in
/// maintenance mode says 600 s) from holding a sync for the better part of an hour.
const MAX_BACKOFF_WAIT: Duration = Duration::from_secs(10 * 60);
/// Answers of the wrong shape tolerated for one call: the first may be a proxy's doing.
const MAX_MISFITS: u32 = 2;

/// Where one call stands between attempts.
#[derive(Default)]
struct Tally {
    attempts: u32,
    /// Failures under the retry policy (429s excluded).
    failures: u32,
    /// 429s in a row.
    rate_limited: u32,
    rate_limited_wait: Duration,
    backoff_wait: Duration,
    misfits: u32,
}

/// What one attempt came to.
enum Step<T> {
    Done(T, HeaderMap),
    RateLimited(Option<Duration>),
    Again(Retry, WooError),
    Fail(WooError),
}

impl<S: Sleeper + Clone + 'static> WooClient<S> {
    /// The request loop of one call: pace, send, classify, wait, again.
    pub(super) async fn exchange<T: DeserializeOwned>(
        &self,
        call: &Call<'_>,
    ) -> Result<(T, HeaderMap), WooError> {
        Site::check(call)?;
        let mut tally = Tally::default();
        loop {
            tally.attempts += 1;
            let wait = match self.attempt(call, &mut tally).await {
                Step::Done(value, headers) => return Ok((value, headers)),
                Step::Fail(error) => return Err(error.with_attempts(tally.attempts)),
                Step::RateLimited(hint) => self.rate_limited_wait(call, hint, &mut tally)?,
                Step::Again(retry, error) => self.backoff(retry, error, &mut tally)?,
            };
            self.inner.counters.retries.fetch_add(1, Ordering::Relaxed);
            self.inner.sleeper.sleep(wait).await;
        }
    }

    /// One HTTP exchange under a pacer permit, reduced to a [`Step`].
    async fn attempt<T: DeserializeOwned>(&self, call: &Call<'_>, tally: &mut Tally) -> Step<T> {
        let inner = &self.inner;
        let permit = inner.pacer.acquire(&inner.sleeper).await;
        let request = match inner.site.request(&inner.http, call) {
            Ok(request) => request,
            Err(error) => return Step::Fail(error),
        };
        inner.counters.requests.fetch_add(1, Ordering::Relaxed);
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => return self.network_step(call, error),
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(error) => return self.network_step(call, error),
        };
        let answer = Answer {
            operation: call.operation,
            status,
            headers: &headers,
            body: &body,
        };
        if status != 429 {
            tally.rate_limited = 0;
        }
        match judge(&answer, &inner.site) {
            Verdict::Success => {
                permit.succeeded();
                self.read_body(call, &body, headers, tally)
            }
            Verdict::SlowDown { retry_after, error } => {
                self.slow_down(status, permit, retry_after, error)
            }
            Verdict::Transient { retry, error } => {
                if status >= 500 {
                    inner.counters.server_errors.fetch_add(1, Ordering::Relaxed);
                }
                Step::Again(retry, error)
            }
            Verdict::Fatal(error) => Step::Fail(error),
        }
    }

    /// A 429 or 503: count it, tell the pacer, and retry on the matching budget.
    fn slow_down<T>(
        &self,
        status: u16,
        permit: Permit<'_>,
        retry_after: Option<Duration>,
        error: WooError,
    ) -> Step<T> {
        permit.throttled(retry_after);
        let counters = &self.inner.counters;
        if status == 429 {
            counters.rate_limited.fetch_add(1, Ordering::Relaxed);
            Step::RateLimited(retry_after)
        } else {
            counters.unavailable.fetch_add(1, Ordering::Relaxed);
            Step::Again(Retry::Yes(retry_after), error)
        }
    }

    fn read_body<T: DeserializeOwned>(
        &self,
        call: &Call<'_>,
        body: &[u8],
        headers: HeaderMap,
        tally: &mut Tally,
    ) -> Step<T> {
        let malformed = |reason: String| WooError::Malformed {
            operation: call.operation,
            attempts: 1,
            reason: self.inner.site.redact(&reason),
        };
        match decode::<T>(body) {
            Ok(value) => Step::Done(value, headers),
            Err(Undecodable::Unreadable(reason)) => {
                let start = answer::excerpt(body, &self.inner.site);
                Step::Again(
                    Retry::Yes(None),
                    malformed(format!("{reason}; it starts with: {start}")),
                )
            }
            Err(Undecodable::Misfit(reason)) => {
                tally.misfits += 1;
                let error = malformed(reason);
                if tally.misfits >= MAX_MISFITS {
                    Step::Fail(error)
                } else {
                    Step::Again(Retry::Yes(None), error)
                }
            }
        }
    }

    fn network_step<T>(&self, call: &Call<'_>, error: reqwest::Error) -> Step<T> {
        let failure = NetworkFailure::of(&error);
        let error = WooError::Network {
            operation: call.operation,
            attempts: 1,
            reason: self.inner.site.redact(&describe(error)),
        };
        match Retry::for_network(failure) {
            Retry::No => Step::Fail(error),
            retry @ Retry::Yes(_) => Step::Again(retry, error),
        }
    }

    /// The wait after a 429, or [`WooError::RateLimited`] once the budget is spent.
    fn rate_limited_wait(
        &self,
        call: &Call<'_>,
        hint: Option<Duration>,
        tally: &mut Tally,
    ) -> Result<Duration, WooError> {
        tally.rate_limited += 1;
        let wait = {
            let mut rng = self
                .inner
                .rng
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            self.inner
                .retry
                .delay_for(tally.rate_limited - 1, hint, &mut *rng)
        };
        let waited = tally.rate_limited_wait + wait;
        if tally.rate_limited > MAX_RATE_LIMITED || waited > MAX_RATE_LIMITED_WAIT {
            return Err(WooError::RateLimited {
                operation: call.operation,
                attempts: tally.attempts,
                waited: tally.rate_limited_wait,
            });
        }
        tally.rate_limited_wait = waited;
        tracing::warn!(
            operation = call.operation,
            ?wait,
            "the store answered 429; waiting"
        );
        Ok(wait)
    }

    /// The jittered wait before the next attempt, or the error once the policy gives up.
    fn backoff(
        &self,
        retry: Retry,
        error: WooError,
        tally: &mut Tally,
    ) -> Result<Duration, WooError> {
        tally.failures += 1;
        let decision = {
            let mut rng = self
                .inner
                .rng
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            self.inner.retry.decide(tally.failures, retry, &mut *rng)
        };
        let Some(wait) = decision.filter(|w| tally.backoff_wait + *w <= MAX_BACKOFF_WAIT) else {
            return Err(error.with_attempts(tally.attempts));
        };
        tally.backoff_wait += wait;
        tracing::warn!(attempt = tally.attempts, ?wait, error = %error, "retrying WooCommerce call");
        Ok(wait)
    }
}

/// A network failure with its causes, without the URL (its query holds the OAuth
/// parameters).
pub(super) fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
