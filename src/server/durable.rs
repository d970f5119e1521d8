//! Group commit: a webhook is answered 200 only once its job is on disk, but one fsync
//! per delivery would cap throughput at the disk's sync rate. Handlers ask the flusher
//! for durability; it flushes once for everyone who asked while the previous flush ran.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use crate::store::{Store, StoreError};

/// Why a flush did not make the writes durable.
#[derive(Clone, Debug, thiserror::Error)]
pub enum FlushError {
    /// The store failed the flush (shared by everyone the flush was for).
    #[error(transparent)]
    Store(Arc<StoreError>),
    /// The flusher task is gone: the server is shutting down.
    #[error("the store's flusher has stopped")]
    Stopped,
    /// The flush panicked (its message).
    #[error("the store's flush panicked: {0}")]
    Panicked(String),
}

impl FlushError {
    /// Whether the store must be reopened before it takes writes again.
    #[must_use]
    pub fn needs_reopen(&self) -> bool {
        matches!(self, Self::Store(error) if error.needs_reopen())
    }
}

/// Sends flush requests to the flusher task. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Flusher {
    requests: mpsc::UnboundedSender<oneshot::Sender<Result<(), FlushError>>>,
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
                let result = match tokio::task::spawn_blocking(move || store.flush()).await {
                    Ok(flushed) => flushed.map_err(|e| FlushError::Store(Arc::new(e))),
                    Err(panicked) => Err(FlushError::Panicked(panicked.to_string())),
                };
                for waiter in batch {
                    let _ = waiter.send(result.clone());
                }
            }
        });
        Self { requests }
    }

    /// Returns once everything written before the call is durable.
    pub async fn flush(&self) -> Result<(), FlushError> {
        let (done, wait) = oneshot::channel();
        self.requests.send(done).map_err(|_| FlushError::Stopped)?;
        wait.await.map_err(|_| FlushError::Stopped)?
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
            assert!(wait.await.unwrap().is_ok());
        }
        assert_eq!(shop.job_count(), 50);
    }
}
