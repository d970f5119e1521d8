//! The retry policy every platform client shares: how long to wait before trying again,
//! and which failures are worth another try.
//!
//! Nothing here sleeps or reads the clock. A [`RetryPolicy`] turns (attempt, server hint,
//! rng) into a [`Duration`]; the caller sleeps through an injected [`Sleeper`], so tests run
//! instantly and deterministically with a seeded rng and a [`ManualClock`]. The time seams
//! ([`Clock`], [`Sleeper`]) live here because both platforms' request loops and the Shopify
//! cost bucket need them, and neither platform may depend on the other.
//!
//! Backoff is exponential with *full jitter*: the wait is drawn uniformly from
//! `[0, min(max_delay, base × 2^attempt)]` (the AWS "Exponential Backoff and Jitter"
//! variant). Of the usual variants it spreads a burst of failing clients the most, which
//! matters when every shop of the daemon fails at once (a network blip), while its mean
//! still grows exponentially.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;

/// How often and how patiently a request is retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first one included; 1 means "never retry".
    pub max_attempts: u32,
    /// Ceiling of the first retry's wait; doubles with every further retry.
    pub base: Duration,
    /// Upper bound of the backoff ceiling, so a long outage is polled at a steady pace.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// Five attempts, 1 s base (Shopify's advice for a 429 without `Retry-After`), 30 s cap:
    /// a failing call gives up after about a minute at worst, well inside a sync cycle.
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The largest wait before retry number `attempt` (0-based: 0 follows the first
    /// failure): `min(max_delay, base × 2^attempt)`, saturating instead of overflowing.
    #[must_use]
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let factor = 2_u32.saturating_pow(attempt);
        self.base.saturating_mul(factor).min(self.max_delay)
    }

    /// The jittered wait before retry number `attempt`: uniform in `[0, ceiling(attempt)]`.
    pub fn delay<R: Rng + ?Sized>(&self, attempt: u32, rng: &mut R) -> Duration {
        let ceiling = u64::try_from(self.ceiling(attempt).as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rng.gen_range(0..=ceiling))
    }

    /// The wait before retry number `attempt` when the server may have sent `Retry-After`:
    /// the larger of that and our own jittered [`delay`](Self::delay).
    ///
    /// The server's value is a floor: retrying earlier only earns another refusal. Taking
    /// the maximum (rather than the hint alone) keeps the backoff growing when a server
    /// keeps answering "retry after 1 s", and keeps clients spread out once our backoff
    /// exceeds the hint. The hint is not capped by `max_delay`: a caller whose deadline is
    /// shorter than the hint should give up rather than sleep.
    pub fn delay_for<R: Rng + ?Sized>(
        &self,
        attempt: u32,
        retry_after: Option<Duration>,
        rng: &mut R,
    ) -> Duration {
        let own = self.delay(attempt, rng);
        retry_after.map_or(own, |hint| hint.max(own))
    }

    /// What to do after `failures` attempts have failed (≥ 1), the last classified as
    /// `retry`: `Some(wait)` to try again after `wait`, `None` to give up.
    pub fn decide<R: Rng + ?Sized>(
        &self,
        failures: u32,
        retry: Retry,
        rng: &mut R,
    ) -> Option<Duration> {
        match retry {
            Retry::No => None,
            Retry::Yes(_) if failures >= self.max_attempts => None,
            Retry::Yes(after) => Some(self.delay_for(failures.saturating_sub(1), after, rng)),
        }
    }
}

/// Whether a failed request is worth another try, with the server's `Retry-After` if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retry {
    /// Transient: try again, not before the given server hint (if any).
    Yes(Option<Duration>),
    /// Permanent: the same request will fail the same way.
    No,
}

impl Retry {
    /// Classifies an HTTP status: 429, 408 and 5xx are transient; other 4xx are our
    /// mistake (auth, scope, bad request) and retrying cannot fix them. 501 and 505 say
    /// the server will never support the request, so they are not retried either.
    /// Success and redirect codes are not failures: `No`.
    #[must_use]
    pub fn for_status(status: u16, retry_after: Option<Duration>) -> Self {
        match status {
            501 | 505 => Self::No,
            408 | 429 | 500..=599 => Self::Yes(retry_after),
            _ => Self::No,
        }
    }

    /// Classifies a failure below HTTP. Only idempotent requests go through this policy
    /// (reads, and `metafieldsSet`, which overwrites), so a request that may or may not
    /// have reached the server is safe to repeat.
    #[must_use]
    pub fn for_network(failure: NetworkFailure) -> Self {
        match failure {
            NetworkFailure::Connect | NetworkFailure::Timeout | NetworkFailure::Interrupted => {
                Self::Yes(None)
            }
            NetworkFailure::Other => Self::No,
        }
    }
}

