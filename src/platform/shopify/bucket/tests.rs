//! Exact float comparisons are intended: every level here is a sum of small integers
//! scaled by whole seconds, exactly representable.
#![allow(clippy::float_cmp)]

use super::*;
use crate::platform::retry::ManualClock;
use proptest::prelude::*;
use std::future::Future;
use std::task::{Context, Poll, Waker};

fn status(maximum: f64, current: f64, rate: f64) -> ThrottleStatus {
    ThrottleStatus {
        maximum_available: maximum,
        currently_available: current,
        restore_rate: rate,
    }
}

fn learned(maximum: f64, current: f64, rate: f64) -> (CostBucket, ManualClock) {
    let clock = ManualClock::new();
    let bucket = CostBucket::new(Arc::new(clock.clone()));
    bucket.learn(status(maximum, current, rate));
    (bucket, clock)
}

fn secs(seconds: f64) -> Duration {
    Duration::from_secs_f64(seconds)
}

/// Drives a future that must finish without a runtime (our sleepers never block).
fn run<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("a manual sleeper never leaves a future pending"),
    }
}

#[test]
fn starts_with_the_assumed_plan_until_shopify_answers() {
    let clock = ManualClock::new();
    let bucket = CostBucket::new(Arc::new(clock));
    assert_eq!(bucket.limits().maximum, ASSUMED_MAXIMUM);
    assert!(!bucket.limits().learned);
    let all = bucket.reserve(1000).expect("fits");
    let more = bucket.reserve(50).expect("fits");
    assert_eq!((all.wait(), more.wait()), (Duration::ZERO, secs(1.0)));
}

#[test]
fn restores_at_the_learned_rate_up_to_the_maximum() {
    let (bucket, clock) = learned(2000.0, 500.0, 100.0);
    assert_eq!(bucket.available(), 500.0);
    clock.advance(secs(5.0));
    assert_eq!(bucket.available(), 1000.0);
    clock.advance(secs(100.0));
    assert_eq!(bucket.available(), 2000.0);
}

#[test]
fn waits_exactly_the_deficit() {
    let (bucket, clock) = learned(2000.0, 100.0, 100.0);
    let reservation = bucket.reserve(352).expect("fits");
    assert_eq!(reservation.wait(), Duration::from_millis(2520));
    clock.advance(Duration::from_millis(2519));
    assert!(!reservation.ready_in().is_zero());
    clock.advance(Duration::from_millis(1));
    assert_eq!(reservation.ready_in(), Duration::ZERO);
}

#[test]
fn concurrent_reservations_queue_behind_each_other() {
    let (bucket, clock) = learned(2000.0, 0.0, 100.0);
    let first = bucket.reserve(300).expect("fits");
    let second = bucket.reserve(200).expect("fits");
    assert_eq!((first.wait(), second.wait()), (secs(3.0), secs(5.0)));
    clock.advance(secs(3.0));
    assert_eq!(first.ready_in(), Duration::ZERO);
    assert_eq!(second.ready_in(), secs(2.0));
    assert_eq!(bucket.stats().waited, secs(8.0));
}

/// Lets both tasks reserve before either sleeps, as truly concurrent tasks would,
/// then advances the shared clock to each sleep's end.
struct Gathering {
    clock: ManualClock,
    arrived: std::sync::atomic::AtomicUsize,
    slept: Mutex<Vec<Duration>>,
}

impl Sleeper for Gathering {
    async fn sleep(&self, duration: Duration) {
        use std::sync::atomic::Ordering::SeqCst;
        let end = self.clock.now() + duration;
        self.slept.lock().expect("unpoisoned").push(duration);
        self.arrived.fetch_add(1, SeqCst);
        while self.arrived.load(SeqCst) < 2 {
            tokio::task::yield_now().await;
        }
        self.clock
            .advance(end.saturating_duration_since(self.clock.now()));
    }
}

