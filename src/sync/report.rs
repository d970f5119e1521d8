//! What a pull or a push did, in the same shape for every platform, so the CLI, the
//! sync status and tests read one kind of report.

use chrono::{DateTime, Utc};

/// Problems listed in a report; more are only counted.
const PROBLEMS_LISTED: usize = 50;

/// How one kind of record was pulled.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PassReport {
    /// `bulk`, `paged` (everything) or `incremental`.
    pub mode: &'static str,
    /// Records written to the store.
    pub stored: u64,
    /// Pages read (paged modes).
    pub pages: u64,
    /// Whether a bulk run ended with partial data (checkpoint left where it was).
    pub partial: bool,
}

/// A comparison of the store with the platform's own count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CountCheck {
    /// `products` or `orders`.
    pub what: &'static str,
    /// The platform's count.
    pub platform: u64,
    /// The store's count (same filter), after any repair.
    pub store: u64,
    /// Records the store withholds on purpose: orders of forgotten customers, which the
    /// platform still counts.
    pub forgotten: u64,
    /// What was done about a mismatch.
    pub repair: Option<String>,
}

impl CountCheck {
    /// Whether the store accounts for every record the platform counts.
    #[must_use]
    pub fn matches(&self) -> bool {
        self.store + self.forgotten == self.platform
    }
}

/// What a pull did.
#[derive(Clone, Debug, Default)]
pub struct PullReport {
    /// Products.
    pub products: PassReport,
    /// Orders.
    pub orders: PassReport,
    /// Products removed because the platform no longer has them (or trashed them).
    pub deleted_products: u64,
    /// Orders removed because the platform no longer has them.
    pub deleted_orders: u64,
    /// Set when the credentials cannot see older orders (Shopify without
    /// `read_all_orders`): orders before this are not visible.
    pub orders_visible_since: Option<DateTime<Utc>>,
    /// Store vs platform counts after the pull.
    pub counts: Vec<CountCheck>,
    /// Records that could not be read, each naming the record and field (capped).
    pub problems: Vec<String>,
    /// All such records.
    pub problem_count: u64,
}

impl PullReport {
    /// Whether every count matched.
    #[must_use]
    pub fn reconciled(&self) -> bool {
        self.counts.iter().all(CountCheck::matches)
    }

    /// Records one unreadable record.
    pub fn problem(&mut self, text: String) {
        self.problem_count += 1;
        if self.problems.len() < PROBLEMS_LISTED {
            self.problems.push(text);
        }
    }

    /// Adds problems counted elsewhere (`listed` may be shorter than `count`).
    pub fn absorb(&mut self, listed: &[String], count: u64) {
        self.problem_count += count;
        let room = PROBLEMS_LISTED.saturating_sub(self.problems.len());
        self.problems.extend(listed.iter().take(room).cloned());
    }
}

/// One field that would change (all of them in a dry run's report).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffEntry {
    /// The product, as the platform names it (Shopify GID, WooCommerce id).
    pub product: String,
    /// What changes: `namespace.key` of a Shopify metafield, a WooCommerce field
    /// (`upsell_ids`) or meta key.
    pub field: String,
    /// The platform's value before.
    pub before: Option<String>,
    /// Value after.
    pub after: Option<String>,
}

/// What a push did (or, dry, would do).
#[derive(Clone, Debug, Default)]
pub struct PushReport {
    /// Nothing was written.
    pub dry_run: bool,
    /// Products whose wanted content changed since the last push.
    pub products_changed: usize,
    /// Fields skipped because their content hash is unchanged.
    pub unchanged: usize,
    /// Fields written.
    pub set: usize,
    /// Fields deleted.
    pub deleted: usize,
    /// Fields that already held what we want.
    pub already_there: usize,
    /// Writes refused because the field changed on the platform since we read it.
    pub conflicts: usize,
    /// Write requests sent (batches, mutations).
    pub requests: usize,
    /// The bulk mutation used, if any.
    pub bulk_operation: Option<String>,
    /// Every change decided.
    pub diff: Vec<DiffEntry>,
    /// Refusals and unreadable entries, each naming product and field (capped).
    pub problems: Vec<String>,
    /// All such problems.
    pub problem_count: usize,
}

impl PushReport {
    /// Records one refusal or unreadable entry.
    pub fn problem(&mut self, text: String) {
        self.problem_count += 1;
        if self.problems.len() < PROBLEMS_LISTED {
            self.problems.push(text);
        }
    }
}
