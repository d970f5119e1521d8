//! Starting and stopping the simulated store: a listener on `config.addr`, plain HTTP
//! or HTTPS (axum-server with rustls), every request handed to
//! [`dispatch::serve`](super::dispatch::serve), and the webhook queue runner beside it.

use std::sync::Arc;
use std::time::Duration;

use axum::routing::get;
use axum::Router;
use axum_server::tls_rustls::RustlsConfig;
use axum_server::Handle;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::config::SimWooConfig;
use super::delivery;
use super::dispatch::serve;
use super::handle::SimWooState;
use super::shared::Shared;
use super::tls;
use super::views::UPLOADS_PATH;
use crate::sim::product_image;

/// A running simulated WooCommerce store. Stops serving when dropped.
#[derive(Debug)]
pub struct SimWoo {
    base_url: String,
    ca_pem: Option<String>,
    state: SimWooState,
    handle: Handle<std::net::SocketAddr>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl SimWoo {
    /// Binds `config.addr` and serves the store in background tasks.
    pub async fn start(config: SimWooConfig) -> std::io::Result<Self> {
        let addr = config.addr;
        let use_tls = config.tls;
        let shared = Shared::new(config)?;
        let listener = tokio::net::TcpListener::bind(addr).await?.into_std()?;
        let local = listener.local_addr()?;
        let scheme = if use_tls { "https" } else { "http" };
        let base_url = format!("{scheme}://{local}");
        shared.set_base_url(base_url.clone());
        let app = Router::new()
            .route(
                &format!("{UPLOADS_PATH}{{file}}"),
                get(product_image::serve),
            )
            .fallback(serve)
            .with_state(Arc::clone(&shared))
            .into_make_service();
        let handle = Handle::new();
        let (stop, stopped) = watch::channel(false);
        let mut ca_pem = None;
        let server = if use_tls {
            let tls = tls::generate()?;
            ca_pem = Some(tls.ca_pem);
            let config = RustlsConfig::from_config(tls.config);
            let server = axum_server::from_tcp_rustls(listener, config)?.handle(handle.clone());
            tokio::spawn(async move {
                if let Err(error) = server.serve(app).await {
                    tracing::error!(%error, "simulated WooCommerce stopped");
                }
            })
        } else {
            let server = axum_server::from_tcp(listener)?.handle(handle.clone());
            tokio::spawn(async move {
                if let Err(error) = server.serve(app).await {
                    tracing::error!(%error, "simulated WooCommerce stopped");
                }
            })
        };
        let runner = tokio::spawn(delivery::run(Arc::clone(&shared), stopped));
        Ok(Self {
            base_url,
            ca_pem,
            state: SimWooState { shared },
            handle,
            stop,
            tasks: vec![server, runner],
        })
    }

    /// The site's home URL: `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`; the
    /// API is under `/wp-json/wc/v3`.
    #[must_use]
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `base_url()` + `/wp-json/wc/v3`.
    #[must_use]
    pub fn api_url(&self) -> String {
        format!("{}/wp-json/wc/v3", self.base_url)
    }

    /// PEM of the CA that signed the HTTPS certificate (`None` over plain HTTP).
    #[must_use]
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// The handle for inspecting and changing the store.
    #[must_use]
    pub fn state(&self) -> &SimWooState {
        &self.state
    }

    /// Stops serving and waits (briefly) for open requests to end.
    pub async fn stop(mut self) {
        self.handle.graceful_shutdown(Some(Duration::from_secs(1)));
        let _ = self.stop.send(true);
        for task in self.tasks.drain(..) {
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
    }
}

impl Drop for SimWoo {
    fn drop(&mut self) {
        self.handle.shutdown();
        let _ = self.stop.send(true);
    }
}