#[tokio::test]
async fn tasks_sharing_a_bucket_each_sleep_their_own_turn() {
    let (bucket, clock) = learned(2000.0, 0.0, 100.0);
    let sleeper = Arc::new(Gathering {
        clock: clock.clone(),
        arrived: 0.into(),
        slept: Mutex::default(),
    });
    let tasks = [300, 200].map(|cost| {
        let (bucket, sleeper) = (bucket.clone(), Arc::clone(&sleeper));
        tokio::spawn(async move { bucket.acquire(cost, sleeper.as_ref()).await.is_ok() })
    });
    for task in tasks {
        assert!(task.await.expect("task ran"));
    }
    let mut slept = sleeper.slept.lock().expect("unpoisoned").clone();
    slept.sort();
    assert_eq!(slept, [secs(3.0), secs(5.0)]);
    assert_eq!(clock.elapsed(), secs(5.0), "the waits overlap");
    assert_eq!(bucket.stats().waited, secs(8.0));
}

#[test]
fn learning_a_bigger_plan_changes_the_pace() {
    let clock = ManualClock::new();
    let bucket = CostBucket::new(Arc::new(clock.clone()));
    let probe = bucket.reserve(800).expect("fits");
    probe.observe(status(4000.0, 3200.0, 200.0), 800);
    let limits = bucket.limits();
    assert_eq!((limits.maximum, limits.restore_rate), (4000.0, 200.0));
    let held: Vec<Reservation> = (0..4)
        .map(|_| bucket.reserve(1000).expect("fits"))
        .collect();
    let waits: Vec<Duration> = held.iter().map(Reservation::wait).collect();
    assert_eq!(waits[..3], [Duration::ZERO; 3]);
    assert_eq!(waits[3], secs(4.0), "800 points at 200/s, not 16 s at 50/s");
    drop(held);
    clock.advance(secs(60.0));
    assert_eq!(bucket.available(), 4000.0);
}

#[test]
fn queries_that_can_never_be_paid_are_rejected() {
    let (bucket, _clock) = learned(500.0, 500.0, 25.0);
    let over_bucket = BucketError::OverBucket {
        requested: 600,
        maximum: 500.0,
    };
    assert_eq!(bucket.reserve(600).expect_err("too big"), over_bucket);
    let over_limit = BucketError::OverQueryLimit { requested: 1001 };
    assert_eq!(bucket.reserve(1001).expect_err("too big"), over_limit);
    assert_eq!(bucket.stats(), BucketStats::default(), "nothing reserved");
}

#[test]
fn throttled_answers_compute_the_servers_wait_and_are_counted() {
    let (bucket, _clock) = learned(2000.0, 2000.0, 100.0);
    let reservation = bucket.reserve(752).expect("fits");
    let wait = reservation.throttled(status(2000.0, 66.0, 100.0));
    assert_eq!(wait, Duration::from_millis(6860));
    assert_eq!(bucket.stats().throttled, 1);
    assert_eq!(bucket.available(), 66.0);
    assert_eq!(bucket.reserve(752).expect("fits").wait(), wait);
}

#[test]
fn waits_are_never_negative_or_nan_whatever_the_server_says() {
    let (bucket, _clock) = learned(2000.0, 1000.0, 100.0);
    let nonsense = [
        status(f64::NAN, 10.0, 100.0),
        status(2000.0, f64::NAN, 100.0),
        status(2000.0, 10.0, 0.0),
        status(2000.0, 10.0, -5.0),
        status(f64::INFINITY, 10.0, 100.0),
        status(2000.0, -50.0, 100.0),
        status(2000.0, 5000.0, 100.0),
    ];
    for bad in nonsense {
        let wait = bucket.reserve(900).expect("fits").throttled(bad);
        assert!(wait < secs(30.0), "{bad:?} gave {wait:?}");
        let limits = bucket.limits();
        assert!(limits.restore_rate > 0.0 && limits.maximum.is_finite());
        assert!(bucket.available().is_finite());
    }
    assert_eq!(bucket.available(), 0.0, "negative level read as empty");
}

#[test]
fn answers_refund_unused_points_and_count_the_spending() {
    let (bucket, _clock) = learned(2000.0, 2000.0, 100.0);
    let reservation = bucket.reserve(500).expect("fits");
    assert_eq!(bucket.available(), 1500.0);
    reservation.observe(status(2000.0, 1960.0, 100.0), 40);
    assert_eq!(bucket.available(), 1960.0);
    let stats = bucket.stats();
    assert_eq!(
        (stats.answered, stats.points_requested, stats.points_spent),
        (1, 500, 40)
    );
}

