//! Webhook ingestion benchmark (issue 5): the real daemon (`upsell-sync run`, its own
//! process) against the simulated Shopify and WooCommerce stores (`sim::scenario`, in
//! this process), loaded on loopback with signed webhooks at a fixed rate.
//!
//! 1. Starts the stores, writes the daemon's config, starts the daemon, subscribes the
//!    stores and waits for the first sync (pull, compute, push) of both shops.
//! 2. Open-loop load: delivery `i` is sent at `start + i / rate` whatever happened to
//!    the earlier ones, and its latency counts from that scheduled time, so a stalled
//!    server cannot hide behind requests that were never sent (coordinated omission).
//!    Every delivery is a distinct `orders/create` (or, with `--mix both`, every other
//!    one a WooCommerce `order.created`) with a new order id and event id, whose basket
//!    is copied from an order of the simulated store.
//! 3. Keeping up: `/metrics` is sampled every second for the queue depth, then polled
//!    until the queues are empty; counts are checked from `/metrics` (webhooks
//!    accepted) against what was sent and what the stores themselves delivered (the
//!    echoes of the daemon's own pushes), and from the daemon's log (`webhook jobs
//!    applied`: jobs, applied, ignored) against what was accepted.
//! 4. Order to lists: `--latency-probes` held-back orders are placed one at a time in the
//!    stores, which send the webhook; the time until the daemon's push after that job
//!    ends, and until a list of a product in the order changes on the platform, is
//!    measured.
//! 5. SIGTERM; the daemon's store is opened and every order sent is looked up.
//!
//! Run by `benches/webhooks.sh`; see BENCHMARKS.md.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{ensure, Context};
use chrono::{SecondsFormat, Utc};
use clap::{Parser, ValueEnum};
use serde_json::{json, Value};
use upsell_sync::model::OrderId;
use upsell_sync::platform::webhook_signature::sign;
use upsell_sync::sim::scenario::{Scenario, ScenarioSpec, SHOPIFY_SHOP, WOO_SHOP};
use upsell_sync::sim::shopify::SimOrder;
use upsell_sync::store::Store;

#[path = "support/daemon_probe.rs"]
mod probe;

use probe::{metric, metrics};

/// Numeric ids of the load's orders, far from the simulators' own.
const SHOPIFY_LOAD_BASE: u64 = 9_000_000_000_000;
const WOO_LOAD_BASE: u64 = 900_000_000;

#[derive(Parser)]
struct Args {
    /// Deliveries per second.
    #[arg(long, default_value_t = 1000)]
    rate: u32,
    /// How long the load runs.
    #[arg(long, default_value_t = 60)]
    seconds: u32,
    /// `shopify`: every delivery to the Shopify shop; `both`: every other one a
    /// WooCommerce order.created to the WooCommerce shop.
    #[arg(long, value_enum, default_value_t = Mix::Shopify)]
    mix: Mix,
    /// Single orders placed through the stores after the load, for the order-to-lists
    /// latency (0: none).
    #[arg(long, default_value_t = 20)]
    latency_probes: usize,
    /// Products per simulated store.
    #[arg(long, default_value_t = 500)]
    products: usize,
    /// Orders in each store's history.
    #[arg(long, default_value_t = 6_000)]
    orders: usize,
    /// The daemon binary.
    #[arg(long, default_value = "target/release/upsell-sync")]
    daemon: PathBuf,
    /// Also write every delivery's scheduled time (unix ms), latency (ms) and status here
    /// (CSV).
    #[arg(long)]
    latencies: Option<PathBuf>,
    /// Where the config, the store and `daemon.log` go (emptied first); a temporary
    /// directory by default.
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Mix {
    Shopify,
    Both,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let temp = tempfile::tempdir()?;
    let dir = match &args.data_dir {
        Some(dir) => {
            let _ = std::fs::remove_dir_all(dir);
            std::fs::create_dir_all(dir)?;
            std::fs::canonicalize(dir)?
        }
        None => temp.path().to_path_buf(),
    };
    let mut scenario = Scenario::start(ScenarioSpec {
        seed: 7,
        products: args.products,
        orders: args.orders,
        streamed: args.latency_probes + 10,
        now: Utc::now(),
    })
    .await?;
    let config = scenario.write_config(&dir, "127.0.0.1:0".parse()?)?;
    let started = Instant::now();
    let mut daemon = Daemon::spawn(&args.daemon, &config, &dir.join("daemon.log"))?;
    let base = format!("http://{}", daemon.address(Duration::from_secs(30))?);
    scenario.subscribe(daemon.address(Duration::ZERO)?.parse()?);
    let http = reqwest::Client::builder()
        .no_proxy()
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(10))
        .build()?;
    wait_quiet(&http, &base, &scenario, &daemon).await?;
    println!(
        "daemon pid {} synced both shops in {:.1} s; data in {}",
        daemon.child.id(),
        started.elapsed().as_secs_f64(),
        dir.display()
    );

