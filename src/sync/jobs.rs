//! The webhook job: what the server queues in a shop's durable job queue and the
//! worker reads back. The verified body is kept as received but for the personal data
//! the daemon must not store (`platform::webhook_privacy`), so a payload the worker
//! cannot read is reported with its topic and field, and nothing the worker needs is
//! lost before it has looked at it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One queued webhook delivery.
/// The topic of the job the server queues when the merchant rules change: the
/// pipeline recomputes every list, as for a catalog change.
pub const RULES_CHANGED: &str = "upsell-sync/rules-changed";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedJob {
    /// The platform's topic, e.g. `orders/create` or `product.updated`.
    pub topic: String,
    /// The delivery id, for logs.
    pub delivery_id: Option<String>,
    /// When the server accepted it.
    pub received_at: DateTime<Utc>,
    /// The body as signed, without personal data.
    pub body: Vec<u8>,
}

impl QueuedJob {
    /// The bytes stored in the queue.
    ///
    /// # Panics
    /// Never: strings, bytes and a timestamp always encode.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        postcard::to_allocvec(self).expect("a job always encodes")
    }

    /// A job back from the queue; `None` when the bytes are not a job of this build.
    #[must_use]
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        postcard::from_bytes(bytes).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_survives_the_queue_byte_for_byte() {
        let job = QueuedJob {
            topic: "orders/create".to_owned(),
            delivery_id: Some("d-1".to_owned()),
            received_at: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            body: br#"{"id":1,"note":"caf\u00e9 \/"}"#.to_vec(),
        };
        assert_eq!(QueuedJob::decode(&job.encode()), Some(job));
        assert_eq!(QueuedJob::decode(b"\xff\x00garbage"), None);
    }
}