#[test]
fn a_stale_fuller_status_does_not_raise_the_mirror() {
    let (bucket, _clock) = learned(2000.0, 2000.0, 100.0);
    let first = bucket.reserve(500).expect("fits");
    let second = bucket.reserve(500).expect("fits");
    second.observe(status(2000.0, 1000.0, 100.0), 500);
    first.observe(status(2000.0, 1500.0, 100.0), 500);
    assert!(bucket.available() <= 1000.0, "the server holds 1000");
}

#[test]
fn a_late_sender_cannot_make_the_mirror_overstate_a_full_bucket() {
    let (bucket, clock) = learned(2000.0, 2000.0, 100.0);
    for level in [1000.0, 0.0] {
        let mut sent = bucket.reserve(1000).expect("fits");
        sent.mark_sent();
        sent.observe(status(2000.0, level, 100.0), 1000);
    }
    let mut late = bucket.reserve(1000).expect("fits");
    assert_eq!(late.wait(), secs(10.0));
    // It oversleeps; meanwhile the real bucket fills up and stops at 2000.
    clock.advance(secs(30.0));
    late.mark_sent();
    assert_eq!(
        bucket.available(),
        1000.0,
        "the server now holds 2000 - 1000"
    );
    let next = [bucket.reserve(1000), bucket.reserve(1000)].map(|r| r.expect("fits"));
    assert_eq!(
        (next[0].wait(), next[1].wait()),
        (Duration::ZERO, secs(10.0))
    );
}

/// Advances the clock, and on the first sleep has the bucket learn `status`.
struct Interfering {
    clock: ManualClock,
    bucket: CostBucket,
    status: ThrottleStatus,
    done: std::sync::atomic::AtomicBool,
}

impl Interfering {
    fn new(clock: &ManualClock, bucket: &CostBucket, status: ThrottleStatus) -> Self {
        let (clock, bucket) = (clock.clone(), bucket.clone());
        let done = false.into();
        Self {
            clock,
            bucket,
            status,
            done,
        }
    }
}

impl Sleeper for Interfering {
    async fn sleep(&self, duration: Duration) {
        self.clock.advance(duration);
        if !self.done.swap(true, std::sync::atomic::Ordering::SeqCst) {
            self.bucket.learn(self.status);
        }
    }
}

#[test]
fn acquire_waits_longer_when_an_answer_lowers_the_mirror_meanwhile() {
    let (bucket, clock) = learned(2000.0, 0.0, 100.0);
    let drained = Interfering::new(&clock, &bucket, status(2000.0, 0.0, 100.0));
    let reservation = run(bucket.acquire(300, &drained)).expect("fits");
    assert_eq!(reservation.wait(), secs(3.0));
    assert_eq!(clock.elapsed(), secs(6.0));
    assert_eq!(bucket.stats().waits, 2);
}

#[test]
fn acquire_gives_up_when_the_plan_shrinks_below_the_query() {
    let (bucket, clock) = learned(2000.0, 0.0, 100.0);
    let shrunk = Interfering::new(&clock, &bucket, status(500.0, 0.0, 25.0));
    let error = run(bucket.acquire(800, &shrunk)).expect_err("never fits");
    let expected = BucketError::OverBucket {
        requested: 800,
        maximum: 500.0,
    };
    assert_eq!(error, expected);
    assert_eq!(bucket.available(), 0.0, "its points were given back");
}

struct Never;

impl Sleeper for Never {
    fn sleep(&self, _: Duration) -> impl Future<Output = ()> + Send {
        std::future::pending()
    }
}

#[test]
fn a_cancelled_acquire_gives_its_points_back_but_a_sent_query_keeps_them() {
    let (bucket, _clock) = learned(2000.0, 0.0, 100.0);
    {
        let mut waiting = std::pin::pin!(bucket.acquire(300, &Never));
        let poll = waiting
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()));
        assert!(poll.is_pending());
        assert_eq!(bucket.available(), -300.0);
    }
    assert_eq!(bucket.available(), 0.0);
    let (bucket, _clock) = learned(2000.0, 2000.0, 100.0);
    drop(run(bucket.acquire(500, &Never)).expect("no wait"));
    assert_eq!(bucket.available(), 1500.0, "the server may have run it");
}

/// The shop's real bucket, as reference §2 describes it.
struct TrueBucket {
    maximum: f64,
    rate: f64,
    level: f64,
    at: Instant,
}

