//! Storage faults (issue 7, point 5), with the built binary:
//! - disk full on write: `sync` and `run` under a file size limit (`RLIMIT_FSIZE`, with
//!   SIGXFSZ ignored, so a write past it fails with EFBIG as on a full disk; no mount
//!   rights needed) fail with a clear error, no panic, and leave a store that opens
//!   with everything synced before intact; without the limit the next `sync`
//!   completes, and the running daemon, its limit lifted, reopens its store by itself
//!   and finishes the pass (sled refuses every write after a failed one until reopened);
//! - a store written by a newer format version is refused by `run`, `sync` and `show`
//!   with its version and path, and every tree left as it was (not the files' bytes:
//!   sled rewrites its snapshot file whenever the database is opened).

#[allow(dead_code)] // this test uses part of the shared daemon process
#[path = "support/daemon.rs"]
mod daemon_process;

use std::collections::BTreeMap;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use daemon_process::DaemonProcess;
use upsell_sync::model::{LineItem, Money, Order, OrderFlags, OrderId, ProductId};
use upsell_sync::sim::shopify::{Fault, SimConfig, SimShopify};
use upsell_sync::store::Store;

const TOKEN: &str = "shpat_storage_fault_test";
const SHOP: &str = "sim";

/// A Shopify sim, a config for it and the data directory.
struct Rig {
    sim: SimShopify,
    dir: tempfile::TempDir,
    /// The daemon's listen address.
    listen: std::net::SocketAddr,
}

impl Rig {
    async fn start() -> Self {
        let sim = SimShopify::start(
            SimConfig::default()
                .with_generated(9, 60, 300)
                .with_bucket(20_000.0, 1_000.0)
                .with_token(TOKEN),
        )
        .await
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let listen = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let config = format!(
            "[daemon]\ndata_dir = \"{data}\"\nlisten = \"{listen}\"\nlog_format = \"json\"\n\n\
             [[shops]]\nname = \"{SHOP}\"\nplatform = \"shopify\"\n\
             shop_domain = \"simulated-shop.myshopify.com\"\nadmin_url = \"{url}\"\n\
             access_token = {{ env = \"FAULT_TEST_TOKEN\" }}\n",
            data = dir.path().join("data").display(),
            url = sim.base_url()
        );
        std::fs::write(dir.path().join("config.toml"), config).unwrap();
        Self { sim, dir, listen }
    }

    fn store_path(&self) -> PathBuf {
        self.dir.path().join("data").join("store")
    }

    /// The command for `args`, with the config and the token.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_upsell-sync"));
        command
            .args(args)
            .args(["--config", "config.toml"])
            .current_dir(self.dir.path())
            .env("RUST_LOG", "info")
            .env("FAULT_TEST_TOKEN", TOKEN);
        command
    }

    /// Runs `args` to the end, off the async runtime (the sim runs on it).
    async fn run(&self, args: &[&str], file_size_limit: Option<u64>) -> Output {
        let mut command = self.command(args);
        if let Some(limit) = file_size_limit {
            limit_file_size(&mut command, limit);
        }
        tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap()
    }

    /// Adds `count` orders of two lines each to the sim, placed now.
    fn add_orders(&self, count: usize) {
        let state = self.sim.state();
        let products = state.products();
        for k in 0..count {
            let line = |p: &upsell_sync::sim::shopify::SimProduct| LineItem {
                product: ProductId::new(p.gid.clone()),
                variant: p.product.variants.first().map(|v| v.id.clone()),
                quantity: 1,
                unit_price: Money::parse("12.50").unwrap(),
            };
            let order = Order {
                id: OrderId::new(format!("late-{k}")),
                created_at: state.now() - chrono::Duration::minutes(1),
                customer: None,
                flags: OrderFlags::default(),
                lines: vec![
                    line(&products[k % products.len()]),
                    line(&products[(k * 7 + 3) % products.len()]),
                ],
            };
            let _ = state.add_order(&order);
        }
    }
}

