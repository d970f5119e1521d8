//! One shop's pipeline in the daemon: a scheduled pass (incremental pull → full
//! compute → push) on the shop's schedule, and webhook jobs in between (apply to the
//! store → count the orders incrementally → push what changed). One task per shop, so
//! the recommender has a single owner and a failing shop stalls nobody else: its error
//! goes to the status board and the pass is retried with backoff (`schedule`).
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
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::apply::{apply, Applied};
use super::compute::compute_shop;
use super::connect::ShopClient;
use super::jobs::QueuedJob;
use super::schedule::next_wait;
use super::status::{Phase, StatusBoard};
use crate::config::{PlatformConfig, ShopConfig, WriteConfig};
use crate::model::{InstallSalt, ProductId};
use crate::platform::webhook_event::{PayloadError, WebhookEvent};
use crate::platform::{shopify, woocommerce};
use crate::recommend::{Params, Recommender};
use crate::store::{ShopStore, StoreError};

/// Jobs taken from the queue at once.
const BATCH: usize = 1_000;
/// Delivery ids are remembered this long to drop redeliveries.
const DEDUPE_WINDOW: chrono::Duration = chrono::Duration::days(3);

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
    push_pending: bool,
}

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
                    () = self.pass() => {}
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
                self.phase(if self.failures > 0 {
                    Phase::Backoff
                } else {
                    Phase::Idle
                });
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = self.wake.notified() => {}
                () = tokio::time::sleep_until(self.next_pass), if !self.stopped() => {}
            }
        }
        tracing::info!(shop = self.name(), "pipeline stopped");
    }

    /// Pull → compute → push. On failure the error is shown and the pass is retried
    /// with backoff.
    async fn pass(&mut self) {
        let result = self.try_pass().await;
        let failed = result.is_err();
        if let Err((phase, error)) = result {
            tracing::error!(shop = self.name(), phase = phase.as_str(), error = %error, "pass failed");
            self.board.error(self.name(), phase, format!("{error:#}"));
        }
        self.failures = if failed {
            self.failures.saturating_add(1)
        } else {
            0
        };
        let wait = next_wait(self.settings.schedule, self.failures, rand::random());
        self.next_pass = Instant::now() + wait;
        let (failures, due) = (self.failures, Utc::now() + wait);
        self.board.update(self.name(), |s| {
            s.failures = failures;
            s.next_pass = Some(due);
        });
    }

    async fn try_pass(&mut self) -> Result<(), (Phase, anyhow::Error)> {
        let client = self.client().map_err(|e| (Phase::Pulling, e))?;
        self.phase(Phase::Pulling);
        let report = client
            .pull(&self.store, &self.salt, false)
            .await
            .map_err(|e| (Phase::Pulling, e))?;
        for problem in &report.problems {
            self.board
                .error(self.name(), Phase::Pulling, format!("skipped: {problem}"));
        }
        self.note_usage(&client);
        self.board
            .update(self.name(), |s| s.last_pull = Some(Utc::now()));
        self.compute().await.map_err(|e| (Phase::Computing, e))?;
        self.push(&client).await.map_err(|e| (Phase::Pushing, e))
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
        let report = client.push(&self.store, &self.settings.write).await;
        self.note_usage(client);
        let report = report?;
        self.push_pending = false;
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

    /// Applies queued jobs batch by batch until the queue is empty, then pushes what
    /// changed. Every batch is finished even during shutdown: its jobs are acknowledged
    /// only once their effect is durable.
    async fn drain_jobs(&mut self, shutdown: &CancellationToken) {
        self.phase(Phase::Applying);
        let mut changed = false;
        loop {
            match self.apply_batch().await {
                Ok(Some(batch_changed)) => changed |= batch_changed,
                Ok(None) => break,
                Err(error) => {
                    tracing::error!(shop = self.name(), error = %error, "applying webhook jobs failed");
                    self.board
                        .error(self.name(), Phase::Applying, format!("{error:#}"));
                    break;
                }
            }
            if shutdown.is_cancelled() {
                return;
            }
        }
        if (changed || self.push_pending) && self.recommender.is_some() && self.failures == 0 {
            if let Ok(client) = self.client() {
                let push = tokio::select! {
                    result = self.push(&client) => result,
                    () = shutdown.cancelled() => return,
                };
                if let Err(error) = push {
                    tracing::error!(shop = self.name(), error = %error, "push after webhooks failed");
                    self.board
                        .error(self.name(), Phase::Pushing, format!("{error:#}"));
                }
            }
        }
    }

    /// One batch: `None` when the queue was empty, else whether lists changed.
    async fn apply_batch(&mut self) -> anyhow::Result<Option<bool>> {
        let jobs = self.store.pending_jobs(BATCH)?;
        if jobs.is_empty() {
            return Ok(None);
        }
        let mut applied = Applied::default();
        let now = Utc::now();
        for (id, bytes) in &jobs {
            match QueuedJob::decode(bytes) {
                Some(job) => self.apply_job(&job, now, &mut applied)?,
                None => {
                    self.board.error(
                        self.name(),
                        Phase::Applying,
                        format!("job {id} is unreadable; dropped"),
                    );
                }
            }
        }
        if let Some(halt) = &applied.halt {
            self.store.set_halt(halt)?;
            self.recommender = None;
            self.board
                .update(self.name(), |s| s.halted = Some(halt.describe()));
            tracing::warn!(shop = self.name(), reason = halt.describe(), "shop stopped");
        }
        let changed = applied.changed_lists() && !self.stopped();
        if changed {
            self.refresh_lists(&applied).await?;
        }
        self.store.flush()?;
        for (id, _) in &jobs {
            self.store.ack_job(*id)?;
        }
        self.store
            .prune_deliveries((now - DEDUPE_WINDOW).timestamp())?;
        if applied.pull_soon {
            self.next_pass = Instant::now();
        }
        let (done, ignored, queued) = (applied.applied, applied.ignored, jobs.len());
        tracing::info!(
            shop = self.name(),
            jobs = queued,
            applied = done,
            ignored,
            "webhook jobs applied"
        );
        self.board.update(self.name(), |s| {
            s.jobs_applied += done;
            s.jobs_ignored += ignored;
        });
        Ok(Some(changed))
    }

    fn apply_job(
        &self,
        job: &QueuedJob,
        now: chrono::DateTime<Utc>,
        applied: &mut Applied,
    ) -> Result<(), StoreError> {
        match self.parse(job) {
            Ok(event) => {
                tracing::debug!(shop = self.name(), topic = job.topic, "applying webhook");
                apply(&self.store, event, self.stopped(), now, applied)
            }
            Err(error) => {
                // The platform stays the source of truth: the next pull reads the record.
                tracing::warn!(shop = self.name(), topic = job.topic, error = %error, "unreadable webhook payload");
                self.board
                    .error(self.name(), Phase::Applying, error.to_string());
                applied.ignored += 1;
                Ok(())
            }
        }
    }

    fn parse(&self, job: &QueuedJob) -> Result<WebhookEvent, PayloadError> {
        match &self.settings.shop.platform {
            PlatformConfig::Shopify(_) => {
                shopify::webhook_payload::parse(&job.topic, &job.body, &self.salt)
            }
            PlatformConfig::WooCommerce(config) => woocommerce::webhook_payload::parse(
                &job.topic,
                &job.body,
                &self.salt,
                &config.sale_statuses,
            ),
        }
    }

    /// Brings the lists up to date with a batch: orders alone are counted incrementally
    /// and only the anchors they affect are stored again; product changes (or no
    /// recommender yet) mean a full recompute.
    async fn refresh_lists(&mut self, applied: &Applied) -> anyhow::Result<()> {
        let Some(recommender) = self
            .recommender
            .as_mut()
            .filter(|_| !applied.catalog_changed)
        else {
            return self.compute().await;
        };
        let (upserts, withdrawn) = applied.order_changes();
        let affected: Vec<ProductId> = recommender.apply_orders(&upserts, &withdrawn);
        for id in &affected {
            if let Some(recs) = recommender.recs(id) {
                self.store.put_recs(id, recs)?;
            }
        }
        let (products, orders) = (recommender.catalog().len(), recommender.order_count());
        self.push_pending = true;
        self.board.update(self.name(), |s| {
            s.products = products;
            s.orders = orders;
        });
        Ok(())
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
