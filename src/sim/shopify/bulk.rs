//! Bulk operations: the registry, their life cycle as clients see it, and the answer
//! objects (reference §4 and captured answers).
//!
//! A run answers `CREATED`; each `bulkOperation(id:)` poll counts, and the operation
//! reports `RUNNING` until it has been polled `bulk_polls_to_complete` times *and* its
//! worker thread has finished, then `COMPLETED` (or `FAILED`, `CANCELED`) from then
//! on. The worker streams the JSONL file to disk; `url` points at the simulator's
//! `/bulk-results/{n}.jsonl` route, or is `null` when nothing matched.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use tokio::sync::watch;

use super::ids::{gid, timestamp, BULK_BASE};
use super::objects::Owned;
use super::shared::Shared;

/// Why a bulk operation failed (`BulkOperationErrorCode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BulkErrorCode {
    /// Ran out of time; partial data is available.
    Timeout,
    /// Broke inside Shopify; partial data is available.
    InternalServerError,
    /// The query needs a scope the app lacks.
    AccessDenied,
}

impl BulkErrorCode {
    fn name(self) -> &'static str {
        match self {
            Self::Timeout => "TIMEOUT",
            Self::InternalServerError => "INTERNAL_SERVER_ERROR",
            Self::AccessDenied => "ACCESS_DENIED",
        }
    }
}

/// Makes the next bulk operation fail after writing `after_roots` root objects (with
/// their children), which stay readable at `partialDataUrl`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BulkFailure {
    /// The error code the operation reports.
    pub code: BulkErrorCode,
    /// Root objects written before the failure.
    pub after_roots: u64,
}

/// Query or mutation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Query,
    Mutation,
}

/// `BulkOperationStatus` as last shown to the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Created,
    Running,
    Completed,
    Failed,
    Canceling,
    Canceled,
}

impl Status {
    fn name(self) -> &'static str {
        match self {
            Self::Created => "CREATED",
            Self::Running => "RUNNING",
            Self::Completed => "COMPLETED",
            Self::Failed => "FAILED",
            Self::Canceling => "CANCELING",
            Self::Canceled => "CANCELED",
        }
    }

    fn terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Canceled)
    }
}

/// How a worker ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Completed,
    Failed(BulkErrorCode),
    Canceled,
}

/// Counters a worker updates while it writes.
#[derive(Debug, Default)]
pub(crate) struct Progress {
    pub objects: AtomicU64,
    pub roots: AtomicU64,
    pub bytes: AtomicU64,
    pub cancel: AtomicBool,
}

/// What a worker needs to report back.
pub(crate) struct Ticket {
    pub num: u64,
    pub progress: Arc<Progress>,
    pub done: watch::Sender<bool>,
    pub file: PathBuf,
}

impl Ticket {
    /// Ends a worker's run: records the file size and the outcome (an I/O error while
    /// writing is Shopify's `INTERNAL_SERVER_ERROR`) and wakes any poll waiting for it.
    pub fn finish(&self, shared: &Shared, written: std::io::Result<Outcome>) {
        let outcome = written.unwrap_or(Outcome::Failed(BulkErrorCode::InternalServerError));
        if let Ok(meta) = std::fs::metadata(&self.file) {
            self.progress.bytes.store(meta.len(), Ordering::SeqCst);
        }
        super::shared::lock(&shared.bulk).finish(self.num, outcome);
        let _ = self.done.send(true);
    }
}

/// The shortest time an operation runs on the simulated Shopify.
const MIN_RUN: chrono::Duration = chrono::Duration::seconds(1);

#[derive(Debug)]
struct BulkOp {
    kind: Kind,
    query: String,
    created_at: DateTime<Utc>,
    completed_at: Option<DateTime<Utc>>,
    shown: Status,
    polls: u32,
    progress: Arc<Progress>,
    outcome: Option<Outcome>,
    done: watch::Receiver<bool>,
    file: PathBuf,
}

/// Every bulk operation of the shop.
#[derive(Debug, Default)]
pub(crate) struct BulkRegistry {
    ops: BTreeMap<u64, BulkOp>,
    next: u64,
}

impl BulkRegistry {
    /// GIDs of operations of `kind` still in progress at `now`. Shopify runs an
    /// operation to its end whether or not anyone polls it (a client that crashed never
    /// will): one whose work is done and that is at least [`MIN_RUN`] old is over, even
    /// if its status was never read.
    pub fn in_progress(&self, kind: Kind, now: DateTime<Utc>) -> Vec<String> {
        let over = |op: &BulkOp| op.outcome.is_some() && now - op.created_at >= MIN_RUN;
        self.ops
            .iter()
            .filter(|(_, op)| op.kind == kind && !op.shown.terminal() && !over(op))
            .map(|(n, _)| gid("BulkOperation", *n))
            .collect()
    }

