//! The fault matrix (DESIGN.md §8): every case of `cases::all()`, run against the
//! simulated Shopify and WooCommerce through the same pull and push functions the
//! daemon's pipeline and the `sync`/`push` commands call, with the same retry policy.
//!
//! Each case starts its own simulated store and store, syncs once cleanly, then:
//! - transport faults ([`Expect::Retried`]): injected twice, the run completes; injected
//!   for good, the run fails after exactly the retry budget's requests (the simulator
//!   counts them), having waited between attempts, with an error in words that the
//!   shop's status board shows; the store is intact and the next run completes;
//! - record faults: the bad record is skipped and named with its field while the rest
//!   is stored, or the odd data round-trips, or nothing is lost — and the next run,
//!   fault gone, ends with the store equal to the platform.
//!
//! Time is a `ManualClock` per case: backoff, pacing and bulk polls advance it instead
//! of sleeping. Only timeouts take real time (a 2 s client timeout, generous for a loaded CI machine). A failing case
//! is reported by name; the others still run, and every failure is listed at the end.

mod cases;
mod check;
mod shopify;
mod woocommerce;

use std::time::Duration;

use futures::FutureExt;
use upsell_sync::model::ProductStatus;
use upsell_sync::sync::status::{Phase, StatusBoard};

use cases::{Case, Expect, Fault, Operation, Platform};
use check::{assert_intact, stale, tail_number, Snapshot};

/// The shop's name on the status board.
pub const SHOP: &str = "faulty";

/// How often a fault meant to outlast every retry is queued.
pub const FOREVER: usize = 1_000;

/// What a pull or push reported, in the terms the checks need.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Records skipped or writes refused, each in words.
    pub problems: Vec<String>,
}

/// One case's simulated store, client and store, as each platform sets them up.
#[allow(async_fn_in_trait)]
pub trait Rig: Sized {
    /// A fresh store synced once from a fresh simulated platform (with lists computed,
    /// for pushes).
    async fn start(case: &Case) -> Self;
    /// Runs `case`'s operation once, as the daemon would.
    async fn run(&self, case: &Case) -> anyhow::Result<Outcome>;
    /// Changes on the platform (or forgets what was written, for a push), so that the
    /// next run has work to do.
    fn touch(&self, case: &Case);
    /// Queues `case`'s fault `times` times for its target (data faults: for good).
    fn inject(&self, case: &Case, times: usize);
    /// Drops every queued fault.
    fn clear_faults(&self);
    /// Requests the simulator answered with a queued fault, so far.
    fn faults_served(&self) -> u64;
    /// Time the client waited so far (backoff, pacing).
    fn waited(&self) -> Duration;
    /// The store.
    fn snapshot(&self) -> Snapshot;
    /// The store (or, after a push, what the platform holds) equals the platform.
    fn assert_matches_platform(&self, case: &Case);
}

async fn run_case<R: Rig>(case: &Case) {
    let rig = R::start(case).await;
    match case.expect {
        Expect::Retried { attempts, words } => retried(&rig, case, attempts, words).await,
        Expect::SkipsRecord { field } => skips_record(&rig, case, field).await,
        Expect::NothingLost => nothing_lost(&rig, case).await,
        Expect::RoundTrips => round_trips(&rig, case).await,
        Expect::Partial { words } => partial(&rig, case, words).await,
        Expect::StoredSafely => stored_safely(&rig, case).await,
        Expect::Replaced => replaced(&rig, case).await,
        Expect::FailsInWords { words } => fails_in_words(&rig, case, words).await,
    }
}

/// The phase a failure of `operation` is shown under.
fn phase(operation: Operation) -> Phase {
    match operation {
        Operation::Push => Phase::Pushing,
        Operation::Pull | Operation::FullWalk | Operation::Bulk => Phase::Pulling,
    }
}

