//! Request pacing for one WooCommerce store: a request rate with a burst, a cap on
//! requests in flight, and a rate that adapts to what the store's host tolerates.
//!
//! WooCommerce's REST API has no rate limiter of its own, but every call boots the whole
//! site, and hosts, WAFs and CDNs answer 429 or 503 when pushed (reference §10). So the
//! configured rate is a ceiling, and the current rate follows AIMD, as TCP does:
//! - **multiplicative decrease**: a 429 or 503 halves the rate (down to a floor of
//!   1/20 of the configured rate, at least 0.2 req/s) and, when the answer said
//!   `Retry-After`, holds *every* new request until then;
//! - **additive increase**, in two speeds. The rate at which the host last refused us
//!   is remembered: up to 95 % of it, each clean answer adds 1/50 of the configured
//!   rate, so a cut is won back within a second or two; above that the rate only
//!   probes, by 0.2 % of the refused rate per second of clean traffic (25 s from 95 %
//!   back to where it was refused). A host with a fixed limit (a token bucket in a WAF)
//!   is thus run just below its limit with a refusal every half minute or so, instead
//!   of the ×0.5…×1 sawtooth that plain AIMD draws around it; a host whose limit rose is
//!   found again by the probe, which never stops below the configured rate.
//!
//! A burst of refusals from requests that were already in flight when the first one came
//! back counts as one cut: each admission records the current "generation", a cut starts
//! a new one, and only answers to requests admitted in the current generation may cut
//! again or count towards recovery.
//!
//! The rate is enforced by a `governor` limiter on the injected [`Clock`]; its waits go
//! through the injected [`Sleeper`] (never governor's own timer), so tests run on a
//! [`ManualClock`](crate::platform::retry::ManualClock) without sleeping. Changing the
//! rate swaps in a new limiter that starts with one request's worth of capacity (not a
//! full burst) no earlier than one new interval after the last admission, so a change
//! never lets a burst through; below the configured rate the burst stays 1.

use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use governor::clock::Clock as GovernorClock;
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::platform::retry::{Clock, Sleeper};

/// The multiplicative decrease on a 429 or 503.
const CUT_FACTOR: f64 = 0.5;
/// The floor is the configured rate divided by this...
const FLOOR_DIVISOR: f64 = 20.0;
/// ...but never below this many requests per second (one every five seconds).
const MIN_FLOOR: f64 = 0.2;
/// Each clean answer below the plateau adds the configured rate divided by this.
const RECOVERY_STEPS: f64 = 50.0;
/// Fast recovery stops at this share of the rate the host last refused.
const PLATEAU: f64 = 0.95;
/// Above the plateau the rate grows by this share of the refused rate per second.
const PROBE_PER_SECOND: f64 = 0.002;
/// Rate changes smaller than this share are not applied (each swaps the limiter); the
/// probe's time keeps adding up until one is big enough.
const SMALLEST_CHANGE: f64 = 0.005;
/// Longest pause a `Retry-After` may impose on everyone (a nonsense hint must not
/// freeze the daemon; the request that got it gives up on its own budget).
const MAX_PAUSE: Duration = Duration::from_secs(15 * 60);
/// Highest rate a limiter is built for; above this pacing is meaningless.
const MAX_RATE: f64 = 1.0e6;

/// How fast and how parallel requests to one store may go.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PacingSettings {
    /// Sustained requests per second (the ceiling of the adaptive rate).
    pub requests_per_second: f64,
    /// Requests allowed at once above the sustained rate.
    pub burst: u32,
    /// Requests in flight at once.
    pub max_concurrency: usize,
}

impl Default for PacingSettings {
    /// 5 req/s, bursts of 10, 4 in flight: the config defaults, gentle on shared hosting.
    fn default() -> Self {
        Self {
            requests_per_second: 5.0,
            burst: 10,
            max_concurrency: 4,
        }
    }
}

impl PacingSettings {
    /// Why these settings cannot pace anything, if so.
    #[must_use]
    pub fn problem(&self) -> Option<&'static str> {
        if !self.requests_per_second.is_finite() || self.requests_per_second <= 0.0 {
            Some("requests_per_second must be a positive number")
        } else if self.burst == 0 {
            Some("burst must be at least 1")
        } else if self.max_concurrency == 0 {
            Some("max_concurrency must be at least 1")
        } else {
            None
        }
    }

    /// The settings made usable: nonsense is replaced by the defaults' values.
    fn sanitized(self) -> Self {
        let defaults = Self::default();
        let rate = self.requests_per_second;
        Self {
            requests_per_second: if rate.is_finite() && rate > 0.0 {
                rate.min(MAX_RATE)
            } else {
                defaults.requests_per_second
            },
            burst: self.burst.max(1),
            max_concurrency: self.max_concurrency.max(1),
        }
    }
}

