//! The client-side mirror of a shop's cost leaky bucket (reference §2), shared by every
//! task that talks to that shop, so that we wait *before* sending a query the bucket
//! cannot pay instead of collecting THROTTLED answers.
//!
//! Hand-written rather than `governor`: governor's state cannot be set to the server's
//! numbers, its quota cannot change at runtime without losing state, and it knows no
//! refunds; all three are the point here. A mirror with an injected [`Clock`] is also
//! exact, so tests can assert waits to the nanosecond without sleeping.
//!
//! The model. `available` is the number of points the shop's bucket will hold once every
//! reservation granted so far is spent; it refills at `restore_rate` up to `maximum`, and
//! goes negative when tasks are queued. [`CostBucket::reserve`] deducts at once and returns
//! the wait until the refill covers the deficit, so the next task queues behind (virtual
//! scheduling, as in GCRA). Each reservation is *outstanding* until its answer is seen.
//!
//! Learning. Every answer's `throttleStatus` sets `maximum` and `restore_rate` (any plan,
//! including temporary reductions). For the level, the first status is trusted as is; after
//! that the mirror keeps the lower of its own prediction (which adds back the known refund
//! `requested − actual`) and the server's `currentlyAvailable` minus the other outstanding
//! reservations. Subtracting all of them double-counts those the server already charged,
//! and a status read late is treated as current; both err toward waiting. Taking the lower
//! value protects against answers arriving out of order (an older, fuller status) and
//! against other clients draining the same bucket; the refill closes any excess
//! pessimism within `maximum / restore_rate` (20 s on every current plan).
//!
//! Two rules keep the mirror from promising more than the server holds even when a task
//! sends late: it never shows more than `maximum − Σ outstanding` (the server's bucket
//! stops filling at its maximum while those points are still owed), and a queued task's
//! turn ([`Reservation::ready_in`]) counts only reservations not yet sent. A property test
//! checks the whole against a reference bucket: acquiring first is never throttled.
//!
//! Before the first answer the plan is unknown: we assume the old default bucket,
//! [`ASSUMED_MAXIMUM`] points restoring at [`ASSUMED_RESTORE_RATE`], full, which is below
//! every current plan. Only a bucket drained by another process can then throttle us once,
//! and that THROTTLED answer teaches the mirror.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::platform::retry::{Clock, Sleeper};

/// Shopify refuses any single query requesting more points (`MAX_COST_EXCEEDED`).
pub const SINGLE_QUERY_MAX: u32 = 1000;
/// Bucket size assumed until the first `throttleStatus` arrives.
pub const ASSUMED_MAXIMUM: f64 = 1000.0;
/// Restore rate (points per second) assumed until the first `throttleStatus` arrives.
pub const ASSUMED_RESTORE_RATE: f64 = 50.0;
/// Float slack when comparing points, far below one point.
const EPSILON: f64 = 1e-6;

/// `extensions.cost.throttleStatus` of a Shopify answer.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThrottleStatus {
    /// Bucket size in points.
    pub maximum_available: f64,
    /// Points left after this query (refund of `requested − actual` included).
    pub currently_available: f64,
    /// Points restored per second.
    pub restore_rate: f64,
}

impl ThrottleStatus {
    /// Whether the numbers can drive the mirror: finite, positive size and rate.
    fn is_usable(&self) -> bool {
        self.maximum_available.is_finite()
            && self.currently_available.is_finite()
            && self.restore_rate.is_finite()
            && self.maximum_available > 0.0
            && self.restore_rate > 0.0
    }
}

/// A query that can never be sent, whatever we wait.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BucketError {
    /// Above Shopify's single-query limit on every plan.
    #[error("query requests {requested} points, over Shopify's single-query limit of {SINGLE_QUERY_MAX}: lower `first:` or split the query")]
    OverQueryLimit {
        /// Requested cost of the query.
        requested: u32,
    },
    /// Above the shop's whole bucket, so the bucket can never hold enough.
    #[error("query requests {requested} points but the shop's bucket holds at most {maximum}")]
    OverBucket {
        /// Requested cost of the query.
        requested: u32,
        /// The bucket size last learned.
        maximum: f64,
    },
}

/// Counters for metrics and the pacing benchmark (points spent vs restore rate).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BucketStats {
    /// Answers observed with data.
    pub answered: u64,
    /// THROTTLED answers: each one is a pacing bug worth a metric.
    pub throttled: u64,
    /// Sum of requested costs of answered queries.
    pub points_requested: u64,
    /// Sum of actual costs of answered queries.
    pub points_spent: u64,
    /// Non-zero waits prescribed before sending.
    pub waits: u64,
    /// Total of those waits.
    pub waited: Duration,
}

/// The bucket's plan as currently believed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    /// Bucket size in points.
    pub maximum: f64,
    /// Points restored per second.
    pub restore_rate: f64,
    /// Whether these came from Shopify (false: still the assumption).
    pub learned: bool,
}

/// One shop's bucket mirror. Cheap to clone; clones share the state.
#[derive(Clone, Debug)]
pub struct CostBucket {
    state: Arc<Mutex<State>>,
    clock: Arc<dyn Clock>,
}

