//! The status board: what every shop's pipeline is doing and has done, shared by the
//! pipelines (which write it) and the server (which shows it on `/metrics`, `/readyz`
//! and the admin pages). In memory only: after a restart the store's checkpoints say
//! what is synced; the board says what happened since.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use super::connect::ApiUsage;
use crate::store::StoreError;

/// Errors kept per shop for display; older ones are only counted.
const ERRORS_KEPT: usize = 10;

/// What a shop's pipeline is doing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Phase {
    /// Not started yet.
    #[default]
    Starting,
    /// Pulling products and orders.
    Pulling,
    /// Computing every list.
    Computing,
    /// Writing lists to the platform.
    Pushing,
    /// Applying webhook jobs.
    Applying,
    /// Waiting for the next scheduled pass or webhook.
    Idle,
    /// Waiting to retry after a failure.
    Backoff,
    /// Stopped (app uninstalled, shop redacted).
    Stopped,
}

impl Phase {
    /// The name shown in logs, metrics and pages.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Starting => "starting",
            Self::Pulling => "pull",
            Self::Computing => "compute",
            Self::Pushing => "push",
            Self::Applying => "webhooks",
            Self::Idle => "idle",
            Self::Backoff => "backoff",
            Self::Stopped => "stopped",
        }
    }
}

/// One error, with when it happened and in which phase.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ShopError {
    /// When it was recorded.
    pub at: DateTime<Utc>,
    /// The phase that failed.
    pub phase: &'static str,
    /// The error in words (never a secret: clients redact them).
    pub message: String,
}

/// One shop's status.
#[derive(Clone, Debug, Default)]
pub struct ShopStatus {
    /// `shopify` or `woocommerce`.
    pub platform: &'static str,
    /// What it is doing now.
    pub phase: Phase,
    /// Why it is stopped, when it is.
    pub halted: Option<String>,
    /// Last successful pull, compute and push.
    pub last_pull: Option<DateTime<Utc>>,
    /// See [`Self::last_pull`].
    pub last_compute: Option<DateTime<Utc>>,
    /// See [`Self::last_pull`].
    pub last_push: Option<DateTime<Utc>>,
    /// Failures in a row (0 after a success).
    pub failures: u32,
    /// When the next scheduled pass (or retry) is due.
    pub next_pass: Option<DateTime<Utc>>,
    /// The latest errors, newest last.
    pub errors: VecDeque<ShopError>,
    /// Every error recorded.
    pub errors_total: u64,
    /// Products and orders in the store after the last pass or job batch.
    pub products: usize,
    /// See [`Self::products`].
    pub orders: usize,
    /// Webhook jobs applied, and dropped as echoes of our own writes or no-ops.
    pub jobs_applied: u64,
    /// See [`Self::jobs_applied`].
    pub jobs_ignored: u64,
    /// Platform fields (metafields, product fields) written and deleted by pushes.
    pub fields_written: u64,
    /// Push requests sent.
    pub push_requests: u64,
    /// API use of the shop's client.
    pub usage: ApiUsage,
    /// Webhook deliveries by outcome (`accepted`, `duplicate`, `unauthorized`, ...).
    pub webhooks: BTreeMap<&'static str, u64>,
}

impl ShopStatus {
    /// Seconds since the last successful pull, or `None` before the first.
    #[must_use]
    pub fn sync_lag(&self, now: DateTime<Utc>) -> Option<f64> {
        self.last_pull
            .map(|at| (now - at).num_milliseconds() as f64 / 1000.0)
    }
}

/// Every shop's status, by name. Cheap to clone; clones share the board.
#[derive(Clone, Debug, Default)]
pub struct StatusBoard {
    shops: Arc<Mutex<BTreeMap<String, ShopStatus>>>,
    /// Cancelled once a store write failed in a way only reopening the store clears
    /// ([`StoreError::needs_reopen`]); the daemon then starts again.
    store_failed: CancellationToken,
}

impl StatusBoard {
    /// Adds a shop (replacing any earlier entry).
    pub fn register(&self, shop: &str, platform: &'static str) {
        self.lock().insert(
            shop.to_owned(),
            ShopStatus {
                platform,
                ..ShopStatus::default()
            },
        );
    }

