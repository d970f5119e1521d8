//! Group commit: a webhook is answered 200 only once its job is on disk, but one fsync
//! per delivery would cap throughput at the disk's sync rate. Handlers ask the flusher
//! for durability; it flushes once for everyone who asked while the previous flush ran.

use tokio::sync::{mpsc, oneshot};

use crate::store::Store;

/// Sends flush requests to the flusher task. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Flusher {
    requests: mpsc::UnboundedSender<oneshot::Sender<Result<(), String>>>,
}

impl Flusher {
    /// Starts the flusher task for `store` on the current runtime.
    #[must_use]
    pub fn start(store: Store) -> Self {
        let (requests, mut waiting) = mpsc::unbounded_channel::<oneshot::Sender<_>>();
        tokio::spawn(async move {
            while let Some(first) = waiting.recv().await {
                let mut batch = vec![first];
                while let Ok(next) = waiting.try_recv() {
                    batch.push(next);
                }
                let store = store.clone();
                let result = tokio::task::spawn_blocking(move || store.flush())
                    .await
                    .map_err(|e| e.to_string())
                    .and_then(|r| r.map_err(|e| e.to_string()));
                for waiter in batch {
                    let _ = waiter.send(result.clone());
                }
            }
        });
        Self { requests }
    }

    /// Returns once everything written before the call is durable.
    pub async fn flush(&self) -> Result<(), String> {
        let (done, wait) = oneshot::channel();
        self.requests
            .send(done)
            .map_err(|_| "the store's flusher has stopped".to_owned())?;
        wait.await
            .map_err(|_| "the store's flusher has stopped".to_owned())?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn concurrent_requests_are_all_answered() {
        let store = Store::open_temporary().unwrap();
        let flusher = Flusher::start(store.clone());
        let shop = store.shop("s").unwrap();
        let waits: Vec<_> = (0..50_u32)
            .map(|i| {
                shop.push_job(&i.to_be_bytes()).unwrap();
                let flusher = flusher.clone();
                tokio::spawn(async move { flusher.flush().await })
            })
            .collect();
        for wait in waits {
            assert_eq!(wait.await.unwrap(), Ok(()));
        }
        assert_eq!(shop.job_count(), 50);
    }
}