/// The pacer's counters and current rate.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PacerStats {
    /// Requests per second allowed now.
    pub current_rate: f64,
    /// The configured ceiling.
    pub configured_rate: f64,
    /// Time spent waiting for the rate or a pause (not for a concurrency slot).
    pub waited: Duration,
    /// Rate cuts (bursts of refusals count once).
    pub cuts: u64,
}

/// Paces the requests of one store; shared by every task of that store.
pub struct Pacer {
    settings: PacingSettings,
    floor: f64,
    clock: Arc<dyn Clock>,
    slots: Semaphore,
    state: Mutex<State>,
}

/// What changes under the lock.
struct State {
    rate: f64,
    limiter: Limiter,
    /// Bumped by every cut; see the module documentation.
    generation: u64,
    /// Nobody is admitted before this (`Retry-After`).
    paused_until: Option<Instant>,
    /// Nobody is admitted before this (spacing kept across a limiter swap).
    not_before: Option<Instant>,
    last_admission: Option<Instant>,
    /// The rate at which the host last refused us.
    refused_at: Option<f64>,
    /// When the rate last grew (the probe counts time from here).
    last_raise: Option<Instant>,
    waited: Duration,
    cuts: u64,
}

type Limiter = RateLimiter<NotKeyed, InMemoryState, ClockAdapter, NoOpMiddleware<Instant>>;

/// Our injected clock as governor's clock; `std::time::Instant` is a governor
/// `Reference` already.
#[derive(Clone, Debug)]
struct ClockAdapter(Arc<dyn Clock>);

impl GovernorClock for ClockAdapter {
    type Instant = Instant;

    fn now(&self) -> Instant {
        self.0.now()
    }
}

impl Pacer {
    /// A pacer at the configured rate with a full burst available. Invalid settings are
    /// replaced by defaults here; the client refuses them before (see
    /// [`PacingSettings::problem`]).
    #[must_use]
    pub fn new(settings: PacingSettings, clock: Arc<dyn Clock>) -> Self {
        let settings = settings.sanitized();
        let rate = settings.requests_per_second;
        let limiter = build_limiter(rate, settings.burst, &clock);
        Self {
            floor: (rate / FLOOR_DIVISOR).max(MIN_FLOOR).min(rate),
            slots: Semaphore::new(settings.max_concurrency),
            settings,
            clock,
            state: Mutex::new(State {
                rate,
                limiter,
                generation: 0,
                paused_until: None,
                not_before: None,
                last_admission: None,
                refused_at: None,
                last_raise: None,
                waited: Duration::ZERO,
                cuts: 0,
            }),
        }
    }

