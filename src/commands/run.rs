//! `upsell-sync run --config F`: the service. Starts the daemon, tells systemd it is
//! ready (`Type=notify`), and runs until SIGTERM or SIGINT, then shuts down within
//! `daemon.shutdown_timeout_seconds`. A store that failed a write (a full disk) is
//! reopened by starting the daemon again (`daemon::restart`).

use std::path::PathBuf;

use super::shops::runtime;
use crate::config::Config;
use crate::daemon::restart::run_restarting;

/// Where the config is.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Config file.
    #[arg(long)]
    pub config: PathBuf,
    /// Data directory (overrides `daemon.data_dir`).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

/// Loads the config the way `run` will, so `main` can pick the log format from it.
pub fn load_config(args: &RunArgs) -> anyhow::Result<Config> {
    let mut config = Config::load(&args.config)?;
    if let Some(dir) = &args.data_dir {
        config.daemon.data_dir.clone_from(dir);
    }
    Ok(config)
}

/// Runs the daemon until a signal.
pub fn run(args: &RunArgs) -> anyhow::Result<String> {
    let config = load_config(args)?;
    if !config.daemon.listen.ip().is_loopback() {
        tracing::warn!(
            listen = %config.daemon.listen,
            "the listener is NOT on loopback: webhooks and the admin pages are reachable from \
             the network without TLS; keep it on 127.0.0.1 behind a TLS reverse proxy"
        );
    }
    runtime()?.block_on(run_restarting(
        config,
        async {
            signal().await;
            notify_systemd(&[sd_notify::NotifyState::Stopping]);
        },
        |daemon| {
            tracing::info!(
                admin = %format!("http://{}/", daemon.address()),
                "admin overview (log in with ?token=<daemon.admin_token>)"
            );
            notify_systemd(&[sd_notify::NotifyState::Ready]);
        },
    ))?;
    Ok("upsell-sync stopped".to_owned())
}

/// Resolves on SIGTERM (systemd's stop) or SIGINT (Ctrl-C).
///
/// # Panics
/// When the SIGTERM handler cannot be installed (only outside a Tokio runtime).
pub async fn signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("installing a SIGTERM handler");
        tokio::select! {
            _ = interrupt => tracing::info!("SIGINT: shutting down"),
            _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

/// Tells systemd about the service's state; a no-op outside systemd.
fn notify_systemd(state: &[sd_notify::NotifyState]) {
    if let Err(error) = sd_notify::notify(state) {
        tracing::warn!(error = %error, "could not notify systemd");
    }
}
