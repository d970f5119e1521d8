//! Watching a daemon that runs as its own process, for the benchmarks that drive one
//! (`webhook_load`, `soak`): its `/metrics`, its memory and open files from `/proc`, and
//! a clean SIGTERM.

// Each example includes this file and uses a part of it.
#![allow(dead_code)]

use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure};

/// The daemon's `/metrics` text.
pub async fn metrics(http: &reqwest::Client, base: &str) -> anyhow::Result<String> {
    Ok(http
        .get(format!("{base}/metrics"))
        .send()
        .await?
        .text()
        .await?)
}

/// The sum of the samples of `name` (a counter's with or without the `_total` suffix)
/// whose labels include every one of `labels`.
pub fn metric(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|line| {
            line.strip_prefix(name).is_some_and(|rest| {
                let rest = rest.strip_prefix("_total").unwrap_or(rest);
                rest.starts_with(['{', ' '])
            })
        })
        .filter(|line| {
            labels
                .iter()
                .all(|(key, value)| line.contains(&format!("{key}=\"{value}\"")))
        })
        .filter_map(|line| line.rsplit_once(' ')?.1.parse::<f64>().ok())
        .sum()
}

/// A memory figure of process `pid` from `/proc/<pid>/status`, in MB: `VmRSS` (now)
/// or `VmHWM` (peak). 0 once the process is gone.
pub fn status_mb(pid: u32, field: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Open file descriptors of process `pid`.
pub fn open_files(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, Iterator::count)
}

/// SIGTERM, then the exit status and how long the shutdown took; fails if the daemon
/// is still running a minute later (and kills it).
pub fn terminate(daemon: &mut Child) -> anyhow::Result<(ExitStatus, Duration)> {
    let started = Instant::now();
    let pid = daemon.id().to_string();
    ensure!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()?
            .success(),
        "kill -TERM {pid}"
    );
    while started.elapsed() < Duration::from_secs(60) {
        if let Some(status) = daemon.try_wait()? {
            return Ok((status, started.elapsed()));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = daemon.kill();
    bail!("the daemon did not stop within 60 s of SIGTERM")
}