async fn retried<R: Rig>(rig: &R, case: &Case, attempts: u64, words: &str) {
    let name = case.name;
    // Transient: two faults, then the real answer.
    rig.touch(case);
    let served = rig.faults_served();
    rig.inject(case, 2);
    rig.run(case)
        .await
        .unwrap_or_else(|e| panic!("{name}: a transient fault was not recovered from: {e:#}"));
    assert_eq!(
        rig.faults_served() - served,
        2,
        "{name}: both faults served"
    );
    rig.assert_matches_platform(case);

    // Persistent: the run gives up after the budget, in words.
    rig.touch(case);
    let before = rig.snapshot();
    let (served, waited) = (rig.faults_served(), rig.waited());
    rig.inject(case, FOREVER);
    let error = match rig.run(case).await {
        Ok(outcome) => panic!("{name}: a persistent fault did not fail the run: {outcome:?}"),
        Err(error) => error,
    };
    let message = format!("{error:#}");
    assert_eq!(
        rig.faults_served() - served,
        attempts,
        "{name}: requests of the failing call (bounded retries): {message}"
    );
    let waited = rig.waited().saturating_sub(waited);
    assert!(
        waited > Duration::ZERO,
        "{name}: no backoff between attempts"
    );
    if let Fault::TooManyRequests(Some(seconds)) = case.fault {
        let floor = Duration::from_secs(seconds) * u32::try_from(attempts - 1).unwrap();
        assert!(
            waited >= floor,
            "{name}: Retry-After not honoured: waited {waited:?}"
        );
    }
    assert!(
        message.contains(words),
        "{name}: {message:?} lacks {words:?}"
    );
    let board = StatusBoard::default();
    board.register(SHOP, cases::platform_name(case.platform));
    board.failed(SHOP, phase(case.operation), &error);
    let status = board.shop(SHOP).expect("registered");
    let shown = status.errors.back().expect("the error is on the board");
    assert_eq!(shown.phase, phase(case.operation).as_str(), "{name}");
    assert!(
        shown.message.contains(words),
        "{name}: the board shows {:?}",
        shown.message
    );
    let during = rig.snapshot();

    rig.clear_faults();
    rig.run(case)
        .await
        .unwrap_or_else(|e| panic!("{name}: the next run failed: {e:#}"));
    rig.assert_matches_platform(case);
    assert_intact(name, &before, &during, &rig.snapshot());
}

async fn skips_record<R: Rig>(rig: &R, case: &Case, field: &str) {
    let name = case.name;
    rig.touch(case);
    let before = rig.snapshot();
    rig.inject(case, FOREVER);
    let outcome = rig
        .run(case)
        .await
        .unwrap_or_else(|e| panic!("{name}: one bad record failed the whole run: {e:#}"));
    let during = rig.snapshot();
    rig.clear_faults();
    rig.run(case)
        .await
        .unwrap_or_else(|e| panic!("{name}: the next run failed: {e:#}"));
    rig.assert_matches_platform(case);
    let after = rig.snapshot();
    assert_intact(name, &before, &during, &after);

    assert!(!outcome.problems.is_empty(), "{name}: nothing was reported");
    for problem in &outcome.problems {
        assert!(
            problem.contains(field),
            "{name}: {problem:?} does not name {field:?}"
        );
    }
    let skipped = stale(&during, &after);
    assert!(!skipped.is_empty(), "{name}: no record was skipped");
    for id in &skipped {
        assert!(
            outcome.problems.iter().any(|p| p.contains(tail_number(id))),
            "{name}: record {id} was not brought up to date and no problem names it: {:?}",
            outcome.problems
        );
    }
    let board = StatusBoard::default();
    board.register(SHOP, cases::platform_name(case.platform));
    board.skipped(SHOP, &outcome.problems);
    let status = board.shop(SHOP).expect("registered");
    assert!(
        status
            .errors
            .iter()
            .all(|e| e.message.starts_with("skipped: ") && e.message.contains(field)),
        "{name}: {:?}",
        status.errors
    );
}

