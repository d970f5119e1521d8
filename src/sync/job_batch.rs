//! One batch of queued webhook jobs, applied on a blocking thread: parse each body,
//! apply it to the store, count the new orders incrementally, store the affected
//! anchors' lists, flush, and only then acknowledge the jobs. All of it is CPU and disk
//! work, so it runs off the async workers: there it would hold up the webhook handlers,
//! whose answers must stay fast while bursts are being applied. And it runs on a pool
//! of one thread ([`JobBatch::run_on_worker`]): re-ranking a burst's anchors in
//! parallel on every core would take the CPU from the handlers just the same.

use std::sync::OnceLock;

use chrono::{DateTime, Utc};

use super::apply::{apply, Applied};
use super::jobs::{QueuedJob, RULES_CHANGED};
use super::status::{Phase, StatusBoard};
use crate::config::PlatformConfig;
use crate::model::InstallSalt;
use crate::platform::webhook_event::{PayloadError, WebhookEvent};
use crate::platform::{shopify, woocommerce};
use crate::recommend::Recommender;
use crate::store::{ShopStore, StoreError};

/// Delivery ids are remembered this long to drop redeliveries.
const DEDUPE_WINDOW: chrono::Duration = chrono::Duration::days(3);

/// What applying a batch needs; cheap to clone into the blocking thread.
#[derive(Clone)]
pub struct JobBatch {
    /// The shop's name, for the board and the logs.
    pub shop: String,
    /// Its platform, which decides how bodies are parsed.
    pub platform: PlatformConfig,
    /// Its store.
    pub store: ShopStore,
    /// Hashes customer ids on arrival.
    pub salt: InstallSalt,
    /// Where unreadable jobs are reported.
    pub board: StatusBoard,
}

/// What a batch did.
pub struct BatchOutcome {
    /// What the events changed.
    pub applied: Applied,
    /// Jobs taken from the queue (and acknowledged); 0 when it was empty.
    pub jobs: usize,
    /// The recommender, handed back with the batch's orders counted.
    pub recommender: Option<Recommender>,
    /// Lists changed in a way only a full recompute can follow (products changed, or
    /// there was no recommender yet).
    pub needs_compute: bool,
    /// Lists changed (incrementally or pending the recompute).
    pub lists_changed: bool,
}

