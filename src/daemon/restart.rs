//! Keeps `upsell-sync run` going through a store that failed a write. sled answers
//! every write after its first I/O error (a full disk, a quota, a file size limit) with
//! that error until the database is opened again, so a daemon that kept its store would
//! fail every pass long after space returned. Instead the daemon stops and starts again
//! from its config, backing off while the store still cannot be opened. Webhooks sent
//! meanwhile are refused, and the platforms deliver them again; each pass resumes from
//! its checkpoints.

use std::future::Future;
use std::pin::Pin;

use super::{Daemon, Stopped};
use crate::config::Config;
use crate::sync::schedule::{next_wait, LONGEST_RETRY};

/// Runs the daemon for `config` until `stop` resolves, starting it again whenever its
/// store failed a write. `started` sees every daemon that starts. Fails only when the
/// first start fails (a bad config, a busy port, a store that cannot be opened): then
/// nothing has run, and the service manager shows the error.
pub async fn run_restarting(
    config: Config,
    stop: impl Future<Output = ()>,
    mut started: impl FnMut(&Daemon),
) -> anyhow::Result<()> {
    let mut stop = std::pin::pin!(stop);
    let mut daemon = Daemon::start(config.clone()).await?;
    loop {
        started(&daemon);
        if daemon.run_until(stop.as_mut()).await? == Stopped::Asked {
            return Ok(());
        }
        match start_again(&config, stop.as_mut()).await {
            Some(next) => daemon = next,
            None => return Ok(()),
        }
    }
}

/// Starts the daemon again after its store failed: first after
/// [`crate::sync::schedule::FIRST_RETRY`], then backing off after each failed start up
/// to [`LONGEST_RETRY`]. `None` when `stop` resolves first.
async fn start_again(
    config: &Config,
    mut stop: Pin<&mut impl Future<Output = ()>>,
) -> Option<Daemon> {
    let mut failures = 0_u32;
    loop {
        failures = failures.saturating_add(1);
        let wait = next_wait(LONGEST_RETRY, failures, rand::random());
        tracing::warn!(
            seconds = wait.as_secs_f64(),
            attempt = failures,
            "starting the daemon again with its store reopened"
        );
        tokio::select! {
            () = stop.as_mut() => return None,
            () = tokio::time::sleep(wait) => {}
        }
        match Daemon::start(config.clone()).await {
            Ok(daemon) => return Some(daemon),
            Err(error) => tracing::error!(
                error = %format!("{error:#}"),
                attempt = failures,
                "the daemon could not start again"
            ),
        }
    }
}