async fn nothing_lost<R: Rig>(rig: &R, case: &Case) {
    let name = case.name;
    rig.touch(case);
    let before = rig.snapshot();
    rig.inject(case, FOREVER);
    let outcome = rig.run(case).await;
    let during = rig.snapshot();
    if case.operation != Operation::Push {
        // A read must not stall on odd data: the rest goes on.
        outcome.unwrap_or_else(|e| panic!("{name}: the run failed: {e:#}"));
    } else if let Err(error) = outcome {
        // A write answered in the wrong shape may fail, in words.
        assert!(!format!("{error:#}").is_empty(), "{name}");
    }
    rig.clear_faults();
    rig.run(case)
        .await
        .unwrap_or_else(|e| panic!("{name}: the next run failed: {e:#}"));
    rig.assert_matches_platform(case);
    assert_intact(name, &before, &during, &rig.snapshot());
}

async fn round_trips<R: Rig>(rig: &R, case: &Case) {
    let name = case.name;
    rig.touch(case);
    let before = rig.snapshot();
    rig.inject(case, FOREVER);
    let outcome = rig
        .run(case)
        .await
        .unwrap_or_else(|e| panic!("{name}: the run failed: {e:#}"));
    assert!(
        outcome.problems.is_empty(),
        "{name}: {:?}",
        outcome.problems
    );
    rig.assert_matches_platform(case);
    let during = rig.snapshot();
    rig.clear_faults();
    rig.run(case)
        .await
        .unwrap_or_else(|e| panic!("{name}: the next run failed: {e:#}"));
    assert_intact(name, &before, &during, &rig.snapshot());
}

async fn partial<R: Rig>(rig: &R, case: &Case, words: &str) {
    let name = case.name;
    rig.touch(case);
    let before = rig.snapshot();
    rig.inject(case, 1);
    let outcome = rig
        .run(case)
        .await
        .unwrap_or_else(|e| panic!("{name}: the run failed: {e:#}"));
    assert!(
        outcome.problems.iter().any(|p| p.contains(words)),
        "{name}: {:?}",
        outcome.problems
    );
    let during = rig.snapshot();
    rig.clear_faults();
    rig.run(case)
        .await
        .unwrap_or_else(|e| panic!("{name}: the next run failed: {e:#}"));
    rig.assert_matches_platform(case);
    assert_intact(name, &before, &during, &rig.snapshot());
}

async fn stored_safely<R: Rig>(rig: &R, case: &Case) {
    let name = case.name;
    rig.touch(case);
    let before = rig.snapshot();
    rig.inject(case, FOREVER);
    rig.run(case)
        .await
        .unwrap_or_else(|e| panic!("{name}: the run failed: {e:#}"));
    let during = rig.snapshot();
    if case.target.contains("roducts") {
        let hidden = during
            .products
            .iter()
            .filter(|(id, p)| {
                p.status == ProductStatus::Draft
                    && before
                        .products
                        .get(*id)
                        .is_some_and(|old| old.status != ProductStatus::Draft)
            })
            .count();
        assert!(
            hidden > 0,
            "{name}: no product stored as never recommendable"
        );
    }
    // The merchant's next change is read as usual.
    rig.clear_faults();
    rig.touch(case);
    rig.run(case)
        .await
        .unwrap_or_else(|e| panic!("{name}: the next run failed: {e:#}"));
    rig.assert_matches_platform(case);
    let after = rig.snapshot();
    for id in before.products.keys() {
        assert!(
            during.products.contains_key(id) || !after.products.contains_key(id),
            "{name}: product {id} lost"
        );
    }
    for id in before.orders.keys() {
        assert!(
            during.orders.contains_key(id) || !after.orders.contains_key(id),
            "{name}: order {id} lost"
        );
    }
}

