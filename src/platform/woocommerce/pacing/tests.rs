use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;
use crate::platform::retry::ManualClock;

const SECOND: Duration = Duration::from_secs(1);

fn pacer(settings: PacingSettings) -> (Pacer, ManualClock) {
    let clock = ManualClock::new();
    (Pacer::new(settings, Arc::new(clock.clone())), clock)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[tokio::test]
async fn the_rate_and_burst_are_honoured_over_simulated_time() {
    let (pacer, clock) = pacer(PacingSettings::default());
    for _ in 0..10 {
        drop(pacer.acquire(&clock).await);
    }
    assert_eq!(clock.elapsed(), Duration::ZERO, "the burst goes at once");
    for _ in 0..50 {
        drop(pacer.acquire(&clock).await);
    }
    // 50 more at 5 req/s: ten seconds.
    let elapsed = clock.elapsed().as_secs_f64();
    assert!((9.9..=10.1).contains(&elapsed), "{elapsed}");
    assert!(pacer.stats().waited >= Duration::from_millis(9900));
}

#[tokio::test]
async fn a_cut_halves_the_rate_and_recovery_is_fast_to_the_plateau_then_slow() {
    let (pacer, clock) = pacer(PacingSettings::default());
    pacer.acquire(&clock).await.throttled(None);
    let stats = pacer.stats();
    assert!(close(stats.current_rate, 2.5) && close(stats.configured_rate, 5.0));
    assert_eq!(stats.cuts, 1);
    pacer.acquire(&clock).await.succeeded();
    assert!(close(pacer.stats().current_rate, 2.6), "one step of 5/50");
    for _ in 0..30 {
        pacer.acquire(&clock).await.succeeded();
    }
    // Fast recovery stops at 95 % of the refused rate (5 req/s).
    assert!(
        (4.75..4.8).contains(&pacer.stats().current_rate),
        "{}",
        pacer.stats().current_rate
    );
    // Above it the probe adds 0.2 % of 5 req/s per second: about 25 s to get back to 5.
    let probe_start = clock.elapsed();
    while pacer.stats().current_rate < 5.0 {
        pacer.acquire(&clock).await.succeeded();
        assert!(
            clock.elapsed().saturating_sub(probe_start) < Duration::from_secs(40),
            "probe too slow"
        );
    }
    let probed = clock.elapsed().saturating_sub(probe_start).as_secs_f64();
    assert!((20.0..35.0).contains(&probed), "probed for {probed} s");
    for _ in 0..50 {
        pacer.acquire(&clock).await.succeeded();
    }
    assert!(
        close(pacer.stats().current_rate, 5.0),
        "never above the ceiling"
    );
}

#[tokio::test]
async fn after_a_cut_no_burst_goes_through_and_the_new_rate_holds() {
    let (pacer, clock) = pacer(PacingSettings::default());
    pacer.acquire(&clock).await.throttled(None);
    let start = clock.elapsed();
    for _ in 0..10 {
        drop(pacer.acquire(&clock).await);
    }
    // Ten requests at 2.5 req/s, the first one interval after the refused one.
    let spent = clock.elapsed().saturating_sub(start).as_secs_f64();
    assert!((3.9..=4.1).contains(&spent), "{spent}");
}

#[tokio::test]
async fn refusals_of_requests_in_flight_together_count_as_one_cut() {
    let (pacer, clock) = pacer(PacingSettings::default());
    let a = pacer.acquire(&clock).await;
    let b = pacer.acquire(&clock).await;
    let c = pacer.acquire(&clock).await;
    a.throttled(None);
    b.throttled(None);
    c.succeeded(); // admitted before the cut: no recovery either
    assert!(close(pacer.stats().current_rate, 2.5));
    assert_eq!(pacer.stats().cuts, 1);
    pacer.acquire(&clock).await.throttled(None);
    assert!(
        close(pacer.stats().current_rate, 1.25),
        "a later refusal cuts again"
    );
    assert_eq!(pacer.stats().cuts, 2);
}

#[tokio::test]
async fn the_rate_never_falls_below_the_floor() {
    let (pacer, clock) = pacer(PacingSettings::default());
    for _ in 0..10 {
        pacer.acquire(&clock).await.throttled(None);
    }
    assert!(close(pacer.stats().current_rate, 0.25), "5 / 20");
    let (slow, clock) = pacer_with_rate(1.0);
    for _ in 0..10 {
        slow.acquire(&clock).await.throttled(None);
    }
    assert!(close(slow.stats().current_rate, 0.2), "absolute floor");
}

fn pacer_with_rate(rate: f64) -> (Pacer, ManualClock) {
    pacer(PacingSettings {
        requests_per_second: rate,
        ..PacingSettings::default()
    })
}

#[tokio::test]
async fn a_retry_after_pause_holds_every_new_request() {
    let (pacer, clock) = pacer(PacingSettings::default());
    let other = pacer.acquire(&clock).await;
    pacer.acquire(&clock).await.throttled(Some(10 * SECOND));
    // An old request's refusal does not cut again but extends the pause.
    other.throttled(Some(12 * SECOND));
    assert_eq!(pacer.stats().cuts, 1);
    drop(pacer.acquire(&clock).await);
    assert!(clock.elapsed() >= 12 * SECOND, "{:?}", clock.elapsed());
    // Once past, requests flow at the cut rate again.
    let resumed = clock.elapsed();
    drop(pacer.acquire(&clock).await);
    assert!(clock.elapsed().saturating_sub(resumed) <= SECOND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_concurrency_cap_is_never_exceeded() {
    let clock = ManualClock::new();
    let settings = PacingSettings {
        requests_per_second: 1000.0,
        burst: 100,
        max_concurrency: 3,
    };
    let pacer = Arc::new(Pacer::new(settings, Arc::new(clock.clone())));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..24)
        .map(|_| {
            let (pacer, clock) = (Arc::clone(&pacer), clock.clone());
            let (in_flight, peak) = (Arc::clone(&in_flight), Arc::clone(&peak));
            tokio::spawn(async move {
                let permit = pacer.acquire(&clock).await;
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                for _ in 0..5 {
                    tokio::task::yield_now().await;
                }
                in_flight.fetch_sub(1, Ordering::SeqCst);
                permit.succeeded();
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task");
    }
    let peak = peak.load(Ordering::SeqCst);
    assert!((1..=3).contains(&peak), "peak {peak}");
}

#[test]
fn settings_problems_are_named_and_defaults_match_the_config() {
    assert_eq!(PacingSettings::default().problem(), None);
    let bad = |rps: f64, burst: u32, max_concurrency: usize| PacingSettings {
        requests_per_second: rps,
        burst,
        max_concurrency,
    };
    assert!(bad(0.0, 1, 1).problem().is_some());
    assert!(bad(f64::NAN, 1, 1).problem().is_some());
    assert!(bad(1.0, 0, 1).problem().is_some());
    assert!(bad(1.0, 1, 0).problem().is_some());
    let config = crate::config::WooCommerceConfig::new(
        "https://shop.example",
        crate::config::SecretRef::env("K"),
        crate::config::SecretRef::env("S"),
    );
    let defaults = PacingSettings::default();
    assert!(close(
        config.requests_per_second,
        defaults.requests_per_second
    ));
    assert_eq!(config.burst, defaults.burst);
    assert_eq!(config.max_concurrency, defaults.max_concurrency);
}