    /// Waits for a concurrency slot, then for the rate and any pause; the returned
    /// permit holds the slot until dropped and is told how the request went.
    pub async fn acquire<S: Sleeper>(&self, sleeper: &S) -> Permit<'_> {
        // The semaphore is never closed; without a slot we would still pace by rate.
        let slot = self.slots.acquire().await.ok();
        let mut waited = Duration::ZERO;
        let generation = loop {
            match self.try_admit() {
                Ok(generation) => break generation,
                Err(wait) => {
                    waited += wait;
                    sleeper.sleep(wait).await;
                }
            }
        };
        self.lock().waited += waited;
        Permit {
            pacer: self,
            _slot: slot,
            generation,
        }
    }

    /// Counters and the current rate.
    #[must_use]
    pub fn stats(&self) -> PacerStats {
        let state = self.lock();
        PacerStats {
            current_rate: state.rate,
            configured_rate: self.settings.requests_per_second,
            waited: state.waited,
            cuts: state.cuts,
        }
    }

    /// Admits one request now (its generation), or says how long to wait first.
    fn try_admit(&self) -> Result<u64, Duration> {
        let now = self.clock.now();
        let mut state = self.lock();
        let hold = state.paused_until.max(state.not_before);
        if let Some(until) = hold.filter(|until| *until > now) {
            return Err(until - now);
        }
        match state.limiter.check() {
            Ok(()) => {
                state.last_admission = Some(now);
                Ok(state.generation)
            }
            // Never a zero wait: that would spin if the clock stood still.
            Err(not_until) => Err(not_until.wait_time_from(now).max(Duration::from_millis(1))),
        }
    }

    /// A 429 or 503 came back for a request of `generation`.
    fn throttled(&self, generation: u64, retry_after: Option<Duration>) {
        let now = self.clock.now();
        let mut state = self.lock();
        if let Some(until) = retry_after.and_then(|hint| now.checked_add(hint.min(MAX_PAUSE))) {
            state.paused_until = Some(state.paused_until.map_or(until, |p| p.max(until)));
        }
        if generation != state.generation {
            return; // Sent before the last cut: that cut already answered it.
        }
        state.generation += 1;
        state.cuts += 1;
        state.refused_at = Some(state.rate);
        state.last_raise = Some(now);
        let rate = (state.rate * CUT_FACTOR).max(self.floor);
        self.set_rate(&mut state, rate);
        tracing::warn!(
            rate = state.rate,
            paused_for = ?retry_after,
            "the WooCommerce store is refusing requests; slowing down"
        );
    }

    /// A clean answer came back for a request of `generation`.
    fn succeeded(&self, generation: u64) {
        let now = self.clock.now();
        let mut state = self.lock();
        let ceiling = self.settings.requests_per_second;
        if generation != state.generation || state.rate >= ceiling {
            return;
        }
        let rate = self.raised(&state, now).min(ceiling);
        if rate >= ceiling || rate - state.rate >= state.rate * SMALLEST_CHANGE {
            state.last_raise = Some(now);
            self.set_rate(&mut state, rate);
        }
    }

    /// The rate one clean answer at `now` earns: a fast step up to the plateau below
    /// the refused rate, a slow probe above it (module documentation).
    fn raised(&self, state: &State, now: Instant) -> f64 {
        let step = self.settings.requests_per_second / RECOVERY_STEPS;
        match state.refused_at {
            None => state.rate + step,
            Some(refused) if state.rate < refused * PLATEAU => {
                (state.rate + step).min(refused * PLATEAU)
            }
            Some(refused) => {
                let since = state
                    .last_raise
                    .map_or(Duration::ZERO, |t| now.saturating_duration_since(t));
                state.rate + refused * PROBE_PER_SECOND * since.as_secs_f64()
            }
        }
    }

    /// Swaps in a limiter for `rate`: one request's worth of capacity, no earlier than
    /// one interval after the last admission. Below the configured rate (recovering
    /// from a cut) the burst is 1, so requests are evenly spaced while the host is
    /// touchy; back at the configured rate the burst builds up again with time.
    fn set_rate(&self, state: &mut State, rate: f64) {
        let ceiling = self.settings.requests_per_second;
        let burst = if rate < ceiling {
            1
        } else {
            self.settings.burst
        };
        state.rate = rate;
        state.limiter = build_limiter(rate, burst, &self.clock);
        if let Some(spent) = NonZeroU32::new(burst - 1) {
            // A fresh limiter has exactly `burst` cells: this cannot fail.
            let _ = state.limiter.check_n(spent);
        }
        state.not_before = state
            .last_admission
            .and_then(|last| last.checked_add(interval(rate)));
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Leave to send one request, holding a concurrency slot until dropped. Report the
/// answer with [`succeeded`](Self::succeeded) or [`throttled`](Self::throttled); other
/// failures (network, 5xx) do not change the rate: just drop it.
pub struct Permit<'a> {
    pacer: &'a Pacer,
    _slot: Option<SemaphorePermit<'a>>,
    generation: u64,
}

impl Permit<'_> {
    /// The store answered normally: recover a step towards the configured rate.
    pub fn succeeded(self) {
        self.pacer.succeeded(self.generation);
    }

    /// The store answered 429 or 503: cut the rate, and pause everyone until
    /// `retry_after` has passed when the answer said so.
    pub fn throttled(self, retry_after: Option<Duration>) {
        self.pacer.throttled(self.generation, retry_after);
    }
}

fn interval(rate: f64) -> Duration {
    Duration::from_secs_f64(1.0 / rate).max(Duration::from_nanos(1))
}

fn build_limiter(rate: f64, burst: u32, clock: &Arc<dyn Clock>) -> Limiter {
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    let quota = Quota::with_period(interval(rate))
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MAX))
        .allow_burst(burst);
    RateLimiter::direct_with_clock(quota, ClockAdapter(Arc::clone(clock)))
}

#[cfg(test)]
mod tests;
