//! Registered webhooks and the deliveries waiting for the queue runner. As in
//! WooCommerce, at most one delivery is pending per (webhook, resource): repeated
//! events before it runs coalesce into one delivery of the latest state.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::records::SimWooWebhook;

/// Topics a webhook can subscribe to.
pub(crate) const TOPICS: [&str; 8] = [
    "product.created",
    "product.updated",
    "product.deleted",
    "product.restored",
    "order.created",
    "order.updated",
    "order.deleted",
    "order.restored",
];

/// Failed deliveries tolerated before a webhook is disabled: the next failure after
/// this many disables it (observed: the 7th failure).
const MAX_FAILURES: u32 = 6;

/// A delivery waiting to be sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Pending {
    pub webhook: u64,
    pub resource: u64,
}

/// Webhooks and pending deliveries.
#[derive(Debug)]
pub(crate) struct Hooks {
    pub webhooks: BTreeMap<u64, SimWooWebhook>,
    pending: Vec<Pending>,
    next: u64,
}

impl Default for Hooks {
    fn default() -> Self {
        Self {
            webhooks: BTreeMap::new(),
            pending: Vec::new(),
            next: 1,
        }
    }
}

impl Hooks {
    /// Registers a webhook; returns its id.
    pub fn register(&mut self, mut webhook: SimWooWebhook) -> u64 {
        webhook.id = self.next;
        self.next += 1;
        let id = webhook.id;
        self.webhooks.insert(id, webhook);
        id
    }

    /// Queues a delivery to every active webhook on `topic`, unless one is pending.
    pub fn emit(&mut self, topic: &str, resource: u64) {
        let targets: Vec<u64> = self
            .webhooks
            .values()
            .filter(|w| w.status == "active" && w.topic == topic)
            .map(|w| w.id)
            .collect();
        for webhook in targets {
            let pending = Pending { webhook, resource };
            if !self.pending.contains(&pending) {
                self.pending.push(pending);
            }
        }
    }

    /// Takes every pending delivery, oldest first.
    pub fn take_pending(&mut self) -> Vec<Pending> {
        std::mem::take(&mut self.pending)
    }

    /// Takes the pending delivery for (`webhook`, `resource`), if any.
    pub fn take_one(&mut self, webhook: u64, resource: u64) -> bool {
        let before = self.pending.len();
        self.pending
            .retain(|p| !(p.webhook == webhook && p.resource == resource));
        self.pending.len() != before
    }

    /// Deliveries waiting.
    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }

    /// Records a delivery's outcome: a 2xx/3xx answer resets the failure count, anything
    /// else counts; too many failures disable the webhook. Either way the record is
    /// saved (`date_modified`).
    pub fn record_outcome(&mut self, id: u64, success: bool, now: DateTime<Utc>) {
        let Some(webhook) = self.webhooks.get_mut(&id) else {
            return;
        };
        if success {
            webhook.failure_count = 0;
        } else if webhook.failure_count >= MAX_FAILURES {
            "disabled".clone_into(&mut webhook.status);
        } else {
            webhook.failure_count += 1;
        }
        webhook.date_modified_gmt = Some(now);
    }
}

/// The WordPress hooks WooCommerce lists for a topic.
pub(crate) fn hook_names(topic: &str) -> &'static [&'static str] {
    match topic {
        "product.created" => &[
            "woocommerce_process_product_meta",
            "woocommerce_new_product",
            "woocommerce_new_product_variation",
        ],
        "product.updated" => &[
            "woocommerce_process_product_meta",
            "woocommerce_update_product",
            "woocommerce_update_product_variation",
        ],
        "product.deleted" => &["wp_trash_post"],
        "product.restored" => &["untrashed_post"],
        "order.created" => &["woocommerce_new_order"],
        "order.updated" => &["woocommerce_update_order", "woocommerce_order_refunded"],
        "order.deleted" => &["wp_trash_post", "woocommerce_trash_order"],
        "order.restored" => &["untrashed_post", "woocommerce_untrash_order"],
        _ => &[],
    }
}
