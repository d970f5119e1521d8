//! One shop's pipeline in the daemon: a scheduled pass (incremental pull → full
//! compute → push) on the shop's schedule, and webhook jobs in between (apply to the
//! store → count the orders incrementally → push what changed). One task per shop, so
//! the recommender has a single owner and a failing shop stalls nobody else: its error
//! goes to the status board and the pass is retried with backoff (`schedule`).
//!
//! A pass's pull runs in a task of its own, and webhook jobs are applied while it runs:
//! under the platform's rate limits a pull can take minutes (every order edited since
//! the last pass is read again), and the orders arriving meanwhile must still reach the
//! lists within seconds. A job that needs a full recompute waits for the pass's own.
//!
//! Crash safety rests on order: jobs are acknowledged only after their effect on the
//! store is flushed, re-applying a job changes nothing (`apply`), checkpoints move only
//! after the data they cover is durable (the pulls), and a push writes only what the
//! platform does not already hold (content hashes). Every start begins with a full pass,
//! which brings lists and platform back in line after any interruption.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::AbortOnDropHandle;

use super::compute::compute_shop;
use super::connect::ShopClient;
use super::job_batch::JobBatch;
use super::report::{PullReport, PushReport};
use super::schedule::next_wait;
use super::status::{Phase, StatusBoard};
use crate::config::{ShopConfig, WriteConfig};
use crate::model::InstallSalt;
use crate::recommend::{Params, Recommender};
use crate::store::ShopStore;

/// Jobs taken from the queue at once.
const BATCH: usize = 1_000;
/// The longest a drain goes on before it pushes: a steady stream of webhooks never
/// empties the queue, and the platform must still see the new lists.
const DRAIN_ROUND: Duration = Duration::from_secs(3);

/// What a pipeline needs, fixed for its lifetime.
pub struct PipelineSettings {
    /// The shop's config entry.
    pub shop: ShopConfig,
    /// How its lists are written.
    pub write: WriteConfig,
    /// How lists are computed.
    pub params: Params,
    /// Time between scheduled passes.
    pub schedule: Duration,
    /// How long a burst of webhooks may gather before it is applied.
    pub debounce: Duration,
}

/// One shop's pipeline.
pub struct Pipeline {
    settings: PipelineSettings,
    store: ShopStore,
    salt: InstallSalt,
    board: StatusBoard,
    wake: Arc<Notify>,
    client: Option<ShopClient>,
    recommender: Option<Recommender>,
    failures: u32,
    next_pass: Instant,
    /// Lists changed since the last push began.
    push_pending: bool,
    /// A pull is running: jobs applied meanwhile leave full recomputes to the pass.
    pulling: bool,
    /// A job asked for a pull (a product came without its variants) during a pass, so
    /// the next pass is due at once rather than on the schedule.
    pull_soon: bool,
    /// The push after webhook jobs, running beside the worker so a slow platform never
    /// holds up the queue.
    push_task: Option<JoinHandle<PushResult>>,
}

/// What a background push hands back: its client (for the usage figures) and report.
type PushResult = (ShopClient, anyhow::Result<PushReport>);

impl Pipeline {
    /// A pipeline that has not started yet. `wake` is notified by the server whenever
    /// it queues a job for this shop.
    pub fn new(
        settings: PipelineSettings,
        store: ShopStore,
        salt: InstallSalt,
        board: StatusBoard,
        wake: Arc<Notify>,
    ) -> Self {
        board.register(&settings.shop.name, settings.shop.platform.name());
        Self {
            settings,
            store,
            salt,
            board,
            wake,
            client: None,
            recommender: None,
            failures: 0,
            next_pass: Instant::now(),
            push_pending: false,
            pulling: false,
            pull_soon: false,
            push_task: None,
        }
    }

    fn name(&self) -> &str {
        &self.settings.shop.name
    }