    /// Registers a new operation, answered as `CREATED` until polled.
    pub fn create(&mut self, shared: &Shared, kind: Kind, query: &str) -> Ticket {
        self.next += 1;
        let num = BULK_BASE + self.next;
        let (done, receiver) = watch::channel(false);
        let progress = Arc::new(Progress::default());
        let file = shared.dir.path().join(format!("bulk-{num}.jsonl"));
        self.ops.insert(
            num,
            BulkOp {
                kind,
                query: query.to_owned(),
                created_at: shared.now(),
                completed_at: None,
                shown: Status::Created,
                polls: 0,
                progress: progress.clone(),
                outcome: None,
                done: receiver,
                file: file.clone(),
            },
        );
        Ticket {
            num,
            progress,
            done,
            file,
        }
    }

    /// Records how a worker ended.
    pub fn finish(&mut self, num: u64, outcome: Outcome) {
        if let Some(op) = self.ops.get_mut(&num) {
            op.outcome = Some(outcome);
        }
    }

    /// One status poll: counts it, advances the status, answers the operation.
    pub fn poll(&mut self, num: u64, shared: &Shared) -> Option<Owned> {
        let needed = shared.settings.bulk_polls_to_complete;
        let now = shared.now();
        let op = self.ops.get_mut(&num)?;
        op.polls += 1;
        if !op.shown.terminal() {
            match (op.shown, op.outcome) {
                (Status::Canceling, Some(_)) => {
                    op.shown = Status::Canceled;
                    op.completed_at = Some(now);
                }
                (Status::Canceling, None) => {}
                (_, Some(outcome)) if op.polls >= needed => {
                    op.shown = match outcome {
                        Outcome::Completed => Status::Completed,
                        Outcome::Failed(_) => Status::Failed,
                        Outcome::Canceled => Status::Canceled,
                    };
                    op.completed_at = Some(now);
                }
                _ => op.shown = Status::Running,
            }
        }
        self.answer(num, shared)
    }

    /// The operation as answered now, without counting a poll.
    pub fn answer(&self, num: u64, shared: &Shared) -> Option<Owned> {
        let op = self.ops.get(&num)?;
        let objects = op.progress.objects.load(Ordering::SeqCst);
        let roots = op.progress.roots.load(Ordering::SeqCst);
        let (objects, roots) = if op.shown == Status::Created {
            (0, 0)
        } else {
            (objects, roots)
        };
        let result_url = format!("{}/bulk-results/{num}.jsonl", shared.base_url());
        let (error_code, url, partial, size) = match (op.shown, op.outcome) {
            (Status::Completed, _) => {
                let url = (objects > 0).then(|| result_url.clone());
                let size = op.progress.bytes.load(Ordering::SeqCst).to_string();
                (None, url, None, Some(size))
            }
            (Status::Failed, Some(Outcome::Failed(code))) => (
                Some(code.name()),
                None,
                (objects > 0).then(|| result_url.clone()),
                None,
            ),
            _ => (None, None, None, None),
        };
        let opt = |v: Option<String>| v.map_or(Value::Null, Value::String);
        Some(
            Owned::new("BulkOperation")
                .with("id", json!(gid("BulkOperation", num)))
                .with("status", json!(op.shown.name()))
                .with("errorCode", error_code.map_or(Value::Null, |c| json!(c)))
                .with("createdAt", json!(timestamp(op.created_at)))
                .with("completedAt", opt(op.completed_at.map(timestamp)))
                .with("objectCount", json!(objects.to_string()))
                .with("rootObjectCount", json!(roots.to_string()))
                .with("fileSize", opt(size))
                .with("url", opt(url))
                .with("partialDataUrl", opt(partial))
                .with("query", json!(op.query))
                .with(
                    "type",
                    json!(match op.kind {
                        Kind::Query => "QUERY",
                        Kind::Mutation => "MUTATION",
                    }),
                ),
        )
    }

    /// `bulkOperationCancel`: a running operation starts `CANCELING`.
    pub fn cancel(&mut self, num: u64, shared: &Shared) -> Result<Owned, String> {
        let op = self
            .ops
            .get_mut(&num)
            .ok_or_else(|| "Bulk operation does not exist".to_owned())?;
        if op.shown.terminal() {
            return Err(format!(
                "A bulk operation cannot be canceled when it is {}",
                op.shown.name().to_lowercase()
            ));
        }
        op.progress.cancel.store(true, Ordering::SeqCst);
        op.shown = Status::Canceling;
        self.answer(num, shared)
            .ok_or_else(|| "Bulk operation does not exist".to_owned())
    }

    /// Workers the next poll may need to wait for: those whose operation would report
    /// its end on that poll. Waiting for them keeps completion deterministic.
    pub fn awaited(&self, polls_to_complete: u32) -> Vec<watch::Receiver<bool>> {
        self.ops
            .values()
            .filter(|op| op.outcome.is_none())
            .filter(|op| op.shown == Status::Canceling || op.polls + 1 >= polls_to_complete)
            .map(|op| op.done.clone())
            .collect()
    }

    /// The file behind a result URL the client has been given.
    pub fn result_file(&self, num: u64) -> Option<PathBuf> {
        let op = self.ops.get(&num)?;
        matches!(op.shown, Status::Completed | Status::Failed).then(|| op.file.clone())
    }
}