impl TrueBucket {
    /// Runs a query now: its status, or the level that could not pay for it.
    fn run(&mut self, now: Instant, requested: u32, actual: u32) -> Result<ThrottleStatus, f64> {
        let elapsed = now.duration_since(self.at).as_secs_f64();
        self.level = (self.level + elapsed * self.rate).min(self.maximum);
        self.at = now;
        if self.level + EPSILON < f64::from(requested) {
            return Err(self.level);
        }
        self.level -= f64::from(actual);
        Ok(status(self.maximum, self.level, self.rate))
    }
}

/// One batch of concurrent queries: (cost, actual share, answer latency ms, oversleep ms).
type Batch = (u64, Vec<(u32, f64, u64, u64)>);

fn batches() -> impl Strategy<Value = Vec<Batch>> {
    let ms = |long: u64| prop_oneof![Just(0_u64), 0_u64..300, 0_u64..long];
    let share = prop_oneof![Just(0.0), Just(1.0), 0.0..=1.0_f64];
    let query = (1_u32..=1000, share, ms(8000), ms(15_000));
    prop::collection::vec((ms(30_000), prop::collection::vec(query, 1..9)), 1..20)
}

/// A task between reserving and sending, and when it next looks at the bucket.
struct Task {
    wake: Instant,
    reservation: Reservation,
    cost: u32,
    actual: u32,
    latency: Duration,
}

/// Runs one batch as concurrent acquiring tasks: all reserve at once; a task whose
/// wait is not zero wakes late by its oversleep, re-checks and sends when ready; each
/// answer (the status of its run) arrives after its latency. Events run in time order.
fn simulate(
    bucket: &CostBucket,
    clock: &ManualClock,
    truth: &mut TrueBucket,
    batch: Batch,
) -> Result<(), TestCaseError> {
    let ms = Duration::from_millis;
    clock.advance(ms(batch.0));
    let start = clock.now();
    let mut tasks: Vec<Task> = (batch.1.into_iter())
        .map(|(cost, share, latency, oversleep)| {
            let reservation = bucket.reserve(cost).expect("fits");
            let late = if reservation.wait().is_zero() {
                0
            } else {
                oversleep
            };
            Task {
                wake: start + reservation.wait() + ms(late),
                reservation,
                cost,
                actual: (f64::from(cost) * share) as u32,
                latency: ms(latency),
            }
        })
        .collect();
    let mut answers: Vec<(Instant, Reservation, ThrottleStatus, u32)> = Vec::new();
    for _ in 0..100_000 {
        let next_answer = answers.iter().map(|answer| answer.0).min();
        let next_task = tasks.iter().map(|task| task.wake).min();
        let Some(now) = next_answer.into_iter().chain(next_task).min() else {
            return Ok(());
        };
        clock.advance(now.saturating_duration_since(clock.now()));
        if next_answer == Some(now) {
            let index = answers.iter().position(|a| a.0 == now).expect("due");
            let (_, reservation, status, actual) = answers.swap_remove(index);
            reservation.observe(status, actual);
            continue;
        }
        let index = tasks.iter().position(|task| task.wake == now).expect("due");
        let wait = tasks[index].reservation.ready_in();
        if !wait.is_zero() {
            tasks[index].wake = now + wait;
            continue;
        }
        let mut task = tasks.swap_remove(index);
        task.reservation.mark_sent();
        let status = (truth.run(now, task.cost, task.actual))
            .map_err(|level| TestCaseError::fail(format!("throttled: {} > {level}", task.cost)))?;
        answers.push((now + task.latency, task.reservation, status, task.actual));
    }
    Err(TestCaseError::fail("the tasks never all got their turn"))
}

proptest! {
    #[test]
    fn a_client_that_acquires_before_sending_is_never_throttled(
        plan in 0_usize..3,
        fill in 0.0..=1.0_f64,
        batches in batches(),
    ) {
        let (maximum, rate) = [(2000.0, 100.0), (4000.0, 200.0), (20000.0, 1000.0)][plan];
        let clock = ManualClock::new();
        let bucket = CostBucket::new(Arc::new(clock.clone()));
        let mut truth = TrueBucket { maximum, rate, level: (maximum * fill).floor(), at: clock.now() };
        bucket.learn(status(maximum, truth.level, rate));
        for batch in batches {
            simulate(&bucket, &clock, &mut truth, batch)?;
        }
        prop_assert_eq!(bucket.stats().throttled, 0);
    }
}