    /// Runs until `shutdown`: passes when due, webhook jobs when woken. A job batch in
    /// progress is finished; a pull, compute or push in progress is abandoned, which is
    /// safe (see the module doc).
    pub async fn run(mut self, shutdown: CancellationToken) {
        tracing::info!(shop = self.name(), "pipeline started");
        loop {
            if shutdown.is_cancelled() {
                break;
            }
            if self.stopped() {
                self.phase(Phase::Stopped);
            } else if Instant::now() >= self.next_pass {
                tokio::select! {
                    () = self.pass(&shutdown) => {}
                    () = shutdown.cancelled() => break,
                }
            }
            if self.has_jobs() {
                tokio::select! {
                    () = tokio::time::sleep(self.settings.debounce) => {}
                    () = shutdown.cancelled() => {}
                }
                self.drain_jobs(&shutdown).await;
                continue;
            }
            if !self.stopped() {
                self.phase(if self.push_task.is_some() {
                    Phase::Pushing
                } else if self.failures > 0 {
                    Phase::Backoff
                } else {
                    Phase::Idle
                });
            }
            let mut push = self.push_task.take();
            let woke = tokio::select! {
                () = shutdown.cancelled() => None,
                () = self.wake.notified() => Some(None),
                () = tokio::time::sleep_until(self.next_pass), if !self.stopped() => Some(None),
                ended = push_ended(&mut push), if push.is_some() => {
                    Some(Some(ended))
                }
            };
            match woke {
                None => {
                    self.push_task = push;
                    break;
                }
                Some(Some(ended)) => {
                    // After a failure the next drain or pass tries again, not a hot loop.
                    if self.push_ended(ended) {
                        self.push_if_pending();
                    }
                }
                Some(None) => self.push_task = push,
            }
        }
        if let Some(task) = self.push_task.take() {
            task.abort();
        }
        tracing::info!(shop = self.name(), "pipeline stopped");
    }

    /// Pull → compute → push. On failure the error is shown and the pass is retried
    /// with backoff.
    async fn pass(&mut self, shutdown: &CancellationToken) {
        self.pull_soon = false;
        let result = self.try_pass(shutdown).await;
        let failed = result.is_err();
        if let Err((phase, error)) = result {
            tracing::error!(shop = self.name(), phase = phase.as_str(), error = %error, "pass failed");
            self.board.failed(self.name(), phase, &error);
        }
        self.failures = if failed {
            self.failures.saturating_add(1)
        } else {
            0
        };
        let mut wait = next_wait(self.settings.schedule, self.failures, rand::random());
        if std::mem::take(&mut self.pull_soon) && !failed {
            wait = Duration::ZERO;
        }
        self.next_pass = Instant::now() + wait;
        let (failures, due) = (self.failures, Utc::now() + wait);
        self.board.update(self.name(), |s| {
            s.failures = failures;
            s.next_pass = Some(due);
        });
    }

    async fn try_pass(
        &mut self,
        shutdown: &CancellationToken,
    ) -> Result<(), (Phase, anyhow::Error)> {
        let client = self.client().map_err(|e| (Phase::Pulling, e))?;
        let report = self
            .pull_applying_jobs(&client, shutdown)
            .await
            .map_err(|e| (Phase::Pulling, e))?;
        self.board.skipped(self.name(), &report.problems);
        self.note_usage(&client);
        self.board
            .update(self.name(), |s| s.last_pull = Some(Utc::now()));
        self.compute().await.map_err(|e| (Phase::Computing, e))?;
        self.finish_push().await;
        self.push(&client).await.map_err(|e| (Phase::Pushing, e))
    }

    /// Pulls in a task of its own and applies webhook jobs as they come until it ends
    /// (see the module doc). The pull is aborted if this is dropped (shutdown).
    async fn pull_applying_jobs(
        &mut self,
        client: &ShopClient,
        shutdown: &CancellationToken,
    ) -> anyhow::Result<PullReport> {
        let (client, store, salt) = (client.clone(), self.store.clone(), self.salt.clone());
        let mut pull = AbortOnDropHandle::new(tokio::spawn(async move {
            client.pull(&store, &salt, false).await
        }));
        self.pulling = true;
        let ended = loop {
            self.phase(Phase::Pulling);
            tokio::select! {
                ended = &mut pull => break ended,
                () = self.wake.notified() => {}
            }
            if self.has_jobs() && !shutdown.is_cancelled() {
                self.drain_jobs(shutdown).await;
            }
        };
        self.pulling = false;
        ended.map_err(|error| anyhow::anyhow!("pull task ended: {error}"))?
    }