    let deliveries = Arc::new(build_deliveries(&args, &scenario, &dir)?);
    let before = Counts::read(&http, &base, &scenario).await?;
    let cpu_before = Cpu::read(daemon.child.id());
    let depths = Arc::new(Mutex::new(Vec::new()));
    let depth_task = tokio::spawn(sample_queue(http.clone(), base.clone(), depths.clone()));
    let load = run_load(&http, &base, &deliveries, args.rate).await;
    let cpu_after = Cpu::read(daemon.child.id());
    if let Some(path) = &args.latencies {
        write_latencies(path, &load, args.rate)?;
    }
    let drain = wait_empty_queues(&http, &base).await?;
    depth_task.abort();
    let samples = lock(&depths).clone();
    let (after, log, caught_up) = wait_quiet(&http, &base, &scenario, &daemon).await?;
    let phases = daemon.phase_shares(load.started, load.finished);

    let probes = probe_latency(&mut scenario, &daemon, &http, &base, args.latency_probes).await;
    let rss = probe::status_mb(daemon.child.id(), "VmHWM");
    let (status, shutdown) = probe::terminate(&mut daemon.child)?;
    let status = status.to_string();
    let missing = missing_orders(&dir, &deliveries, &load)?;

    let cpu = cpu_after.percent_since(&cpu_before, (load.finished - load.started).as_secs_f64());
    let summary = Summary {
        args: &args,
        load: &load,
        drain,
        samples: &samples,
        before: &before,
        after: &after,
        log: &log,
        caught_up,
        phases: &phases,
        probes: &probes,
        missing,
        cpu,
        rss,
        shutdown: (status, shutdown),
    };
    println!("{}", summary.render());
    scenario.shopify.stop().await;
    scenario.woo.stop().await;
    ensure!(summary.passed(), "the benchmark's targets were not met");
    Ok(())
}

// ---------------------------------------------------------------- the daemon process

/// `upsell-sync run` as a child process; its JSON log is copied to a file and read for
/// the address, the job counts, the pushes and the phases.
struct Daemon {
    child: Child,
    log: Arc<Mutex<DaemonLog>>,
}

#[derive(Clone, Default)]
struct DaemonLog {
    address: Option<String>,
    /// Per shop, summed over `webhook jobs applied` lines.
    shops: BTreeMap<String, ShopJobs>,
    /// When each `webhook jobs applied`, `pushed` and `phase` line was read.
    events: Vec<(Instant, String, Event)>,
    /// WARN and ERROR lines (the first few) and how many there were.
    problems: Vec<String>,
    problem_count: usize,
}

#[derive(Clone, Copy, Default)]
struct ShopJobs {
    jobs: u64,
    applied: u64,
    ignored: u64,
    batches: u64,
    largest_batch: u64,
    pushes: u64,
}

#[derive(Clone, Debug)]
enum Event {
    Applied,
    Pushed(u64),
    Phase(String),
}

