//! A spinner on stderr for the long interactive commands (`sync`, `compute`, `push`):
//! the shop's name, a line a poller thread refreshes from counters that already exist
//! (store counts, client stats), and the elapsed time. Nothing is drawn, and nothing is
//! polled, when stderr is not a terminal or `UPSELL_SYNC_NO_PROGRESS` is set, so piped
//! and captured runs print exactly what they did before. Log lines written through
//! [`stderr`] go above the line instead of leaving stale copies of it on the screen.

use std::io::{self, IsTerminal, Write};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Set (to anything) to never draw a progress line.
pub const DISABLE_VAR: &str = "UPSELL_SYNC_NO_PROGRESS";
/// How often the spinner turns and the elapsed time is redrawn.
const TICK: Duration = Duration::from_millis(100);
/// The shortest time between two polls: a poll may scan the store.
const POLL: Duration = Duration::from_millis(500);
/// A poll that takes long (a big store's count scan) waits this many times its own
/// duration before the next, so polling never takes more than a fifth of a core.
const POLL_BACKOFF: u32 = 4;

/// The progress line on the screen now, if any, for [`stderr`].
static SHOWN: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// A progress line on stderr, cleared when finished or dropped (an error return too).
#[must_use = "the progress line is cleared as soon as it is dropped"]
pub struct Progress {
    shown: Option<Shown>,
}

struct Shown {
    bar: ProgressBar,
    /// Dropped to stop the poller.
    stop: mpsc::Sender<()>,
    poller: JoinHandle<()>,
}

impl Progress {
    /// Shows `label`, a spinner, what `poll` says and the elapsed time; `poll` is called
    /// from a thread of its own, at most every 500 ms. A no-op (`poll` is never called)
    /// when stderr is not a terminal or [`DISABLE_VAR`] is set.
    pub fn start(label: &str, poll: impl Fn() -> String + Send + 'static) -> Self {
        if std::env::var_os(DISABLE_VAR).is_some() || !std::io::stderr().is_terminal() {
            return Self { shown: None };
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("{prefix} {spinner} {msg} · {elapsed_precise}");
        bar.set_style(style.unwrap_or_else(|_| ProgressStyle::default_spinner()));
        bar.set_prefix(label.to_owned());
        bar.enable_steady_tick(TICK);
        *shown_bar() = Some(bar.clone());
        let (stop, wake) = mpsc::channel::<()>();
        let line = bar.clone();
        let poller = thread::spawn(move || loop {
            let started = Instant::now();
            line.set_message(poll());
            let wait = POLL.max(started.elapsed() * POLL_BACKOFF);
            if wake.recv_timeout(wait) != Err(RecvTimeoutError::Timeout) {
                break;
            }
        });
        Self {
            shown: Some(Shown { bar, stop, poller }),
        }
    }

    /// Stops polling and clears the line; the same as dropping it.
    pub fn finish(self) {}
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(Shown { bar, stop, poller }) = self.shown.take() {
            drop(stop);
            let _ = poller.join();
            shown_bar().take();
            bar.finish_and_clear();
        }
    }
}

fn shown_bar() -> std::sync::MutexGuard<'static, Option<ProgressBar>> {
    SHOWN.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Standard error for the log (`tracing_subscriber::fmt().with_writer(progress::stderr)`):
/// while a progress line is shown, each write lifts it off the screen and redraws it
/// below what was written.
#[must_use]
pub fn stderr() -> Stderr {
    Stderr
}

/// See [`stderr`].
pub struct Stderr;

impl Stderr {
    fn around<T>(write: impl FnOnce(&mut io::Stderr) -> io::Result<T>) -> io::Result<T> {
        let shown = shown_bar().clone();
        match shown {
            Some(bar) => bar.suspend(|| write(&mut io::stderr())),
            None => write(&mut io::stderr()),
        }
    }
}

impl Write for Stderr {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Self::around(|stderr| stderr.write(buf))
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        Self::around(|stderr| stderr.write_all(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stderr().flush()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    use super::*;

    #[test]
    fn nothing_is_shown_or_polled_when_disabled() {
        std::env::set_var(DISABLE_VAR, "1");
        let polled = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&polled);
        let progress = Progress::start("shop", move || {
            flag.store(true, Ordering::Relaxed);
            String::new()
        });
        assert!(progress.shown.is_none());
        assert!(shown_bar().is_none());
        progress.finish();
        assert!(!polled.load(Ordering::Relaxed));
    }
}