    /// The client, connecting on first use (a secret that cannot be read is an error
    /// of this pass, retried like any other).
    fn client(&mut self) -> anyhow::Result<ShopClient> {
        if self.client.is_none() {
            self.client = Some(ShopClient::connect(&self.settings.shop)?);
        }
        Ok(self.client.clone().expect("connected above"))
    }

    /// Recomputes every list from the store, off the async threads.
    async fn compute(&mut self) -> anyhow::Result<()> {
        self.phase(Phase::Computing);
        let (store, params) = (self.store.clone(), self.settings.params.clone());
        let (recommender, report) =
            tokio::task::spawn_blocking(move || compute_shop(&store, &params, Utc::now()))
                .await??;
        tracing::info!(
            shop = self.name(),
            products = report.products,
            orders = report.orders,
            links = report.links,
            seconds = report.compute_seconds,
            "computed"
        );
        self.recommender = Some(recommender);
        self.push_pending = true;
        self.board.update(self.name(), |s| {
            s.last_compute = Some(Utc::now());
            s.products = report.products;
            s.orders = report.orders;
        });
        Ok(())
    }

    async fn push(&mut self, client: &ShopClient) -> anyhow::Result<()> {
        if self.stopped() {
            return Ok(());
        }
        self.phase(Phase::Pushing);
        self.push_pending = false;
        let report = client.push(&self.store, &self.settings.write).await;
        self.record_push(client, report)
    }

    /// Starts a background push if lists changed and none is running; one already
    /// running leaves `push_pending` set, and the next starts when it ends.
    fn push_if_pending(&mut self) {
        if !self.push_pending || self.push_task.is_some() || self.stopped() {
            return;
        }
        if self.recommender.is_none() || self.failures > 0 {
            return;
        }
        let Ok(client) = self.client() else { return };
        self.push_pending = false;
        let (store, write) = (self.store.clone(), self.settings.write.clone());
        self.push_task = Some(tokio::spawn(async move {
            let report = client.push(&store, &write).await;
            (client, report)
        }));
    }

    /// Waits for the background push, if any, and records how it went.
    async fn finish_push(&mut self) {
        if let Some(task) = self.push_task.take() {
            let ended = task.await;
            let _pushed = self.push_ended(ended);
        }
    }

    /// Records how a background push went (`false`: it failed, and its lists wait for
    /// the next push).
    fn push_ended(&mut self, ended: Result<PushResult, tokio::task::JoinError>) -> bool {
        let result = match ended {
            Ok((client, report)) => self.record_push(&client, report),
            Err(error) => Err(anyhow::anyhow!("push task ended: {error}")),
        };
        if let Err(error) = result {
            tracing::error!(shop = self.name(), error = %error, "push after webhooks failed");
            self.board.failed(self.name(), Phase::Pushing, &error);
            self.push_pending = true;
            return false;
        }
        true
    }

    /// Shows a push's figures and problems.
    fn record_push(
        &mut self,
        client: &ShopClient,
        report: anyhow::Result<PushReport>,
    ) -> anyhow::Result<()> {
        self.note_usage(client);
        let report = report?;
        for problem in &report.problems {
            self.board
                .error(self.name(), Phase::Pushing, problem.clone());
        }
        tracing::info!(
            shop = self.name(),
            written = report.set,
            deleted = report.deleted,
            requests = report.requests,
            "pushed"
        );
        self.board.update(self.name(), |s| {
            s.last_push = Some(Utc::now());
            s.fields_written += (report.set + report.deleted) as u64;
            s.push_requests += report.requests as u64;
        });
        Ok(())
    }

    fn has_jobs(&self) -> bool {
        self.store
            .pending_jobs(1)
            .is_ok_and(|jobs| !jobs.is_empty())
    }

