//! The long-running service behind `upsell-sync run` and `demo`: opens the store, starts
//! one pipeline per enabled shop and the HTTP server, and shuts all of it down in order
//! — stop accepting, let each pipeline finish its job batch, flush the store — within
//! the configured timeout. This is the one module that wires `server` and `sync`
//! together (DESIGN.md: main → server, sync). [`restart`] keeps `run`'s daemon going
//! through a store that failed a write.

pub mod restart;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::config::{Config, Secret};
use crate::server::{self, ServerState, ShopEndpoint};
use crate::store::{load_or_create_salt, Store};
use crate::sync::pipeline::{Pipeline, PipelineSettings};
use crate::sync::status::StatusBoard;

/// How long a burst of webhooks gathers before the pipeline applies it.
pub const DEBOUNCE: Duration = Duration::from_millis(200);

/// A running daemon.
pub struct Daemon {
    address: SocketAddr,
    board: StatusBoard,
    store: Store,
    shutdown: CancellationToken,
    tasks: JoinSet<()>,
    timeout: Duration,
}

impl Daemon {
    /// Opens the store, binds the listener and starts every enabled shop's pipeline.
    /// Fails (before anything runs) when the store cannot be opened, the address cannot
    /// be bound, or a webhook or admin secret cannot be read.
    pub async fn start(config: Config) -> anyhow::Result<Self> {
        let data_dir = config.daemon.data_dir.clone();
        let store = Store::open(&data_dir.join("store")).with_context(|| {
            format!(
                "opening the store under daemon.data_dir = {}",
                data_dir.display()
            )
        })?;
        let salt = load_or_create_salt(&config.daemon.salt_path())?;
        let admin_token = resolve(config.daemon.admin_token.as_ref(), "daemon.admin_token")?;
        let listener = TcpListener::bind(config.daemon.listen)
            .await
            .with_context(|| format!("binding daemon.listen = {}", config.daemon.listen))?;
        let address = listener.local_addr()?;
        let board = StatusBoard::default();
        let shutdown = CancellationToken::new();
        let mut tasks = JoinSet::new();
        let mut endpoints = HashMap::new();
        for shop in config.shops.iter().filter(|s| s.enabled) {
            let shop_store = store.shop(&shop.name)?;
            let wake = Arc::new(Notify::new());
            let secret = resolve(
                shop.platform.webhook_secret(),
                &format!("the webhook_secret of shop {}", shop.name),
            )?;
            endpoints.insert(
                shop.name.clone(),
                ShopEndpoint::new(
                    shop.platform.name(),
                    shop_store.clone(),
                    secret,
                    wake.clone(),
                ),
            );
            let settings = PipelineSettings {
                shop: shop.clone(),
                write: config.write_for(shop),
                params: config.recommender.clone(),
                schedule: config.schedule_for(shop),
                debounce: DEBOUNCE,
            };
            let pipeline = Pipeline::new(settings, shop_store, salt.clone(), board.clone(), wake);
            tasks.spawn(pipeline.run(shutdown.clone()));
        }
        let state = ServerState::new(
            &store,
            endpoints,
            board.clone(),
            config.daemon.webhook_body_limit_bytes,
            admin_token,
        )
        .with_salt(salt.clone());
        let router = server::router(state.clone());
        let stop = shutdown.clone();
        tasks.spawn(async move {
            let served = axum::serve(listener, router)
                .with_graceful_shutdown(async move { stop.cancelled().await })
                .await;
            if let Err(error) = served {
                tracing::error!(error = %error, "the HTTP server failed");
            }
        });
        state.set_ready();
        tracing::info!(%address, shops = config.shops.len(), "upsell-sync is running");
        Ok(Self {
            address,
            board,
            store,
            shutdown,
            tasks,
            timeout: config.daemon.shutdown_timeout(),
        })
    }

    /// The address the server listens on (useful when the config asked for port 0).
    #[must_use]
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The pipelines' status board.
    #[must_use]
    pub fn board(&self) -> &StatusBoard {
        &self.board
    }

    /// The store the daemon writes.
    #[must_use]
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// A token that shuts the daemon down when cancelled.
    #[must_use]
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Stops accepting, lets pipelines finish their batch, flushes the store. Tasks
    /// still running after the timeout are abandoned (every step is crash-safe).
    pub async fn shutdown(self) -> anyhow::Result<()> {
        let store = self.stop_tasks().await;
        tokio::task::spawn_blocking(move || store.flush()).await??;
        tracing::info!("upsell-sync stopped; store flushed");
        Ok(())
    }

    /// Stops every task (see [`Self::shutdown`]) and hands back the store, the last
    /// handle the daemon held.
    async fn stop_tasks(mut self) -> Store {
        self.shutdown.cancel();
        let drained = tokio::time::timeout(self.timeout, async {
            while self.tasks.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!(
                seconds = self.timeout.as_secs(),
                "shutdown timeout reached; abandoning the tasks still running"
            );
            self.tasks.abort_all();
        }
        self.store
    }

    /// Runs until `stop` resolves (a signal, say), then shuts down; or until the store
    /// fails a write that only reopening it clears, then stops without the final flush
    /// (it would fail the same way; what was flushed before is kept).
    pub async fn run_until(
        self,
        stop: impl std::future::Future<Output = ()>,
    ) -> anyhow::Result<Stopped> {
        let token = self.shutdown.clone();
        let board = self.board.clone();
        tokio::select! {
            () = stop => {}
            () = token.cancelled() => {}
            () = board.store_failure() => {
                tracing::error!("the store refuses writes until it is reopened; stopping the daemon to start it again");
                drop(self.stop_tasks().await);
                return Ok(Stopped::StoreFailed);
            }
        }
        self.shutdown().await?;
        Ok(Stopped::Asked)
    }
}

/// Why [`Daemon::run_until`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stopped {
    /// `stop` resolved or the shutdown token was cancelled.
    Asked,
    /// A store write failed so that the store must be reopened (a full disk, say).
    StoreFailed,
}

fn resolve(
    secret: Option<&crate::config::SecretRef>,
    what: &str,
) -> anyhow::Result<Option<Secret>> {
    secret
        .map(|s| s.resolve().with_context(|| format!("reading {what}")))
        .transpose()
}
