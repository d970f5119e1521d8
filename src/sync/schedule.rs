//! When a shop's next pass is due: on its schedule after a success, sooner and then
//! less and less often after failures, so a shop that is down is retried without
//! hammering it and without waiting a whole schedule once it is back.

use std::time::Duration;

/// First retry after a failure.
pub const FIRST_RETRY: Duration = Duration::from_secs(5);
/// Retries never wait longer than this (nor longer than the schedule).
pub const LONGEST_RETRY: Duration = Duration::from_secs(15 * 60);

/// The wait before the next pass: `schedule` after a success (`failures == 0`), else
/// [`FIRST_RETRY`] doubled per further failure, capped at [`LONGEST_RETRY`] and at the
/// schedule, and jittered down by up to a fifth (`jitter` in 0..1) so shops that failed
/// together do not retry in lockstep.
#[must_use]
pub fn next_wait(schedule: Duration, failures: u32, jitter: f64) -> Duration {
    if failures == 0 {
        return schedule;
    }
    let doubled = FIRST_RETRY.saturating_mul(1_u32 << (failures - 1).min(16));
    let capped = doubled.min(LONGEST_RETRY).min(schedule.max(FIRST_RETRY));
    capped.mul_f64(1.0 - 0.2 * jitter.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn a_success_waits_the_schedule() {
        assert_eq!(next_wait(HOUR, 0, 0.7), HOUR);
    }

    #[test]
    fn failures_back_off_exponentially_up_to_the_cap() {
        let waits: Vec<u64> = (1..=10)
            .map(|f| next_wait(HOUR, f, 0.0).as_secs())
            .collect();
        assert_eq!(waits, [5, 10, 20, 40, 80, 160, 320, 640, 900, 900]);
        assert_eq!(next_wait(HOUR, u32::MAX, 0.0), LONGEST_RETRY);
    }

    #[test]
    fn a_short_schedule_caps_the_retry_and_jitter_only_shortens() {
        let minute = Duration::from_secs(60);
        assert_eq!(next_wait(minute, 9, 0.0), minute);
        assert_eq!(next_wait(minute, 9, 1.0), Duration::from_secs(48));
        assert_eq!(
            next_wait(minute, 1, 0.5),
            Duration::from_secs(4) + Duration::from_millis(500)
        );
    }
}