impl Daemon {
    fn spawn(binary: &Path, config: &Path, log_file: &Path) -> anyhow::Result<Self> {
        let mut command = Command::new(binary);
        command
            .arg("run")
            .arg("--config")
            .arg(config)
            .env("RUST_LOG", "info");
        let started = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn();
        let mut child = started.with_context(|| format!("starting {}", binary.display()))?;
        let stderr = child.stderr.take().context("piped stderr")?;
        let mut file = std::fs::File::create(log_file)?;
        let log = Arc::new(Mutex::new(DaemonLog::default()));
        let shared = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let at = Instant::now();
                let _ = writeln!(file, "{line}");
                if let Ok(value) = serde_json::from_str::<Value>(&line) {
                    lock(&shared).read(at, &value, &line);
                }
            }
        });
        Ok(Self { child, log })
    }

    fn log(&self) -> DaemonLog {
        lock(&self.log).clone()
    }

    /// The listening address, once the daemon has logged it.
    fn address(&self, timeout: Duration) -> anyhow::Result<String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(address) = lock(&self.log).address.clone() {
                return Ok(address);
            }
            ensure!(Instant::now() < deadline, "the daemon did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Share of `[from, to]` each shop's pipeline spent in each phase.
    fn phase_shares(&self, from: Instant, to: Instant) -> BTreeMap<String, Vec<(String, f64)>> {
        let log = lock(&self.log);
        let mut shares = BTreeMap::new();
        for shop in [SHOPIFY_SHOP, WOO_SHOP] {
            let mut current = ("idle".to_owned(), from);
            let mut spent: BTreeMap<String, f64> = BTreeMap::new();
            for (at, _, event) in log.events.iter().filter(|(_, s, _)| s == shop) {
                let Event::Phase(phase) = event else { continue };
                if *at <= from {
                    current.0.clone_from(phase);
                } else if *at < to {
                    *spent.entry(current.0.clone()).or_default() += (*at - current.1).as_secs_f64();
                    current = (phase.clone(), *at);
                }
            }
            *spent.entry(current.0).or_default() += (to - current.1).as_secs_f64();
            let total = (to - from).as_secs_f64();
            let list = spent.into_iter().map(|(p, s)| (p, s / total)).collect();
            shares.insert(shop.to_owned(), list);
        }
        shares
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl DaemonLog {
    fn read(&mut self, at: Instant, line: &Value, raw: &str) {
        let fields = &line["fields"];
        let shop = fields["shop"].as_str().unwrap_or_default().to_owned();
        let number = |name: &str| fields[name].as_u64().unwrap_or(0);
        if matches!(line["level"].as_str(), Some("WARN" | "ERROR")) {
            self.problem_count += 1;
            if self.problems.len() < 5 {
                self.problems.push(raw.chars().take(300).collect());
            }
        }
        match fields["message"].as_str().unwrap_or_default() {
            "upsell-sync is running" => self.address = fields["address"].as_str().map(Into::into),
            "webhook jobs applied" => {
                let jobs = self.shops.entry(shop.clone()).or_default();
                jobs.jobs += number("jobs");
                jobs.applied += number("applied");
                jobs.ignored += number("ignored");
                jobs.batches += 1;
                jobs.largest_batch = jobs.largest_batch.max(number("jobs"));
                self.events.push((at, shop, Event::Applied));
            }
            "pushed" => {
                self.shops.entry(shop.clone()).or_default().pushes += 1;
                self.events.push((
                    at,
                    shop,
                    Event::Pushed(number("written") + number("deleted")),
                ));
            }
            "phase" => {
                let phase = fields["phase"].as_str().unwrap_or_default().to_owned();
                self.events.push((at, shop, Event::Phase(phase)));
            }
            _ => {}
        }
    }

    fn total(&self, read: fn(&ShopJobs) -> u64) -> u64 {
        self.shops.values().map(read).sum()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// CPU seconds used so far by the daemon, by this process, and by the whole machine,
/// from `/proc` (clock ticks of 1/100 s, as on every Linux x86-64).
struct Cpu {
    daemon: f64,
    own: f64,
    machine: f64,
}

impl Cpu {
    fn read(daemon: u32) -> Self {
        let process = |pid: u32| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            // utime and stime: the 12th and 13th fields after the command's name.
            let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
            ticks(after_name.split_whitespace().skip(11).take(2))
        };
        // The machine: user nice system idle iowait irq softirq steal, less idle and iowait.
        let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
        let all = stat.lines().next().unwrap_or_default();
        let busy = all.split_whitespace().skip(1).take(8).enumerate();
        Self {
            daemon: process(daemon),
            own: process(std::process::id()),
            machine: ticks(busy.filter(|(i, _)| *i != 3 && *i != 4).map(|(_, v)| v)),
        }
    }

    /// Percent of one core used since `before`, over `seconds`: by the daemon, by this
    /// process, by everything else on the machine.
    fn percent_since(&self, before: &Self, seconds: f64) -> (f64, f64, f64) {
        let pct = |now: f64, then: f64| 100.0 * (now - then) / seconds;
        let (daemon, own) = (pct(self.daemon, before.daemon), pct(self.own, before.own));
        (
            daemon,
            own,
            pct(self.machine, before.machine) - daemon - own,
        )
    }
}

fn ticks<'a>(values: impl Iterator<Item = &'a str>) -> f64 {
    values.filter_map(|v| v.parse::<f64>().ok()).sum::<f64>() / 100.0
}

// ------------------------------------------------------------------------ /metrics

fn queue_depth(text: &str) -> f64 {
    metric(text, "upsell_sync_queue_depth", &[])
}

fn webhooks(text: &str, shop: &str, outcome: &str) -> u64 {
    metric(
        text,
        "upsell_sync_webhooks_total",
        &[("shop", shop), ("outcome", outcome)],
    ) as u64
}

/// The daemon's platform-side counters reported per shop.
const API_COUNTERS: [&str; 4] = [
    "api_requests",
    "api_points_spent",
    "api_throttled",
    "push_fields",
];

/// Deliveries counted by the daemon and sent by the stores, at one moment.
struct Counts {
    /// `(shop, outcome or API counter) → count` from `/metrics`.
    daemon: BTreeMap<(String, String), u64>,
    /// Deliveries the stores sent (answered 2xx for Shopify; sent for WooCommerce).
    store_sent: BTreeMap<&'static str, u64>,
}

impl Counts {
    async fn read(http: &reqwest::Client, base: &str, scenario: &Scenario) -> anyhow::Result<Self> {
        let text = metrics(http, base).await?;
        let mut daemon = BTreeMap::new();
        for shop in [SHOPIFY_SHOP, WOO_SHOP] {
            for outcome in [
                "accepted",
                "duplicate",
                "unauthorized",
                "bad_request",
                "store_error",
            ] {
                daemon.insert(
                    (shop.into(), outcome.into()),
                    webhooks(&text, shop, outcome),
                );
            }
            for name in API_COUNTERS {
                let value = metric(
                    &text,
                    &format!("upsell_sync_{name}_total"),
                    &[("shop", shop)],
                );
                daemon.insert((shop.into(), name.into()), value as u64);
            }
        }
        let store_sent = BTreeMap::from([
            (
                SHOPIFY_SHOP,
                scenario.shopify.state().webhook_counters().delivered,
            ),
            (WOO_SHOP, scenario.woo.state().deliveries_sent()),
        ]);
        Ok(Self { daemon, store_sent })
    }

    fn get(&self, shop: &str, outcome: &str) -> u64 {
        self.daemon
            .get(&(shop.to_owned(), outcome.to_owned()))
            .copied()
            .unwrap_or(0)
    }

    fn accepted(&self) -> u64 {
        [SHOPIFY_SHOP, WOO_SHOP]
            .iter()
            .map(|s| self.get(s, "accepted"))
            .sum()
    }
}

/// Queue depth every second into `samples`, with how long the scrape took.
async fn sample_queue(http: reqwest::Client, base: String, samples: Arc<Mutex<Vec<Sample>>>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        let asked = Instant::now();
        if let Ok(text) = metrics(&http, &base).await {
            let sample = Sample {
                depth: queue_depth(&text),
                scrape: asked.elapsed(),
            };
            lock(&samples).push(sample);
        }
    }
}

#[derive(Clone, Copy)]
struct Sample {
    depth: f64,
    scrape: Duration,
}

/// After the load: how long until both queues are empty.
async fn wait_empty_queues(http: &reqwest::Client, base: &str) -> anyhow::Result<Duration> {
    let started = Instant::now();
    while queue_depth(&metrics(http, base).await?) > 0.0 {
        ensure!(
            started.elapsed() < Duration::from_secs(600),
            "queues not empty after 600 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(started.elapsed())
}

/// Waits until both shops have pushed at least once, every accepted job has been
/// applied and logged, both pipelines are idle (their pushes done) and this lasts a
/// second (the stores' echoes of the last pushes included). Returns the counts and the
/// log then, and how long it took until the quiet began.
async fn wait_quiet(
    http: &reqwest::Client,
    base: &str,
    scenario: &Scenario,
    daemon: &Daemon,
) -> anyhow::Result<(Counts, DaemonLog, Duration)> {
    let started = Instant::now();
    let mut quiet_since: Option<Instant> = None;
    loop {
        ensure!(
            started.elapsed() < Duration::from_secs(600),
            "the daemon was not quiet within 600 s"
        );
        let counts = Counts::read(http, base, scenario).await?;
        let depth = queue_depth(&metrics(http, base).await?);
        let ready = http
            .get(format!("{base}/readyz"))
            .send()
            .await?
            .text()
            .await?;
        let log = daemon.log();
        let quiet = depth == 0.0
            && log.total(|j| j.jobs) == counts.accepted()
            && [SHOPIFY_SHOP, WOO_SHOP].iter().all(|s| {
                ready.contains(&format!("{s}: idle"))
                    && log.shops.get(*s).is_some_and(|j| j.pushes > 0)
            });
        if quiet {
            let since = *quiet_since.get_or_insert_with(Instant::now);
            if since.elapsed() >= Duration::from_secs(1) {
                return Ok((counts, log, since - started));
            }
        } else {
            quiet_since = None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// -------------------------------------------------------------------------- the load

/// One signed delivery, ready to send.
struct Delivery {
    path: String,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    /// The shop and the id the daemon stores the order under.
    shop: &'static str,
    order: OrderId,
}

fn build_deliveries(args: &Args, scenario: &Scenario, dir: &Path) -> anyhow::Result<Vec<Delivery>> {
    let secret = |name: &str| std::fs::read(dir.join("secrets").join(name));
    let (shopify_secret, woo_secret) = (
        secret("shopify-webhook-secret")?,
        secret("woo-webhook-secret")?,
    );
    let shopify_orders: Vec<SimOrder> = scenario
        .shopify
        .state()
        .orders()
        .into_iter()
        .filter(|o| !o.order.lines.is_empty())
        .collect();
    let woo = scenario.woo.state();
    let woo_orders: Vec<Value> = woo
        .orders()
        .iter()
        .filter(|o| !o.lines.is_empty())
        .filter_map(|o| woo.order_json(o.id))
        .collect();
    ensure!(
        !shopify_orders.is_empty() && !woo_orders.is_empty(),
        "the stores have no orders"
    );
    let now = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
    let total = u64::from(args.rate) * u64::from(args.seconds);
    let deliveries = (0..total)
        .map(|i| {
            let pick = usize::try_from(i).unwrap_or(0);
            if args.mix == Mix::Both && i % 2 == 1 {
                woo_delivery(
                    WOO_LOAD_BASE + i,
                    &woo_orders[pick % woo_orders.len()],
                    &woo_secret,
                )
            } else {
                let template = &shopify_orders[pick % shopify_orders.len()];
                shopify_delivery(SHOPIFY_LOAD_BASE + i, template, &now, &shopify_secret)
            }
        })
        .collect();
    Ok(deliveries)
}

/// An `orders/create` delivery of order `n` with `template`'s customer and basket, as
/// Shopify sends it (REST-shaped body, `src/platform/shopify/webhook_payload.rs`).
fn shopify_delivery(n: u64, template: &SimOrder, now: &str, secret: &[u8]) -> Delivery {
    let number = |gid: &str| gid.rsplit('/').next().and_then(|n| n.parse::<u64>().ok());
    let gid = format!("gid://shopify/Order/{n}");
    let lines: Vec<Value> = template
        .order
        .lines
        .iter()
        .map(|l| {
            json!({
                "product_id": number(l.product.as_str()),
                "variant_id": l.variant.as_ref().and_then(|v| number(v.as_str())),
                "quantity": l.quantity,
                "price": l.unit_price.to_string(),
            })
        })
        .collect();
    let customer = template
        .customer_gid
        .as_deref()
        .and_then(|c| Some(json!({"id": number(c)?, "admin_graphql_api_id": c})));
    let body = json!({
        "id": n,
        "admin_graphql_api_id": gid,
        "name": format!("#L{n}"),
        "created_at": now,
        "processed_at": now,
        "cancelled_at": null,
        "test": false,
        "financial_status": "paid",
        "customer": customer,
        "line_items": lines,
    })
    .to_string()
    .into_bytes();
    Delivery {
        path: format!("/webhooks/shopify/{SHOPIFY_SHOP}"),
        headers: vec![
            ("content-type", "application/json".into()),
            ("x-shopify-topic", "orders/create".into()),
            ("x-shopify-hmac-sha256", sign(secret, &body)),
            (
                "x-shopify-shop-domain",
                "simulated-shop.myshopify.com".into(),
            ),
            ("x-shopify-webhook-id", format!("load-webhook-{n}")),
            ("x-shopify-event-id", format!("load-event-{n}")),
        ],
        body,
        shop: SHOPIFY_SHOP,
        order: OrderId::new(gid),
    }
}

/// An `order.created` delivery of order `n`: `template` (the store's REST v3 order)
/// under a new id, completed.
fn woo_delivery(n: u64, template: &Value, secret: &[u8]) -> Delivery {
    let mut order = template.clone();
    order["id"] = json!(n);
    order["number"] = json!(n.to_string());
    order["status"] = json!("completed");
    let body = order.to_string().into_bytes();
    Delivery {
        path: format!("/webhooks/woocommerce/{WOO_SHOP}"),
        headers: vec![
            ("content-type", "application/json".into()),
            ("x-wc-webhook-topic", "order.created".into()),
            ("x-wc-webhook-resource", "order".into()),
            ("x-wc-webhook-event", "created".into()),
            ("x-wc-webhook-signature", sign(secret, &body)),
            ("x-wc-webhook-id", "1".into()),
            ("x-wc-webhook-delivery-id", format!("{n:032x}")),
        ],
        body,
        shop: WOO_SHOP,
        order: OrderId::new(n.to_string()),
    }
}

/// What happened to each delivery.
struct Load {
    started: Instant,
    /// `started` on the system clock, to line deliveries up with the daemon's log.
    started_wall: std::time::SystemTime,
    finished: Instant,
    /// Per delivery: latency from its scheduled time, status (0: no answer), and how
    /// late the generator sent it.
    results: Vec<(Duration, u16, Duration)>,
}

async fn run_load(
    http: &reqwest::Client,
    base: &str,
    deliveries: &Arc<Vec<Delivery>>,
    rate: u32,
) -> Load {
    let count = deliveries.len();
    let started = Instant::now() + Duration::from_millis(100);
    let started_wall = std::time::SystemTime::now() + Duration::from_millis(100);
    let due = |i: usize| started + Duration::from_nanos(i as u64 * 1_000_000_000 / u64::from(rate));
    let mut tasks = Vec::with_capacity(count);
    let mut next = 0;
    while next < count {
        tokio::time::sleep_until(due(next).into()).await;
        let now = Instant::now();
        while next < count && due(next) <= now {
            let (http, deliveries, scheduled) = (http.clone(), deliveries.clone(), due(next));
            let url = format!("{base}{}", deliveries[next].path);
            tasks.push(tokio::spawn(async move {
                let lag = scheduled.elapsed();
                let delivery = &deliveries[next];
                let mut request = http.post(url).body(delivery.body.clone());
                for (name, value) in &delivery.headers {
                    request = request.header(*name, value);
                }
                let status = match request.send().await {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        let _ = response.bytes().await;
                        status
                    }
                    Err(_) => 0,
                };
                (scheduled.elapsed(), status, lag)
            }));
            next += 1;
        }
    }
    let mut results = Vec::with_capacity(count);
    for task in tasks {
        results.push(task.await.unwrap_or((Duration::MAX, 0, Duration::ZERO)));
    }
    Load {
        started,
        started_wall,
        finished: Instant::now(),
        results,
    }
}

fn write_latencies(path: &Path, load: &Load, rate: u32) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "scheduled_unix_ms,latency_ms,status")?;
    let start = load
        .started_wall
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs_f64()
        * 1000.0;
    for (i, (latency, status, _)) in load.results.iter().enumerate() {
        let scheduled = start + i as f64 * 1000.0 / f64::from(rate);
        writeln!(
            out,
            "{scheduled:.3},{:.3},{status}",
            latency.as_secs_f64() * 1000.0
        )?;
    }
    Ok(out.flush()?)
}

/// The orders answered 200 that the daemon's store does not hold (the daemon stopped).
fn missing_orders(dir: &Path, deliveries: &[Delivery], load: &Load) -> anyhow::Result<Vec<String>> {
    let store = Store::open(&dir.join("store"))?;
    let shops = [
        (SHOPIFY_SHOP, store.shop(SHOPIFY_SHOP)?),
        (WOO_SHOP, store.shop(WOO_SHOP)?),
    ];
    let mut missing = Vec::new();
    for (delivery, (_, status, _)) in deliveries.iter().zip(&load.results) {
        let shop = &shops
            .iter()
            .find(|(name, _)| *name == delivery.shop)
            .context("shop")?
            .1;
        if *status == 200 && shop.get_order(&delivery.order)?.is_none() {
            missing.push(delivery.order.to_string());
        }
    }
    Ok(missing)
}

// ------------------------------------------------------------- order-to-lists probes

/// One placed order: from placing it, until the daemon logged the job batch, until its
/// push after that batch ended, and until the platform first showed a changed list
/// (`None`: none changed).
struct Probe {
    shop: &'static str,
    applied: Option<Duration>,
    pushed: Option<Duration>,
    visible: Option<Duration>,
    /// Fields that push wrote or deleted.
    written: u64,
}

async fn probe_latency(
    scenario: &mut Scenario,
    daemon: &Daemon,
    http: &reqwest::Client,
    base: &str,
    count: usize,
) -> Vec<Probe> {
    let mut probes = Vec::new();
    for _ in 0..count {
        let shopify_turn = scenario.placed() % 2 == 0;
        let before = platform_lists(scenario, shopify_turn);
        let placed = Instant::now();
        let Some(shop) = scenario.place_next_order() else {
            break;
        };
        let mut probe = Probe {
            shop,
            applied: None,
            pushed: None,
            visible: None,
            written: 0,
        };
        while placed.elapsed() < Duration::from_secs(15) {
            if probe.visible.is_none() && platform_lists(scenario, shopify_turn) != before {
                probe.visible = Some(placed.elapsed());
            }
            {
                let log = lock(&daemon.log);
                let mut ours = log
                    .events
                    .iter()
                    .filter(|(at, s, _)| *at > placed && s == shop);
                let applied = ours.find(|(_, _, e)| matches!(e, Event::Applied));
                let pushed = ours.find(|(_, _, e)| matches!(e, Event::Pushed(_)));
                probe.applied = applied.map(|(at, _, _)| *at - placed);
                probe.pushed = pushed.map(|(at, _, _)| *at - placed);
                if let Some((_, _, Event::Pushed(written))) = pushed {
                    probe.written = *written;
                }
            }
            let settled = probe
                .pushed
                .is_some_and(|p| placed.elapsed() > p + Duration::from_secs(1));
            if probe.pushed.is_some() && (probe.visible.is_some() || settled) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        probes.push(probe);
        // The stores' echoes of this push pass before the next order.
        let _ = wait_quiet(http, base, scenario, daemon).await;
    }
    probes
}

/// What the platform holds as lists, per product id: the Shopify metafields, or
/// WooCommerce's upsell and cross-sell ids and meta rows.
fn platform_lists(scenario: &Scenario, shopify: bool) -> BTreeMap<String, String> {
    if shopify {
        let state = scenario.shopify.state();
        state
            .products()
            .into_iter()
            .map(|p| {
                let fields: Vec<(String, String, String)> = state
                    .metafields(&p.gid)
                    .into_iter()
                    .map(|m| (m.namespace, m.key, m.value))
                    .collect();
                (p.gid, format!("{fields:?}"))
            })
            .collect()
    } else {
        scenario
            .woo
            .state()
            .products()
            .into_iter()
            .map(|p| {
                let meta: Vec<(&String, String)> = p
                    .meta
                    .iter()
                    .map(|m| (&m.key, m.value.to_string()))
                    .collect();
                let lists = format!("{:?} {:?} {meta:?}", p.upsell_ids, p.cross_sell_ids);
                (p.id.to_string(), lists)
            })
            .collect()
    }
}

// -------------------------------------------------------------------------- summary

struct Summary<'a> {
    args: &'a Args,
    load: &'a Load,
    drain: Duration,
    caught_up: Duration,
    samples: &'a [Sample],
    before: &'a Counts,
    after: &'a Counts,
    log: &'a DaemonLog,
    phases: &'a BTreeMap<String, Vec<(String, f64)>>,
    probes: &'a [Probe],
    missing: Vec<String>,
    cpu: (f64, f64, f64),
    rss: f64,
    shutdown: (String, Duration),
}

/// The `q` quantile of sorted `values`.
fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

impl Summary<'_> {
    fn latencies(&self) -> Vec<Duration> {
        let mut all: Vec<Duration> = self.load.results.iter().map(|r| r.0).collect();
        all.sort_unstable();
        all
    }

    fn ok(&self) -> usize {
        self.load.results.iter().filter(|r| r.1 == 200).count()
    }

    /// Per shop: accepted during the window, and what it should be (load answered
    /// 200 + store deliveries).
    fn accounting(&self, shop: &'static str) -> (u64, u64, u64) {
        let delta = |outcome: &str| self.after.get(shop, outcome) - self.before.get(shop, outcome);
        let sent_ok = self
            .load
            .results
            .iter()
            .zip(self.load_shops())
            .filter(|((_, status, _), s)| *status == 200 && *s == shop)
            .count() as u64;
        let store = self.after.store_sent[shop] - self.before.store_sent[shop];
        (delta("accepted") + delta("duplicate"), sent_ok, store)
    }

    fn load_shops(&self) -> impl Iterator<Item = &'static str> + '_ {
        let both = self.args.mix == Mix::Both;
        (0..self.load.results.len()).map(move |i| {
            if both && i % 2 == 1 {
                WOO_SHOP
            } else {
                SHOPIFY_SHOP
            }
        })
    }

    fn passed(&self) -> bool {
        let sorted = self.latencies();
        let accounted = [SHOPIFY_SHOP, WOO_SHOP].into_iter().all(|s| {
            let (accepted, sent, store) = self.accounting(s);
            accepted == sent + store
        });
        self.ok() == self.load.results.len()
            && quantile(&sorted, 0.99) < Duration::from_millis(20)
            && self.missing.is_empty()
            && accounted
            && self.log.total(|j| j.jobs) == self.after.accepted()
            && self.log.total(|j| j.applied + j.ignored) == self.log.total(|j| j.jobs)
            && self
                .probes
                .iter()
                .all(|p| p.pushed.is_some_and(|d| d < Duration::from_secs(10)))
    }

    fn render(&self) -> String {
        let mut out = String::new();
        self.render_load(&mut out);
        self.render_keeping_up(&mut out);
        self.render_probes(&mut out);
        let _ = write!(
            out,
            "targets (all 200, p99 < 20 ms, none lost, order -> lists < 10 s): {}",
            if self.passed() { "met" } else { "NOT MET" }
        );
        out
    }

    /// What the load generator saw.
    fn render_load(&self, out: &mut String) {
        let sorted = self.latencies();
        let n = self.load.results.len();
        let span = (self.load.finished - self.load.started).as_secs_f64();
        let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
        for (_, status, _) in &self.load.results {
            *statuses.entry(*status).or_default() += 1;
        }
        let mut lags: Vec<Duration> = self.load.results.iter().map(|r| r.2).collect();
        lags.sort_unstable();
        let mix = if self.args.mix == Mix::Both {
            "Shopify and WooCommerce alternating"
        } else {
            "all Shopify"
        };
        let _ = writeln!(
            out,
            "\n== webhook load: {} /s for {} s ({mix}), {} products / {} orders per store ==",
            self.args.rate, self.args.seconds, self.args.products, self.args.orders
        );
        let _ = writeln!(
            out,
            "sent {n} in {span:.2} s (achieved {:.1} /s); answers by status: {statuses:?}",
            n as f64 / span
        );
        let _ = writeln!(
            out,
            "latency from scheduled send: p50 {}  p99 {}  p99.9 {}  max {}",
            ms(quantile(&sorted, 0.5)),
            ms(quantile(&sorted, 0.99)),
            ms(quantile(&sorted, 0.999)),
            ms(quantile(&sorted, 1.0))
        );
        let _ = writeln!(
            out,
            "generator lateness: p99 {}  max {}",
            ms(quantile(&lags, 0.99)),
            ms(quantile(&lags, 1.0))
        );
        let depths: Vec<String> = self
            .samples
            .iter()
            .map(|s| format!("{:.0}", s.depth))
            .collect();
        let peak = self.samples.iter().map(|s| s.depth).fold(0.0, f64::max);
        let slowest = self.samples.iter().max_by_key(|s| s.scrape);
        let _ = writeln!(
            out,
            "queue depth, sampled every second: max {peak:.0}; slowest /metrics scrape {} (at depth {:.0}); [{}]",
            ms(slowest.map_or(Duration::ZERO, |s| s.scrape)),
            slowest.map_or(0.0, |s| s.depth),
            depths.join(" ")
        );
    }

    /// How the daemon kept up, and whether every delivery is accounted for.
    fn render_keeping_up(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "queues empty {} after the last answer; every job applied and both pipelines idle (pushes done) {} after it",
            ms(self.drain),
            ms(self.drain + self.caught_up)
        );
        let _ = writeln!(out, "CPU during the load (% of one core, 2 cores): daemon {:.0} %, this process (generator + stores) {:.0} %, anything else {:.0} %; daemon peak RSS {:.0} MB",
            self.cpu.0, self.cpu.1, self.cpu.2, self.rss);
        for shop in [SHOPIFY_SHOP, WOO_SHOP] {
            let api: Vec<String> = API_COUNTERS
                .iter()
                .map(|name| {
                    format!(
                        "{name} {}",
                        self.after.get(shop, name) - self.before.get(shop, name)
                    )
                })
                .collect();
            let _ = writeln!(
                out,
                "{shop} platform calls from the load's start until quiet: {}",
                api.join(", ")
            );
        }
        for (shop, shares) in self.phases {
            let list: Vec<String> = shares
                .iter()
                .map(|(p, s)| format!("{p} {:.0} %", s * 100.0))
                .collect();
            let _ = writeln!(out, "{shop} pipeline during the load: {}", list.join(", "));
        }
        for shop in [SHOPIFY_SHOP, WOO_SHOP] {
            let (accepted, sent, store) = self.accounting(shop);
            let verdict = if accepted == sent + store {
                "ok"
            } else {
                "MISMATCH"
            };
            let jobs = self.log.shops.get(shop).copied().unwrap_or_default();
            let _ = writeln!(out, "{shop}: accepted since start {}; during the load accepted+duplicate {accepted} = load answered 200 {sent} + store deliveries {store}: {verdict}; \
                jobs {} in {} batches (largest {}), applied {}, ignored {}, pushes {}",
                self.after.get(shop, "accepted"), jobs.jobs, jobs.batches, jobs.largest_batch, jobs.applied, jobs.ignored, jobs.pushes);
        }
        let (jobs, accepted) = (self.log.total(|j| j.jobs), self.after.accepted());
        let (applied, ignored) = (self.log.total(|j| j.applied), self.log.total(|j| j.ignored));
        let _ = writeln!(out, "since start: accepted {accepted}, jobs taken by the workers {jobs}, applied {applied} + ignored {ignored} = {}: {}",
            applied + ignored, if jobs == accepted && applied + ignored == jobs { "none lost" } else { "LOST OR UNCOUNTED JOBS" });
        let _ = writeln!(
            out,
            "after SIGTERM ({}, {}): orders answered 200 missing from the store: {}{}",
            self.shutdown.0,
            ms(self.shutdown.1),
            self.missing.len(),
            self.missing
                .first()
                .map(|m| format!(" (first: {m})"))
                .unwrap_or_default()
        );
    }

    /// The order-to-lists probes, and what the daemon logged as a problem.
    fn render_probes(&self, out: &mut String) {
        for shop in [SHOPIFY_SHOP, WOO_SHOP] {
            let of_shop: Vec<&Probe> = self.probes.iter().filter(|p| p.shop == shop).collect();
            if of_shop.is_empty() {
                continue;
            }
            let stats = |read: fn(&Probe) -> Option<Duration>| {
                let mut got: Vec<Duration> = of_shop.iter().filter_map(|p| read(p)).collect();
                got.sort_unstable();
                format!(
                    "{}/{} seen, median {}, max {}",
                    got.len(),
                    of_shop.len(),
                    ms(quantile(&got, 0.5)),
                    ms(quantile(&got, 1.0))
                )
            };
            let written: Vec<String> = of_shop.iter().map(|p| p.written.to_string()).collect();
            let _ = writeln!(out, "order -> lists, {shop}: job applied {}; push done {} (fields written per push: {}); a list on the platform changed {}",
                stats(|p| p.applied), stats(|p| p.pushed), written.join(" "), stats(|p| p.visible));
        }
        let _ = writeln!(out, "daemon WARN/ERROR lines: {}", self.log.problem_count);
        for line in &self.log.problems {
            let _ = writeln!(out, "  {line}");
        }
    }
}