/// Points granted to one query; hand it back with the answer.
///
/// Dropped unanswered (network failure), its points stay spent, since the server may have
/// run the query; dropped before it was sent (a cancelled [`CostBucket::acquire`]), they
/// are given back.
#[derive(Debug)]
#[must_use = "a reservation must be answered (observe/throttled) or dropped"]
pub struct Reservation {
    bucket: CostBucket,
    ticket: u64,
    requested: u32,
    wait: Duration,
    settled: bool,
}

/// The shared mutable part. A std mutex: every critical section is a few float
/// operations and never awaits.
#[derive(Debug)]
struct State {
    limits: Limits,
    available: f64,
    updated_at: Instant,
    next_ticket: u64,
    /// Reservations not yet answered, in grant order.
    outstanding: BTreeMap<u64, Entry>,
    stats: BucketStats,
}

/// One outstanding reservation.
#[derive(Clone, Copy, Debug)]
struct Entry {
    points: f64,
    /// Whether the query may have reached the server (it was released to be sent).
    sent: bool,
}

impl CostBucket {
    /// A bucket with the assumed plan, full, timed by `clock`.
    #[must_use]
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        let state = State {
            limits: Limits {
                maximum: ASSUMED_MAXIMUM,
                restore_rate: ASSUMED_RESTORE_RATE,
                learned: false,
            },
            available: ASSUMED_MAXIMUM,
            updated_at: clock.now(),
            next_ticket: 0,
            outstanding: BTreeMap::new(),
            stats: BucketStats::default(),
        };
        Self {
            state: Arc::new(Mutex::new(state)),
            clock,
        }
    }

    /// Grants `requested` points and says ([`Reservation::wait`]) how long to wait before
    /// sending: zero when the bucket can pay now, else the time the refill needs to cover
    /// the deficit, everything reserved earlier included. Later reservations queue behind.
    /// Prefer [`acquire`](Self::acquire); callers that sleep themselves must re-check
    /// [`Reservation::ready_in`] and call [`Reservation::mark_sent`] before sending.
    pub fn reserve(&self, requested: u32) -> Result<Reservation, BucketError> {
        let mut state = self.lock();
        state.check(requested)?;
        state.refill(self.clock.now());
        let points = f64::from(requested);
        let wait = state.wait_for(points - state.available);
        state.available -= points;
        let ticket = state.next_ticket;
        state.next_ticket += 1;
        let entry = Entry {
            points,
            sent: false,
        };
        state.outstanding.insert(ticket, entry);
        state.note_wait(wait);
        drop(state);
        Ok(Reservation {
            bucket: self.clone(),
            ticket,
            requested,
            wait,
            settled: false,
        })
    }

    /// Reserves `requested` points, sleeps until the bucket can pay them and marks the
    /// reservation sent. Re-checks after each sleep: an answer seen meanwhile may have
    /// lowered the mirror, or shrunk the plan below `requested` (then `OverBucket`).
    /// Cancelling the future gives the points back.
    pub async fn acquire<S: Sleeper>(
        &self,
        requested: u32,
        sleeper: &S,
    ) -> Result<Reservation, BucketError> {
        let mut reservation = self.reserve(requested)?;
        let mut wait = reservation.wait;
        while !wait.is_zero() {
            sleeper.sleep(wait).await;
            wait = reservation.ready_in();
            let mut state = self.lock();
            // The plan may have shrunk below this query meanwhile: then it never fits.
            state.check(requested)?;
            state.note_wait(wait);
        }
        reservation.mark_sent();
        Ok(reservation)
    }

    /// Learns from a status that answers no reservation (e.g. a call made elsewhere).
    pub fn learn(&self, status: ThrottleStatus) {
        let mut state = self.lock();
        state.refill(self.clock.now());
        state.learn(status);
    }

    /// Points available now according to the mirror (negative: tasks are queued).
    #[must_use]
    pub fn available(&self) -> f64 {
        let mut state = self.lock();
        state.refill(self.clock.now());
        state.available
    }

    /// The plan as currently believed.
    #[must_use]
    pub fn limits(&self) -> Limits {
        self.lock().limits
    }

    /// Counters since creation.
    #[must_use]
    pub fn stats(&self) -> BucketStats {
        self.lock().stats
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is a handful of numbers updated in one step: a panic elsewhere cannot
        // leave it half-written, so a poisoned lock is still good to use.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Reservation {
    /// The wait prescribed when the points were reserved.
    #[must_use]
    pub fn wait(&self) -> Duration {
        self.wait
    }

    /// Requested cost of the query.
    #[must_use]
    pub fn requested(&self) -> u32 {
        self.requested
    }

    /// How long until the bucket covers this reservation and every unsent one granted
    /// before it (zero: send now).
    #[must_use]
    pub fn ready_in(&self) -> Duration {
        let mut state = self.bucket.lock();
        state.refill(self.bucket.clock.now());
        let behind: f64 = (state.outstanding.range(self.ticket + 1..))
            .filter(|(_, entry)| !entry.sent)
            .map(|(_, entry)| entry.points)
            .sum();
        state.wait_for(-(state.available + behind))
    }

    /// Declares the query released to the server: from now on its points are no longer
    /// waiting in the queue, and dropping the reservation keeps them spent.
    pub fn mark_sent(&mut self) {
        if let Some(entry) = self.bucket.lock().outstanding.get_mut(&self.ticket) {
            entry.sent = true;
        }
    }

    /// Records the answer of a query that ran: its status and actual cost.
    pub fn observe(mut self, status: ThrottleStatus, actual_cost: u32) {
        let mut state = self.bucket.lock();
        state.refill(self.bucket.clock.now());
        state.outstanding.remove(&self.ticket);
        let refund = f64::from(self.requested.saturating_sub(actual_cost));
        state.give_back(refund);
        state.learn(status);
        state.stats.answered += 1;
        state.stats.points_requested += u64::from(self.requested);
        state.stats.points_spent += u64::from(actual_cost);
        self.settled = true;
    }

    /// Records a THROTTLED answer (the query did not run) and returns the server's wait,
    /// `(requested − currentlyAvailable) / restoreRate`, other outstanding reservations
    /// counted as spent. Sleep it, then acquire again: that adds no further wait unless
    /// other tasks reserved meanwhile.
    #[must_use = "sleep the returned wait before retrying"]
    pub fn throttled(mut self, status: ThrottleStatus) -> Duration {
        let mut state = self.bucket.lock();
        state.refill(self.bucket.clock.now());
        if let Some(entry) = state.outstanding.remove(&self.ticket) {
            // The server did not charge the query: take our own charge back before
            // lowering the level to what the server reports.
            state.give_back(entry.points);
        }
        state.learn(status);
        state.stats.throttled += 1;
        self.settled = true;
        let current = if status.is_usable() {
            state.available_from(status)
        } else {
            state.available
        };
        state.wait_for(f64::from(self.requested) - current)
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        let mut state = self.bucket.lock();
        state.refill(self.bucket.clock.now());
        if let Some(entry) = state.outstanding.remove(&self.ticket) {
            if !entry.sent {
                state.give_back(entry.points);
            }
        }
    }
}

