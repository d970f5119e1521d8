//! Soak run (issue 7): the real daemon (`upsell-sync run`, its own process) against the
//! simulated Shopify and WooCommerce stores (in this process) for a chosen time, with
//! orders arriving as webhooks all along and a round of faults injected into both stores
//! at a fixed interval (503, 429, connection reset, truncated JSON, throttle or HTML
//! page; `FaultRounds`).
//!
//! With `--steady`, the orders are edits of orders already in the stores (one unit more
//! or fewer, sent back whole as `orders/updated` / `order.updated`) instead of new ones:
//! the daemon does the same work per webhook, but its data stays the same size, so its
//! memory must stay flat. Without it, every order is new and the data grows.
//!
//! Every `--sample-seconds` it records the daemon's resident memory and open files
//! (from `/proc`) and, from `/metrics`, the webhook queue depth, jobs applied, errors
//! and failures, into a CSV. At the end it prints a summary: memory after warm-up
//! against the end and its trend, the most open files, the deepest and the last queue.
//! The run fails (non-zero exit) if the daemon dies, the queue is not empty at the end,
//! or SIGTERM does not stop it cleanly.
//!
//! Run by `benches/soak.sh`; see BENCHMARKS.md.

use std::fmt::Write as _;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context};
use chrono::Utc;
use clap::Parser;
use upsell_sync::sim::scenario::{Scenario, ScenarioSpec, SHOPIFY_SHOP, WOO_SHOP};

#[path = "support/daemon_probe.rs"]
mod probe;

use probe::{metric, metrics};

#[derive(Parser)]
struct Args {
    /// The daemon binary.
    #[arg(long)]
    daemon: PathBuf,
    /// How long to run.
    #[arg(long, default_value_t = 30)]
    minutes: u64,
    /// Orders per second, alternating between the stores.
    #[arg(long, default_value_t = 10)]
    orders_per_second: u32,
    /// Edit orders already in the stores instead of placing new ones.
    #[arg(long)]
    steady: bool,
    /// Seconds between rounds of faults.
    #[arg(long, default_value_t = 30)]
    fault_every: u64,
    /// Seconds between samples.
    #[arg(long, default_value_t = 10)]
    sample_seconds: u64,
    /// Products per store.
    #[arg(long, default_value_t = 500)]
    products: usize,
    /// Orders in each store's history.
    #[arg(long, default_value_t = 6_000)]
    orders: usize,
    /// Where the samples go.
    #[arg(long, default_value = "target/soak/samples.csv")]
    csv: PathBuf,
}

/// One sample of the daemon.
struct Sample {
    seconds: f64,
    rss_mb: f64,
    open_files: usize,
    queue: f64,
    applied: f64,
    errors: f64,
    failures: f64,
    placed: usize,
    /// Orders the daemon counts, both shops.
    orders: f64,
    faults: usize,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let mut scenario = Scenario::start(ScenarioSpec {
        seed: 7,
        products: args.products,
        orders: args.orders,
        streamed: 2_000,
        now: Utc::now(),
    })
    .await?;
    let listen = free_address()?;
    let config = scenario.write_config(dir.path(), listen)?;
    let mut daemon = Reaped(spawn(
        &args.daemon,
        &config,
        &dir.path().join("daemon.log"),
    )?);
    let daemon = &mut daemon.0;
    let base = format!("http://{listen}");
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()?;
    wait_first_push(&http, &base, daemon).await?;
    scenario.subscribe(listen);
    println!("first sync done; soaking for {} min", args.minutes);

    let samples = soak(&args, &mut scenario, &http, &base, daemon).await?;
    let drained = wait_empty_queue(&http, &base).await;
    let stopped = probe::terminate(daemon)?;
    write_csv(&args.csv, &samples)?;
    // The daemon's log (JSON lines) beside the samples: what the errors were.
    let log = args.csv.with_extension("log");
    std::fs::copy(dir.path().join("daemon.log"), &log)?;
    let summary = summarize(&samples, drained, &stopped, args.steady);
    println!(
        "{summary}\nsamples: {}, daemon log: {}",
        args.csv.display(),
        log.display()
    );
    ensure!(drained.is_some(), "the queue did not empty after the run");
    ensure!(stopped.0.success(), "the daemon exited with {}", stopped.0);
    Ok(())
}

/// Places orders, injects faults and samples until the time is up.
async fn soak(
    args: &Args,
    scenario: &mut Scenario,
    http: &reqwest::Client,
    base: &str,
    daemon: &mut Child,
) -> anyhow::Result<Vec<Sample>> {
    let started = Instant::now();
    let end = started + Duration::from_secs(args.minutes * 60);
    let faults = scenario.faults();
    let mut order_tick =
        tokio::time::interval(Duration::from_secs(1) / args.orders_per_second.max(1));
    let mut fault_tick = tokio::time::interval(Duration::from_secs(args.fault_every.max(1)));
    let mut sample_tick = tokio::time::interval(Duration::from_secs(args.sample_seconds.max(1)));
    fault_tick.tick().await;
    let (mut rounds, mut samples) = (0_usize, Vec::new());
    while Instant::now() < end {
        tokio::select! {
            _ = order_tick.tick() => {
                if args.steady {
                    scenario.touch_next_order();
                } else if scenario.place_next_order().is_none() {
                    scenario.place_again();
                }
            }
            _ = fault_tick.tick() => {
                faults.inject(rounds);
                rounds += 1;
            }
            _ = sample_tick.tick() => {
                if let Some(status) = daemon.try_wait()? {
                    bail!("the daemon exited during the soak: {status}");
                }
                let text = metrics(http, base).await.unwrap_or_default();
                let sample = Sample {
                    seconds: started.elapsed().as_secs_f64(),
                    rss_mb: probe::status_mb(daemon.id(), "VmRSS"),
                    open_files: probe::open_files(daemon.id()),
                    queue: metric(&text, "upsell_sync_queue_depth", &[]),
                    applied: metric(&text, "upsell_sync_jobs_applied", &[]),
                    errors: metric(&text, "upsell_sync_errors", &[]),
                    failures: metric(&text, "upsell_sync_failures", &[]),
                    placed: scenario.placed() + scenario.touched(),
                    orders: metric(&text, "upsell_sync_orders", &[]),
                    faults: rounds * 2,
                };
                println!(
                    "{:>6.0} s  rss {:>6.1} MB  files {:>3}  queue {:>5}  applied {:>7}  sent {:>6}  counted {:>6}  faults {:>4}",
                    sample.seconds, sample.rss_mb, sample.open_files, sample.queue,
                    sample.applied, sample.placed, sample.orders, sample.faults
                );
                samples.push(sample);
            }
        }
    }
    Ok(samples)
}