async fn replaced<R: Rig>(rig: &R, case: &Case) {
    let name = case.name;
    rig.touch(case);
    let before = rig.snapshot();
    rig.inject(case, FOREVER);
    rig.run(case)
        .await
        .unwrap_or_else(|e| panic!("{name}: one odd string failed the run: {e:#}"));
    let mut during = rig.snapshot();
    let replaced: Vec<String> = during
        .products
        .iter()
        .filter(|(_, p)| p.title == "\u{fffd} lone")
        .map(|(id, _)| id.clone())
        .collect();
    if case.target.contains("roducts") {
        assert!(!replaced.is_empty(), "{name}: no title stored with U+FFFD");
    }
    rig.clear_faults();
    rig.run(case)
        .await
        .unwrap_or_else(|e| panic!("{name}: the next run failed: {e:#}"));
    // The replaced titles are the answer as served; everything else must be intact.
    for id in &replaced {
        during.products.remove(id);
        if let Some(old) = before.products.get(id) {
            during.products.insert(id.clone(), old.clone());
        }
    }
    assert_intact(name, &before, &during, &rig.snapshot());
    // The answer changed without a new modification time: the merchant's next change
    // brings the real titles in.
    rig.touch(case);
    rig.run(case)
        .await
        .unwrap_or_else(|e| panic!("{name}: the run after a change failed: {e:#}"));
    rig.assert_matches_platform(case);
}

async fn fails_in_words<R: Rig>(rig: &R, case: &Case, words: &str) {
    let name = case.name;
    rig.touch(case);
    let before = rig.snapshot();
    rig.inject(case, 1);
    let error = match rig.run(case).await {
        Ok(outcome) => panic!("{name}: the run did not fail: {outcome:?}"),
        Err(error) => format!("{error:#}"),
    };
    assert!(error.contains(words), "{name}: {error:?} lacks {words:?}");
    let during = rig.snapshot();
    rig.clear_faults();
    rig.run(case)
        .await
        .unwrap_or_else(|e| panic!("{name}: the next run failed: {e:#}"));
    rig.assert_matches_platform(case);
    assert_intact(name, &before, &during, &rig.snapshot());
}

/// Runs every case of `platform` and `operation`, each caught on its own, and fails
/// listing the cases that failed.
async fn run_all<R: Rig>(platform: Platform, operations: &[Operation]) {
    let cases: Vec<Case> = cases::all()
        .into_iter()
        .filter(|c| c.platform == platform && operations.contains(&c.operation))
        .collect();
    assert!(!cases.is_empty());
    let mut failed = Vec::new();
    for case in &cases {
        eprintln!("case {}", case.name);
        let result = std::panic::AssertUnwindSafe(run_case::<R>(case))
            .catch_unwind()
            .await;
        if let Err(panic) = result {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            failed.push(format!("{}: {message}", case.name));
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} cases failed:\n{}",
        failed.len(),
        cases.len(),
        failed.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shopify_pull_faults() {
    run_all::<shopify::ShopifyRig>(Platform::Shopify, &[Operation::Pull]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shopify_push_faults() {
    run_all::<shopify::ShopifyRig>(Platform::Shopify, &[Operation::Push]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shopify_bulk_faults() {
    run_all::<shopify::ShopifyRig>(Platform::Shopify, &[Operation::Bulk]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn woocommerce_pull_faults() {
    run_all::<woocommerce::WooRig>(
        Platform::WooCommerce,
        &[Operation::Pull, Operation::FullWalk],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn woocommerce_push_faults() {
    run_all::<woocommerce::WooRig>(Platform::WooCommerce, &[Operation::Push]).await;
}

/// TESTING.md's table has exactly one row per case, as `cases::table_row` writes it, so
/// the table and the tests cannot drift apart. On a mismatch the message holds the
/// whole table to paste in.
#[test]
fn testing_md_lists_every_case() {
    let testing = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/TESTING.md"))
        .expect("TESTING.md");
    let rows: Vec<String> = cases::all().iter().map(cases::table_row).collect();
    let missing = rows
        .iter()
        .filter(|row| !testing.contains(row.as_str()))
        .count();
    let listed = testing
        .lines()
        .filter(|line| line.starts_with('|') && line.contains("`fault_matrix::"))
        .count();
    assert!(
        missing == 0 && listed == rows.len(),
        "TESTING.md: {missing} of {} rows missing or stale, {listed} listed; the table is:\n\
         | Platform | Operation | Fault | Expected behaviour | Test |\n|---|---|---|---|---|\n{}",
        rows.len(),
        rows.join("\n")
    );
}