impl State {
    /// Rejects a query no wait can make affordable.
    fn check(&self, requested: u32) -> Result<(), BucketError> {
        if requested > SINGLE_QUERY_MAX {
            return Err(BucketError::OverQueryLimit { requested });
        }
        let maximum = self.limits.maximum;
        if f64::from(requested) > maximum + EPSILON {
            return Err(BucketError::OverBucket { requested, maximum });
        }
        Ok(())
    }

    /// Points owed to the outstanding reservations.
    fn owed(&self) -> f64 {
        self.outstanding.values().map(|entry| entry.points).sum()
    }

    /// The highest level the mirror may show: the server's bucket stops filling at its
    /// maximum, and part of that is owed to the outstanding reservations.
    fn ceiling(&self) -> f64 {
        self.limits.maximum - self.owed()
    }

    /// Brings `available` up to `now` at the restore rate, never above [`Self::ceiling`].
    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.updated_at).as_secs_f64();
        let refilled = self.available + elapsed * self.limits.restore_rate;
        self.available = self.available.max(refilled.min(self.ceiling()));
        self.updated_at = now;
    }

    /// Adds points back (a refund, an unsent reservation), never above the ceiling.
    fn give_back(&mut self, points: f64) {
        let raised = (self.available + points).min(self.ceiling());
        self.available = self.available.max(raised);
    }

    /// The time the refill needs to restore `deficit` points (zero if none), rounded up
    /// to the nanosecond so that waiting it always suffices.
    fn wait_for(&self, deficit: f64) -> Duration {
        if deficit.is_nan() || deficit <= EPSILON {
            return Duration::ZERO;
        }
        let nanos = (deficit * 1e9 / self.limits.restore_rate).ceil();
        Duration::from_nanos(if nanos < u64::MAX as f64 {
            nanos as u64
        } else {
            u64::MAX
        })
    }

    /// The level a status implies for us: its points minus every outstanding reservation
    /// (some of which the server may already have charged: conservative).
    fn available_from(&self, status: ThrottleStatus) -> f64 {
        let current = status
            .currently_available
            .clamp(0.0, status.maximum_available);
        current - self.owed()
    }

    /// Takes the plan from `status` and lowers the level to what it implies (see the
    /// module doc); the first status sets the level outright. Unusable statuses are
    /// ignored: the mirror keeps its last good numbers.
    fn learn(&mut self, status: ThrottleStatus) {
        if !status.is_usable() {
            tracing::warn!(?status, "ignoring an unusable Shopify throttleStatus");
            return;
        }
        let server = self.available_from(status);
        let own = if self.limits.learned {
            self.available
        } else {
            server
        };
        self.limits = Limits {
            maximum: status.maximum_available,
            restore_rate: status.restore_rate,
            learned: true,
        };
        self.available = own.min(server).min(self.ceiling());
    }

    fn note_wait(&mut self, wait: Duration) {
        if !wait.is_zero() {
            self.stats.waits += 1;
            self.stats.waited += wait;
        }
    }
}

#[cfg(test)]
mod tests;