impl JobBatch {
    /// [`Self::run`] on the webhook worker thread, shared by every shop's pipeline: one
    /// core applies webhook bursts and the others stay free for answering webhooks.
    pub fn run_on_worker(
        &self,
        limit: usize,
        recommender: Option<Recommender>,
        now: DateTime<Utc>,
    ) -> Result<BatchOutcome, StoreError> {
        static WORKER: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
        let pool = WORKER.get_or_init(|| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .thread_name(|_| "webhook-worker".to_owned())
                .build()
                .ok()
        });
        match pool {
            Some(pool) => pool.install(|| self.run(limit, recommender, now)),
            None => self.run(limit, recommender, now),
        }
    }

    /// Applies up to `limit` jobs. The recommender comes back in the outcome; on error
    /// it is dropped with the batch, so the next refresh is a full recompute.
    pub fn run(
        &self,
        limit: usize,
        recommender: Option<Recommender>,
        now: DateTime<Utc>,
    ) -> Result<BatchOutcome, StoreError> {
        let jobs = self.store.pending_jobs(limit)?;
        let mut applied = Applied::default();
        if jobs.is_empty() {
            return Ok(BatchOutcome {
                applied,
                jobs: 0,
                recommender,
                needs_compute: false,
                lists_changed: false,
            });
        }
        let stopped = self.store.halt()?.is_some();
        for (id, bytes) in &jobs {
            match QueuedJob::decode(bytes) {
                Some(job) => self.apply_job(&job, stopped, now, &mut applied)?,
                None => self.board.error(
                    &self.shop,
                    Phase::Applying,
                    format!("job {id} is unreadable; dropped"),
                ),
            }
        }
        let mut recommender = recommender;
        if let Some(halt) = &applied.halt {
            self.store.set_halt(halt)?;
            recommender = None;
        }
        let halted = stopped || applied.halt.is_some();
        let lists_changed = applied.changed_lists() && !halted;
        let needs_compute = lists_changed && !self.count_orders(&applied, &mut recommender)?;
        self.store.flush()?;
        for (id, _) in &jobs {
            self.store.ack_job(*id)?;
        }
        self.store
            .prune_deliveries((now - DEDUPE_WINDOW).timestamp())?;
        Ok(BatchOutcome {
            applied,
            jobs: jobs.len(),
            recommender,
            needs_compute,
            lists_changed,
        })
    }

    /// Counts the batch's orders into the recommender and stores the lists of the
    /// anchors they affect. `false` when that cannot be done incrementally.
    fn count_orders(
        &self,
        applied: &Applied,
        recommender: &mut Option<Recommender>,
    ) -> Result<bool, StoreError> {
        let Some(recommender) = recommender.as_mut().filter(|_| !applied.catalog_changed) else {
            return Ok(false);
        };
        let (upserts, withdrawn) = applied.order_changes();
        for id in recommender.apply_orders(&upserts, &withdrawn) {
            if let Some(recs) = recommender.recs(&id) {
                self.store.put_recs(&id, recs)?;
            }
        }
        Ok(true)
    }

    fn apply_job(
        &self,
        job: &QueuedJob,
        stopped: bool,
        now: DateTime<Utc>,
        applied: &mut Applied,
    ) -> Result<(), StoreError> {
        if job.topic == RULES_CHANGED {
            applied.catalog_changed = true;
            applied.applied += 1;
            return Ok(());
        }
        match self.parse(job) {
            Ok(event) => {
                tracing::debug!(shop = self.shop, topic = job.topic, "applying webhook");
                apply(&self.store, event, stopped, now, applied)
            }
            Err(error) => {
                // The platform stays the source of truth: the next pull reads the record.
                tracing::warn!(shop = self.shop, topic = job.topic, error = %error, "unreadable webhook payload");
                self.board
                    .error(&self.shop, Phase::Applying, error.to_string());
                applied.ignored += 1;
                Ok(())
            }
        }
    }

    fn parse(&self, job: &QueuedJob) -> Result<WebhookEvent, PayloadError> {
        match &self.platform {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::recommend::rules::{Rule, Rules};
    use crate::recommend::Params;
    use crate::sim::catalog::{generate, ShopSpec};
    use crate::store::Store;
    use crate::sync::compute::compute_shop;

    #[test]
    fn a_rules_change_job_asks_for_a_full_recompute_and_is_acknowledged() {
        let root = Store::open_temporary().unwrap();
        let store = root.shop("s").unwrap();
        let data = generate(&ShopSpec::new(5, 60, 600));
        for product in &data.products {
            store.put_product(product).unwrap();
        }
        for order in &data.orders {
            store.put_order(order).unwrap();
        }
        let now = Utc::now();
        let (recommender, _) = compute_shop(&store, &Params::default(), now).unwrap();
        let (anchor, recs) = store
            .all_recs()
            .map(Result::unwrap)
            .find(|(_, r)| !r.cross_sell.is_empty())
            .unwrap();
        let blocked = recs.cross_sell[0].product.clone();
        store
            .set_rules(&Rules::new([Rule::BlockItem {
                item: blocked.clone(),
            }]))
            .unwrap();
        let job = QueuedJob {
            topic: RULES_CHANGED.to_owned(),
            delivery_id: None,
            received_at: now,
            body: Vec::new(),
        };
        store.push_job(&job.encode()).unwrap();
        let batch = JobBatch {
            shop: "s".to_owned(),
            platform: Config::default_for_tests().shops[0].platform.clone(),
            store: store.clone(),
            salt: InstallSalt([3; 32]),
            board: StatusBoard::default(),
        };
        let outcome = batch.run(100, Some(recommender), now).unwrap();
        assert_eq!(outcome.jobs, 1);
        assert!(outcome.needs_compute && outcome.lists_changed);
        assert_eq!(store.job_count(), 0, "acknowledged");
        // The recompute the pipeline then runs applies the rule.
        compute_shop(&store, &Params::default(), now).unwrap();
        let after = store.get_recs(&anchor).unwrap().unwrap();
        assert!(after.cross_sell.iter().all(|l| l.product != blocked));
    }
}