    /// Applies queued jobs batch by batch until the queue is empty (or, under a
    /// steady stream, for [`DRAIN_ROUND`]), then pushes what changed. Every batch is
    /// finished even during shutdown: its jobs are acknowledged only once their effect
    /// is durable.
    async fn drain_jobs(&mut self, shutdown: &CancellationToken) {
        self.phase(Phase::Applying);
        let mut changed = false;
        let round_ends = Instant::now() + DRAIN_ROUND;
        while Instant::now() < round_ends {
            match self.apply_batch().await {
                Ok(Some(batch_changed)) => changed |= batch_changed,
                Ok(None) => break,
                Err(error) => {
                    tracing::error!(shop = self.name(), error = %error, "applying webhook jobs failed");
                    self.board.failed(self.name(), Phase::Applying, &error);
                    break;
                }
            }
            if shutdown.is_cancelled() {
                return;
            }
        }
        self.push_pending |= changed;
        if self.push_task.as_ref().is_some_and(JoinHandle::is_finished) {
            self.finish_push().await;
        }
        self.push_if_pending();
    }

    /// One batch, applied on a blocking thread (`job_batch`): `None` when the queue
    /// was empty, else whether lists changed.
    async fn apply_batch(&mut self) -> anyhow::Result<Option<bool>> {
        let batch = JobBatch {
            shop: self.name().to_owned(),
            platform: self.settings.shop.platform.clone(),
            store: self.store.clone(),
            salt: self.salt.clone(),
            board: self.board.clone(),
        };
        let recommender = self.recommender.take();
        let outcome = tokio::task::spawn_blocking(move || {
            batch.run_on_worker(BATCH, recommender, Utc::now())
        })
        .await??;
        self.recommender = outcome.recommender;
        if outcome.jobs == 0 {
            return Ok(None);
        }
        let applied = &outcome.applied;
        if let Some(halt) = &applied.halt {
            self.board
                .update(self.name(), |s| s.halted = Some(halt.describe()));
            tracing::warn!(shop = self.name(), reason = halt.describe(), "shop stopped");
        }
        if outcome.needs_compute && self.pulling {
            // The pass computes once its pull ends. Until then nothing is counted on a
            // catalog that is out of date: later batches only store their events.
            self.recommender = None;
        } else if outcome.needs_compute {
            self.compute().await?;
        } else if outcome.lists_changed {
            self.note_counts();
        }
        if applied.pull_soon {
            self.pull_soon = true;
            self.next_pass = Instant::now();
        }
        let (done, ignored) = (applied.applied, applied.ignored);
        tracing::info!(
            shop = self.name(),
            jobs = outcome.jobs,
            applied = done,
            ignored,
            "webhook jobs applied"
        );
        self.board.update(self.name(), |s| {
            s.jobs_applied += done;
            s.jobs_ignored += ignored;
        });
        Ok(Some(outcome.lists_changed))
    }

    /// After orders were counted incrementally: the lists await a push, and the board
    /// shows the new counts.
    fn note_counts(&mut self) {
        self.push_pending = true;
        let Some(recommender) = &self.recommender else {
            return;
        };
        let (products, orders) = (recommender.catalog().len(), recommender.order_count());
        self.board.update(self.name(), |s| {
            s.products = products;
            s.orders = orders;
        });
    }

    fn stopped(&self) -> bool {
        self.store.halt().ok().flatten().is_some()
    }

    fn phase(&self, phase: Phase) {
        let changed = self
            .board
            .shop(self.name())
            .is_none_or(|s| s.phase != phase);
        if changed {
            tracing::info!(shop = self.name(), phase = phase.as_str(), "phase");
            self.board.update(self.name(), |s| s.phase = phase);
        }
    }

    fn note_usage(&self, client: &ShopClient) {
        let usage = client.usage();
        self.board.update(self.name(), |s| s.usage = usage);
    }
}

/// The background push's end; never, without one.
async fn push_ended(
    task: &mut Option<JoinHandle<PushResult>>,
) -> Result<PushResult, tokio::task::JoinError> {
    match task {
        Some(task) => task.await,
        None => std::future::pending().await,
    }
}