/// Makes the child's writes past `limit` bytes of any file fail with EFBIG (as on a full
/// disk) instead of killing it with SIGXFSZ.
fn limit_file_size(command: &mut Command, limit: u64) {
    ignore_file_size_signal(command);
    // SAFETY: between fork and exec only `setrlimit`, which is async-signal-safe, is
    // called, on a value owned by the closure.
    unsafe {
        command.pre_exec(move || {
            let rlimit = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &raw const rlimit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Has the child ignore SIGXFSZ (kept across exec), so a file size limit (set before the
/// exec, or later with [`set_file_size_limit`]) fails its writes with EFBIG instead of
/// killing it.
fn ignore_file_size_signal(command: &mut Command) {
    // SAFETY: between fork and exec only `signal`, which is async-signal-safe, is called.
    unsafe {
        command.pre_exec(|| {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            Ok(())
        });
    }
}

/// Sets the running process `pid`'s soft file size limit, keeping its hard limit, so it
/// can be lifted again without privileges.
fn set_file_size_limit(pid: u32, limit: u64) {
    let pid = libc::pid_t::try_from(pid).unwrap();
    let mut rlimit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: reads the current limits into a valid rlimit, setting nothing.
    let read = unsafe { libc::prlimit(pid, libc::RLIMIT_FSIZE, std::ptr::null(), &raw mut rlimit) };
    assert_eq!(read, 0, "prlimit: {}", std::io::Error::last_os_error());
    rlimit.rlim_cur = limit.min(rlimit.rlim_max);
    // SAFETY: sets from a valid rlimit, asking for no old value.
    let set = unsafe {
        libc::prlimit(
            pid,
            libc::RLIMIT_FSIZE,
            &raw const rlimit,
            std::ptr::null_mut(),
        )
    };
    assert_eq!(set, 0, "prlimit: {}", std::io::Error::last_os_error());
}

/// Standard output and standard error as text.
fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The size of the largest file in the store: a limit at it lets nothing grow.
fn largest_file(dir: &Path) -> u64 {
    files(dir)
        .keys()
        .map(|p| std::fs::metadata(p).unwrap().len())
        .max()
        .unwrap()
}

/// Every file under `dir` with its bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut found = BTreeMap::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.insert(path.clone(), std::fs::read(&path).unwrap());
            }
        }
    }
    found
}

/// A tree's keys and values, in order.
type Entries = Vec<(Vec<u8>, Vec<u8>)>;

/// Every tree's name with its entries, in order.
fn every_entry(db: &sled::Db) -> Vec<(Vec<u8>, Entries)> {
    db.tree_names()
        .into_iter()
        .map(|name| {
            let tree = db.open_tree(&name).unwrap();
            let entries = tree
                .iter()
                .map(|e| {
                    let (k, v) = e.unwrap();
                    (k.to_vec(), v.to_vec())
                })
                .collect();
            (name.to_vec(), entries)
        })
        .collect()
}

/// The ids of the stored orders, every order read back in full (a damaged one fails).
fn stored_orders(path: &Path) -> Vec<OrderId> {
    let store = Store::open(path).unwrap();
    let shop = store.shop(SHOP).unwrap();
    shop.orders().map(|order| order.unwrap().id).collect()
}

/// Asserts a failure that says the store could not be written for want of space, and
/// no panic.
fn assert_clear_space_error(what: &str, output: &str) {
    assert!(
        !output.contains("panicked") && !output.contains("RUST_BACKTRACE"),
        "{what} panicked:\n{output}"
    );
    assert!(
        output.contains("store could not be written") && output.contains("no space left"),
        "{what}: no clear disk-full error:\n{output}"
    );
}

#[test]
fn sync_on_a_full_disk_fails_clearly_keeps_what_was_stored_and_resumes_with_space() {
    runtime().block_on(async {
        let rig = Rig::start().await;
        let first = rig.run(&["sync"], None).await;
        assert!(first.status.success(), "{}", text(&first).1);
        let before = stored_orders(&rig.store_path());
        assert_eq!(before.len(), 300);

        rig.add_orders(3000);
        let limit = largest_file(&rig.store_path());
        let full = rig.run(&["sync"], Some(limit)).await;
        let (stdout, stderr) = text(&full);
        assert!(
            !full.status.success(),
            "sync succeeded on a full disk:\n{stdout}"
        );
        assert_clear_space_error("sync", &stderr);

        let after = stored_orders(&rig.store_path());
        let kept = before.iter().filter(|id| after.contains(id)).count();
        assert_eq!(kept, before.len(), "orders synced before were lost");

        let again = rig.run(&["sync"], None).await;
        let (stdout, stderr) = text(&again);
        assert!(again.status.success(), "{stderr}");
        assert!(
            stdout.contains("orders: Shopify 3300 / store 3300 (match)"),
            "{stdout}"
        );
        assert_eq!(stored_orders(&rig.store_path()).len(), 3300);
    });
}

#[test]
fn the_daemon_on_a_full_disk_reports_it_without_panicking_and_resumes_with_space() {
    runtime().block_on(async {
        let rig = Rig::start().await;
        let first = rig.run(&["sync"], None).await;
        assert!(first.status.success(), "{}", text(&first).1);
        rig.add_orders(3000);
        // The first pass fails at once (a 400 is not retried), so the limit is set on a
        // daemon whose store is open and whose retry pass, 4-5 s later, meets it. A limit
        // set before the start would sometimes stop the store's own opening instead.
        rig.sim.state().push_fault(Fault::Status(400));

        let mut command = rig.command(&["run"]);
        ignore_file_size_signal(&mut command);
        let mut daemon = DaemonProcess::from_command(command);
        let within = Duration::from_secs(60);

        let failed = daemon.wait_for(&["pass failed"], within);
        assert!(failed.is_some(), "no failed pass:\n{}", daemon.log_text());
        set_file_size_limit(daemon.pid(), largest_file(&rig.store_path()));
        let full = daemon.wait_for(&["store could not be written"], within);
        let log = daemon.log_text();
        assert!(full.is_some(), "no disk-full error:\n{log}");
        assert_clear_space_error("run", &log);
        assert!(daemon.is_running(), "the daemon exited:\n{log}");

        set_file_size_limit(daemon.pid(), libc::RLIM_INFINITY);
        if let Err(metrics) = wait_for_orders(&rig, 3300, Duration::from_secs(90)).await {
            panic!(
                "the daemon did not count 3300 orders once space returned:\n{metrics}\n{}",
                daemon.log_text()
            );
        }
        assert!(
            daemon.is_running(),
            "the daemon exited:\n{}",
            daemon.log_text()
        );
        drop(daemon);

        wait_unlocked(&rig.store_path());
        assert_eq!(stored_orders(&rig.store_path()).len(), 3300);
    });
}

/// Polls the daemon's metrics until it counts `orders` orders with no failure; returns
/// the last metrics read, as an error if that took longer than `within`.
async fn wait_for_orders(rig: &Rig, orders: u32, within: Duration) -> Result<String, String> {
    let started = Instant::now();
    loop {
        // While the daemon starts again nothing listens: that reads as not yet.
        let metrics = match reqwest::get(format!("http://{}/metrics", rig.listen)).await {
            Ok(answer) => answer.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        let value = |name: &str| {
            metrics
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.rsplit(' ').next())
                .and_then(|v| v.parse::<f64>().ok())
        };
        if value("upsell_sync_orders{") == Some(f64::from(orders))
            && value("upsell_sync_failures{") == Some(0.0)
        {
            return Ok(metrics);
        }
        if started.elapsed() > within {
            return Err(metrics);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Waits for a killed process's lock on the store to go.
fn wait_unlocked(path: &Path) {
    let started = Instant::now();
    while let Err(e) = Store::open(path) {
        assert!(started.elapsed() < Duration::from_secs(10), "{e}");
    }
}

#[test]
fn a_store_of_a_newer_format_is_refused_by_every_command_and_left_unchanged() {
    runtime().block_on(async {
        let rig = Rig::start().await;
        let first = rig.run(&["sync"], None).await;
        assert!(first.status.success(), "{}", text(&first).1);
        let before = {
            let db = sled::open(rig.store_path()).unwrap();
            db.open_tree("meta")
                .unwrap()
                .insert("format_version", &99_u32.to_be_bytes())
                .unwrap();
            db.flush().unwrap();
            every_entry(&db)
        };

        for args in [
            &["run"][..],
            &["sync"],
            &["show", "--shop", SHOP, "anything"],
        ] {
            let out = rig.run(args, None).await;
            let (stdout, stderr) = text(&out);
            assert!(!out.status.success(), "{args:?} accepted it:\n{stdout}");
            assert!(
                stderr.contains("format version 99")
                    && stderr.contains(&rig.store_path().display().to_string()),
                "{args:?}: {stderr}"
            );
            assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
            // sled rewrites its snapshot file on every open, so the bytes of the files
            // change whoever opens them; what the store holds must not.
            let db = sled::open(rig.store_path()).unwrap();
            assert!(every_entry(&db) == before, "{args:?} changed the store");
            drop(db);
        }
    });
}