    /// Changes one shop's status; unknown shops are ignored.
    pub fn update(&self, shop: &str, change: impl FnOnce(&mut ShopStatus)) {
        if let Some(status) = self.lock().get_mut(shop) {
            change(status);
        }
    }

    /// Records an error of `shop` in `phase`, and logs it: the board keeps only the
    /// last few, the journal keeps them all.
    pub fn error(&self, shop: &str, phase: Phase, message: String) {
        tracing::warn!(shop, phase = phase.as_str(), error = %message, "shop error");
        self.record(shop, phase, message);
    }

    /// Keeps an error on the board (the last [`ERRORS_KEPT`]) and counts it.
    fn record(&self, shop: &str, phase: Phase, message: String) {
        self.update(shop, |status| {
            status.errors_total += 1;
            if status.errors.len() == ERRORS_KEPT {
                status.errors.pop_front();
            }
            status.errors.push_back(ShopError {
                at: Utc::now(),
                phase: phase.as_str(),
                message,
            });
        });
    }

    /// Records that `shop`'s `phase` failed: the error and its causes, in words (what
    /// the pipeline shows; the fault-matrix tests read it back through this one door).
    /// Not logged here: the caller logs the failure as an error.
    ///
    /// A store error among the causes that needs the store reopened is also reported as
    /// [`Self::store_write_failed`].
    pub fn failed(&self, shop: &str, phase: Phase, error: &anyhow::Error) {
        self.record(shop, phase, format!("{error:#}"));
        let store_failed = error.chain().any(|cause| {
            cause
                .downcast_ref::<StoreError>()
                .is_some_and(StoreError::needs_reopen)
        });
        if store_failed {
            self.store_write_failed();
        }
    }

    /// Reports that the store refuses writes until it is reopened (see
    /// [`StoreError::needs_reopen`]).
    pub fn store_write_failed(&self) {
        self.store_failed.cancel();
    }

    /// Resolves once a store write failed so that the store must be reopened.
    pub async fn store_failure(&self) {
        self.store_failed.cancelled().await;
    }

    /// Records the records a pull skipped, each naming the record and its field.
    pub fn skipped(&self, shop: &str, problems: &[String]) {
        for problem in problems {
            self.error(shop, Phase::Pulling, format!("skipped: {problem}"));
        }
    }

    /// Counts a webhook delivery's outcome.
    pub fn webhook(&self, shop: &str, outcome: &'static str) {
        self.update(shop, |status| {
            *status.webhooks.entry(outcome).or_default() += 1;
        });
    }

    /// A copy of every shop's status.
    #[must_use]
    pub fn snapshot(&self) -> BTreeMap<String, ShopStatus> {
        self.lock().clone()
    }

    /// One shop's status.
    #[must_use]
    pub fn shop(&self, shop: &str) -> Option<ShopStatus> {
        self.lock().get(shop).cloned()
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, ShopStatus>> {
        // A panic while holding the lock leaves plain data behind: keep using it.
        self.shops
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn out_of_space() -> StoreError {
        StoreError::from(sled::Error::Io(std::io::Error::from(
            std::io::ErrorKind::StorageFull,
        )))
    }

    async fn reported(board: &StatusBoard) -> bool {
        tokio::time::timeout(Duration::from_millis(50), board.store_failure())
            .await
            .is_ok()
    }

    #[tokio::test]
    async fn a_store_write_failure_beneath_a_pass_error_is_reported_for_a_reopen() {
        let board = StatusBoard::default();
        board.register("s", "shopify");
        let error = anyhow::Error::new(out_of_space()).context("pulling orders");
        board.failed("s", Phase::Pulling, &error);
        assert!(reported(&board).await);
        assert_eq!(board.shop("s").unwrap().errors_total, 1);
    }

    #[tokio::test]
    async fn other_failures_are_shown_but_need_no_reopen() {
        let board = StatusBoard::default();
        board.register("s", "shopify");
        let corrupt = StoreError::Corrupt {
            tree: "t".into(),
            key: "k".into(),
            reason: "bad".into(),
        };
        board.failed("s", Phase::Pulling, &anyhow::Error::new(corrupt));
        board.failed(
            "s",
            Phase::Pushing,
            &anyhow::anyhow!("Shopify answered 503"),
        );
        assert!(!reported(&board).await);
        assert_eq!(board.shop("s").unwrap().errors_total, 2);
    }
}