/// What went wrong below HTTP, reduced to what the retry decision needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetworkFailure {
    /// No connection was made (refused, DNS, TLS handshake).
    Connect,
    /// The request or the response took longer than its timeout.
    Timeout,
    /// The connection broke while the request or body was in flight.
    Interrupted,
    /// Anything else (invalid URL, redirect loop, undecodable body): not transient.
    Other,
}

impl NetworkFailure {
    /// Reduces a reqwest error to the cases the retry decision tells apart.
    #[must_use]
    pub fn of(error: &reqwest::Error) -> Self {
        if error.is_timeout() {
            Self::Timeout
        } else if error.is_connect() {
            Self::Connect
        } else if error.is_request() || error.is_body() || cut_off_body(error) {
            Self::Interrupted
        } else {
            Self::Other
        }
    }
}

/// Whether a "decode" error is really a body the connection cut off: `Response::bytes`
/// reports a reset or an early end after the headers as a decode error around a body
/// or I/O error, while a body that arrived whole but could not be decoded has neither
/// beneath it.
fn cut_off_body(error: &reqwest::Error) -> bool {
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let body = cause
            .downcast_ref::<reqwest::Error>()
            .is_some_and(reqwest::Error::is_body);
        if body || cause.is::<std::io::Error>() {
            return true;
        }
        source = cause.source();
    }
    false
}

/// Parses a `Retry-After` header given in seconds; Shopify's REST answers send decimals
/// (`"2.0"`), so fractions are accepted. HTTP dates and nonsense give `None`: the caller
/// then falls back to its own backoff, which is always safe.
#[must_use]
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let seconds: f64 = value.trim().parse().ok()?;
    if seconds < 0.0 {
        return None;
    }
    Duration::try_from_secs_f64(seconds).ok()
}

/// A monotonic clock, injected so time-based behaviour is tested without sleeping.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant.
    fn now(&self) -> Instant;
}

/// Sleeps on behalf of code that must not own a timer (policies, the cost bucket).
pub trait Sleeper: Send + Sync {
    /// Waits for `duration`.
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send;
}

