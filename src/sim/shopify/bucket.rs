//! The shop's leaky bucket of cost points (reference §2): it refills at the restore
//! rate up to its maximum; a query needs its requested cost available up front, and
//! the difference to its actual cost is refunded afterwards.

use std::time::Instant;

use serde_json::{json, Value};

/// Points available, refilled lazily from the injected clock.
#[derive(Debug, Clone)]
pub(crate) struct Bucket {
    max: f64,
    rate: f64,
    available: f64,
    at: Instant,
}

/// Not enough points: what was available at the time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Short {
    pub available: f64,
}

impl Bucket {
    /// A full bucket.
    pub fn new(max: f64, rate: f64, now: Instant) -> Self {
        Self {
            max,
            rate,
            available: max,
            at: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.available = (self.available + elapsed * self.rate).min(self.max);
        self.at = self.at.max(now);
    }

    /// Takes `cost` points, or reports how many there are.
    pub fn take(&mut self, cost: u64, now: Instant) -> Result<(), Short> {
        self.refill(now);
        let cost = cost as f64;
        if cost > self.available {
            return Err(Short {
                available: self.available,
            });
        }
        self.available -= cost;
        Ok(())
    }

    /// Gives back `points` (requested minus actual cost).
    pub fn refund(&mut self, points: u64, now: Instant) {
        self.refill(now);
        self.available = (self.available + points as f64).min(self.max);
    }

    /// `throttleStatus` as of `now`.
    pub fn status(&mut self, now: Instant) -> Value {
        self.refill(now);
        json!({
            "maximumAvailable": self.max,
            "currentlyAvailable": self.available.floor() as i64,
            "restoreRate": self.rate,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn takes_refunds_and_refills_up_to_the_maximum() {
        let start = Instant::now();
        let mut bucket = Bucket::new(2000.0, 100.0, start);
        assert_eq!(bucket.take(1500, start), Ok(()));
        assert_eq!(bucket.take(600, start), Err(Short { available: 500.0 }));
        bucket.refund(100, start);
        assert_eq!(bucket.status(start)["currentlyAvailable"], 600);
        let later = start + Duration::from_secs(3);
        assert_eq!(bucket.status(later)["currentlyAvailable"], 900);
        let much_later = start + Duration::from_secs(3600);
        assert_eq!(bucket.status(much_later)["currentlyAvailable"], 2000);
        assert_eq!(bucket.status(much_later)["maximumAvailable"], 2000.0);
        assert_eq!(bucket.status(much_later)["restoreRate"], 100.0);
    }

    #[test]
    fn an_earlier_reading_never_drains_the_bucket() {
        let start = Instant::now() + Duration::from_secs(10);
        let mut bucket = Bucket::new(100.0, 10.0, start);
        assert_eq!(bucket.take(50, start), Ok(()));
        assert_eq!(
            bucket.status(start.checked_sub(Duration::from_secs(5)).unwrap())["currentlyAvailable"],
            50
        );
    }
}