/// The daemon, killed if the run ends early (an error, Ctrl-C of the runner).
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

fn spawn(binary: &Path, config: &Path, log: &Path) -> anyhow::Result<Child> {
    let log = std::fs::File::create(log)?;
    Command::new(binary)
        .arg("run")
        .arg("--config")
        .arg(config)
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))
}

fn free_address() -> anyhow::Result<SocketAddr> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?)
}

/// Waits until both shops have written their lists once (the first full pass is done).
/// Fields, not requests: a Shopify backfill push goes through a bulk operation.
async fn wait_first_push(
    http: &reqwest::Client,
    base: &str,
    daemon: &mut Child,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(600);
    while Instant::now() < deadline {
        if let Some(status) = daemon.try_wait()? {
            bail!("the daemon exited before its first sync: {status}");
        }
        if let Ok(text) = metrics(http, base).await {
            let pushed =
                |shop: &str| metric(&text, "upsell_sync_push_fields", &[("shop", shop)]) > 0.0;
            if pushed(SHOPIFY_SHOP) && pushed(WOO_SHOP) {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    bail!("the first sync did not finish within 10 minutes")
}

/// How long the queue took to empty after the last order, if it did within a minute.
async fn wait_empty_queue(http: &reqwest::Client, base: &str) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        if let Ok(text) = metrics(http, base).await {
            if metric(&text, "upsell_sync_queue_depth", &[]) == 0.0 {
                return Some(started.elapsed());
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    None
}

fn write_csv(path: &Path, samples: &[Sample]) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut out =
        String::from("seconds,rss_mb,open_files,queue_depth,jobs_applied,errors,failures,orders_sent,orders_counted,faults_injected\n");
    for s in samples {
        let _ = writeln!(
            out,
            "{:.0},{:.1},{},{},{},{},{},{},{},{}",
            s.seconds,
            s.rss_mb,
            s.open_files,
            s.queue,
            s.applied,
            s.errors,
            s.failures,
            s.placed,
            s.orders,
            s.faults
        );
    }
    std::fs::write(path, out)?;
    Ok(())
}

/// Memory after warm-up (the first sixth of the run) against the end, the least-squares
/// trend of memory over the second half, open files and the queue.
fn summarize(
    samples: &[Sample],
    drained: Option<Duration>,
    stopped: &(std::process::ExitStatus, Duration),
    steady: bool,
) -> String {
    let Some(last) = samples.last() else {
        return "no samples".to_owned();
    };
    let warm = &samples[samples.len() / 6];
    let second_half = &samples[samples.len() / 2..];
    let max_rss = samples.iter().map(|s| s.rss_mb).fold(0.0, f64::max);
    let files = samples.iter().map(|s| s.open_files);
    let (min_files, max_files) = (files.clone().min().unwrap_or(0), files.max().unwrap_or(0));
    let max_queue = samples.iter().map(|s| s.queue).fold(0.0, f64::max);
    format!(
        "soak: {:.0} min, {} orders {}, {} faults injected, {} jobs applied, {} errors recorded\n\
         orders counted by the daemon: {} after warm-up, {} at the end\n\
         memory: {:.1} MB after warm-up ({:.0} s), {:.1} MB at the end, max {:.1} MB; \
         trend over the second half {:+.2} MB/hour\n\
         open files: {min_files}..{max_files}\n\
         queue: max {max_queue}, {} at the last sample; empty {} after the last order\n\
         SIGTERM: {} in {:.1} s",
        last.seconds / 60.0,
        last.placed,
        if steady { "edited" } else { "placed" },
        last.faults,
        last.applied,
        last.errors,
        warm.orders,
        last.orders,
        warm.rss_mb,
        warm.seconds,
        last.rss_mb,
        max_rss,
        slope_per_hour(second_half),
        last.queue,
        drained.map_or_else(|| "NOT".to_owned(), |d| format!("{:.1} s", d.as_secs_f64())),
        stopped.0,
        stopped.1.as_secs_f64(),
    )
}

/// Least-squares slope of memory against time, in MB per hour.
fn slope_per_hour(samples: &[Sample]) -> f64 {
    let n = samples.len() as f64;
    if n < 2.0 {
        return 0.0;
    }
    let mean_t = samples.iter().map(|s| s.seconds).sum::<f64>() / n;
    let mean_m = samples.iter().map(|s| s.rss_mb).sum::<f64>() / n;
    let (mut num, mut den) = (0.0, 0.0);
    for s in samples {
        num += (s.seconds - mean_t) * (s.rss_mb - mean_m);
        den += (s.seconds - mean_t).powi(2);
    }
    if den == 0.0 {
        0.0
    } else {
        num / den * 3600.0
    }
}