/// The real monotonic clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// The real sleeper: a tokio timer.
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// A test clock that only moves when told to; as a [`Sleeper`] it advances itself by the
/// requested duration and returns at once. Clones share the same time.
#[derive(Clone, Debug)]
pub struct ManualClock {
    start: Instant,
    elapsed_nanos: Arc<AtomicU64>,
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl ManualClock {
    /// A clock standing at an arbitrary instant, elapsed zero.
    #[must_use]
    pub fn new() -> Self {
        Self {
            start: Instant::now(),
            elapsed_nanos: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Moves time forward by `by`.
    pub fn advance(&self, by: Duration) {
        let nanos = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        self.elapsed_nanos.fetch_add(nanos, Ordering::SeqCst);
    }

    /// Time advanced since creation.
    #[must_use]
    pub fn elapsed(&self) -> Duration {
        Duration::from_nanos(self.elapsed_nanos.load(Ordering::SeqCst))
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.start + self.elapsed()
    }
}

impl Sleeper for ManualClock {
    /// Advances the clock, then yields once: a real sleep lets other tasks run, and a
    /// task that waits for another's answer (a queued bucket reservation) must not spin
    /// on the worker thread that answer needs.
    async fn sleep(&self, duration: Duration) {
        self.advance(duration);
        tokio::task::yield_now().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    const SECOND: Duration = Duration::from_secs(1);

    fn rng() -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(7)
    }

    #[test]
    fn ceiling_doubles_from_base_and_stops_at_the_cap() {
        let policy = RetryPolicy::default();
        let ceilings: Vec<u64> = (0..7).map(|a| policy.ceiling(a).as_secs()).collect();
        assert_eq!(ceilings, [1, 2, 4, 8, 16, 30, 30]);
        assert_eq!(policy.ceiling(u32::MAX), policy.max_delay, "no overflow");
    }

    #[test]
    fn delays_stay_within_zero_and_the_ceiling() {
        let policy = RetryPolicy::default();
        let mut rng = rng();
        for attempt in 0..40 {
            for _ in 0..200 {
                assert!(policy.delay(attempt, &mut rng) <= policy.ceiling(attempt));
            }
        }
    }

    #[test]
    fn jitter_spreads_over_the_whole_range_and_grows_on_average() {
        let policy = RetryPolicy::default();
        let mut rng = rng();
        let samples: Vec<Duration> = (0..2000).map(|_| policy.delay(3, &mut rng)).collect();
        let ceiling = policy.ceiling(3);
        assert!(
            samples.iter().any(|d| *d < ceiling / 10),
            "reaches the bottom"
        );
        assert!(
            samples.iter().any(|d| *d > ceiling * 9 / 10),
            "reaches the top"
        );
        let mut mean = |attempt| {
            let total: Duration = (0..2000).map(|_| policy.delay(attempt, &mut rng)).sum();
            total / 2000
        };
        assert!(mean(0) < mean(2) && mean(2) < mean(4));
    }

    #[test]
    fn the_same_seed_gives_the_same_delays() {
        let policy = RetryPolicy::default();
        let draw = || {
            let mut rng = rng();
            (0..10)
                .map(|a| policy.delay(a, &mut rng))
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(), draw());
    }

    #[test]
    fn retry_after_is_a_floor_never_shortened() {
        let policy = RetryPolicy::default();
        let mut rng = rng();
        let hint = Some(Duration::from_secs(45));
        assert_eq!(policy.delay_for(0, hint, &mut rng), Duration::from_secs(45));
        for _ in 0..200 {
            let wait = policy.delay_for(4, Some(SECOND), &mut rng);
            assert!(wait >= SECOND && wait <= policy.ceiling(4));
        }
    }

    #[test]
    fn decide_gives_up_after_max_attempts_or_on_permanent_errors() {
        let policy = RetryPolicy::default();
        let mut rng = rng();
        let transient = Retry::Yes(None);
        for failures in 1..5 {
            let wait = policy
                .decide(failures, transient, &mut rng)
                .expect("retries");
            assert!(wait <= policy.ceiling(failures - 1));
        }
        assert_eq!(policy.decide(5, transient, &mut rng), None);
        assert_eq!(policy.decide(1, Retry::No, &mut rng), None);
    }

    #[test]
    fn statuses_are_classified_as_transient_or_permanent() {
        let hint = Some(SECOND);
        for status in [408, 429, 500, 502, 503, 504] {
            assert_eq!(
                Retry::for_status(status, hint),
                Retry::Yes(hint),
                "{status}"
            );
        }
        for status in [200, 301, 400, 401, 403, 404, 422, 501, 505] {
            assert_eq!(Retry::for_status(status, hint), Retry::No, "{status}");
        }
    }

    #[test]
    fn connect_timeout_and_broken_connections_are_retried() {
        use NetworkFailure::{Connect, Interrupted, Other, Timeout};
        for failure in [Connect, Timeout, Interrupted] {
            assert_eq!(Retry::for_network(failure), Retry::Yes(None));
        }
        assert_eq!(Retry::for_network(Other), Retry::No);
    }

    #[tokio::test]
    async fn a_refused_connection_is_classified_as_connect() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/", listener.local_addr().expect("addr"));
        drop(listener);
        let error = reqwest::get(url).await.expect_err("nothing listens");
        assert_eq!(NetworkFailure::of(&error), NetworkFailure::Connect);
    }

    #[tokio::test]
    async fn a_body_cut_off_after_the_headers_is_interrupted_not_other() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.expect("accept");
            let mut request = [0; 1024];
            let _ = socket.read(&mut request).await;
            let head = "HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"data\":";
            socket.write_all(head.as_bytes()).await.expect("write");
        });
        let response = reqwest::get(url).await.expect("the headers arrive");
        let error = response.bytes().await.expect_err("the body is cut off");
        assert!(
            error.is_decode(),
            "reqwest calls it a decode error: {error:?}"
        );
        assert_eq!(
            NetworkFailure::of(&error),
            NetworkFailure::Interrupted,
            "{error:?}"
        );
    }

    #[test]
    fn retry_after_parses_seconds_and_rejects_the_rest() {
        assert_eq!(parse_retry_after("2"), Some(2 * SECOND));
        assert_eq!(parse_retry_after(" 2.5 "), Some(SECOND * 5 / 2));
        for bad in ["", "-1", "NaN", "inf", "Wed, 21 Oct 2015 07:28:00 GMT"] {
            assert_eq!(parse_retry_after(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn manual_clock_moves_only_when_told_or_slept_on_and_yields_once() {
        let clock = ManualClock::new();
        let start = clock.now();
        clock.advance(SECOND);
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        let mut sleep = std::pin::pin!(clock.sleep(2 * SECOND));
        // The first poll advances the clock and yields once; the second is done.
        assert!(
            sleep.as_mut().poll(&mut cx).is_pending(),
            "yields like a real sleep"
        );
        assert_eq!(clock.now() - start, 3 * SECOND);
        assert!(sleep.as_mut().poll(&mut cx).is_ready(), "never blocks");
        assert_eq!(clock.clone().elapsed(), 3 * SECOND, "clones share time");
    }
}
