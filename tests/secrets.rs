//! Secrets and access (issue 7, point 3). Every secret gets a known, distinctive value,
//! some through the environment and some through files, as the config allows; then
//! every command runs (and fails on purpose: a wrong token, an unreachable shop, a
//! missing variable), and the daemon runs with trace logging in JSON while its admin
//! pages, JSON API, metrics, health and webhook endpoints are called (bad signatures
//! too). No secret, nor its base64 or hex form, may show in anything collected: stdout,
//! stderr, every HTTP status line, header and body, and the bytes of every file in the
//! data directory. The admin token included: only requests carry it (the `demo`
//! command prints its admin URL with the token by design, and is not run here).
//!
//! Also: the admin listener is on loopback by default, and `run` warns loudly, naming
//! TLS and the reverse proxy, when it is bound elsewhere.

#[path = "support/files.rs"]
mod files;

use std::fmt::Write as _;
use std::io::Read as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use files::files_under;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use upsell_sync::config::Config;
use upsell_sync::platform::webhook_signature::sign;
use upsell_sync::sim::shopify::{SimConfig, SimShopify};
use upsell_sync::sim::woocommerce::{SimWoo, SimWooConfig};

const SHOPIFY_TOKEN: &str = "shpat_S3CRET_shopify_token_4f9d1c";
const SHOPIFY_WEBHOOK: &str = "S3CRET_shopify_webhook_8a2e77";
const WOO_KEY: &str = "ck_S3CRET_woo_key_0b5c3e91";
const WOO_SECRET: &str = "cs_S3CRET_woo_secret_d71a28";
const WOO_WEBHOOK: &str = "S3CRET_woo_webhook_93f0aa";
const ADMIN_TOKEN: &str = "S3CRET_admin_token_5e61bd";
/// A wrong Shopify token, given on purpose: no less secret.
const WRONG_TOKEN: &str = "shpat_S3CRET_wrong_token_c0ffee";

const SHOPIFY_SHOP: &str = "secret-shopify";
const WOO_SHOP: &str = "secret-woo";

/// The secrets' environment: the Shopify token and both WooCommerce secrets but the key
/// (which comes from a file, as do the Shopify webhook secret and the admin token).
const ENV: [(&str, &str); 3] = [
    ("TEST_SHOPIFY_TOKEN", SHOPIFY_TOKEN),
    ("TEST_WOO_SECRET", WOO_SECRET),
    ("TEST_WOO_WEBHOOK", WOO_WEBHOOK),
];

/// Every form a secret could leak in.
fn needles() -> Vec<String> {
    let secrets = [
        SHOPIFY_TOKEN,
        SHOPIFY_WEBHOOK,
        WOO_KEY,
        WOO_SECRET,
        WOO_WEBHOOK,
        ADMIN_TOKEN,
        WRONG_TOKEN,
    ];
    let mut forms = Vec::new();
    for secret in secrets {
        forms.push(secret.to_owned());
        forms.push(STANDARD.encode(secret));
        forms.push(URL_SAFE_NO_PAD.encode(secret));
        forms.push(hex::encode(secret));
        forms.push(hex::encode_upper(secret));
    }
    // HTTP Basic of the WooCommerce key pair.
    forms.push(STANDARD.encode(format!("{WOO_KEY}:{WOO_SECRET}")));
    forms
}

/// Everything collected, each with where it came from.
#[derive(Default)]
struct Collected(Vec<(String, Vec<u8>)>);

impl Collected {
    fn add(&mut self, label: impl Into<String>, bytes: impl Into<Vec<u8>>) {
        self.0.push((label.into(), bytes.into()));
    }

    fn output(&mut self, label: &str, output: &Output) {
        self.add(format!("{label}: stdout"), output.stdout.clone());
        self.add(format!("{label}: stderr"), output.stderr.clone());
    }

    /// Which needles appear where.
    fn leaks(&self) -> Vec<String> {
        let needles = needles();
        let mut found = Vec::new();
        for (label, bytes) in &self.0 {
            for needle in &needles {
                let n = needle.as_bytes();
                if bytes.windows(n.len()).any(|w| w == n) {
                    found.push(format!("{needle} in {label}"));
                }
            }
        }
        found
    }
}

/// Both sims, the config and its secret files in a temporary directory.
struct Rig {
    shopify: SimShopify,
    woo: SimWoo,
    dir: tempfile::TempDir,
    listen: SocketAddr,
}

impl Rig {
    async fn start() -> Self {
        let shopify = SimShopify::start(
            SimConfig::default()
                .with_generated(3, 40, 200)
                .with_bucket(20_000.0, 1_000.0)
                .with_token(SHOPIFY_TOKEN),
        )
        .await
        .unwrap();
        let woo = SimWoo::start(
            SimWooConfig::default()
                .with_generated(4, 40, 200)
                .with_keys(WOO_KEY, WOO_SECRET),
        )
        .await
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let listen = free_address();
        let rig = Self {
            shopify,
            woo,
            dir,
            listen,
        };
        let secrets = rig.dir.path().join("secrets");
        std::fs::create_dir(&secrets).unwrap();
        for (name, value) in [
            ("admin", ADMIN_TOKEN),
            ("shopify-webhook", SHOPIFY_WEBHOOK),
            ("woo-key", WOO_KEY),
        ] {
            std::fs::write(secrets.join(name), value).unwrap();
        }
        rig.write_config(
            "config.toml",
            rig.shopify.base_url(),
            rig.woo.base_url(),
            listen,
        );
        let nowhere = "http://127.0.0.1:9";
        rig.write_config("unreachable.toml", nowhere, nowhere, listen);
        rig
    }

    fn write_config(&self, name: &str, shopify: &str, woo: &str, listen: SocketAddr) {
        let secret = |name: &str| self.dir.path().join("secrets").join(name);
        let config = format!(
            "[daemon]\ndata_dir = {data:?}\nlisten = \"{listen}\"\nlog_format = \"json\"\n\
             admin_token = {{ file = {admin:?} }}\n\n\
             [[shops]]\nname = \"{SHOPIFY_SHOP}\"\nplatform = \"shopify\"\n\
             shop_domain = \"simulated-shop.myshopify.com\"\nadmin_url = \"{shopify}\"\n\
             access_token = {{ env = \"TEST_SHOPIFY_TOKEN\" }}\n\
             webhook_secret = {{ file = {hook:?} }}\n\n\
             [[shops]]\nname = \"{WOO_SHOP}\"\nplatform = \"woocommerce\"\nbase_url = \"{woo}\"\n\
             consumer_key = {{ file = {key:?} }}\n\
             consumer_secret = {{ env = \"TEST_WOO_SECRET\" }}\n\
             webhook_secret = {{ env = \"TEST_WOO_WEBHOOK\" }}\n\
             requests_per_second = 100.0\nburst = 20\n",
            data = self.data_dir().display().to_string(),
            admin = secret("admin").display().to_string(),
            hook = secret("shopify-webhook").display().to_string(),
            key = secret("woo-key").display().to_string(),
        );
        std::fs::write(self.dir.path().join(name), config).unwrap();
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// `upsell-sync ARGS` in the rig's directory with the secrets' environment, trace
    /// logging, and `env` on top.
    fn command(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_upsell-sync"));
        command
            .args(args)
            .current_dir(self.dir.path())
            .env("RUST_LOG", "trace")
            .envs(ENV)
            .envs(env.iter().copied());
        command
    }

    /// Runs a command to its end off the async runtime; collects its output.
    async fn run(&self, collected: &mut Collected, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut command = self.command(args, env);
        let output = tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap();
        collected.output(&args.join(" "), &output);
        output
    }
}

fn free_address() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// An order-lines CSV for `import` and `evaluate`.
fn write_orders_csv(path: &Path) {
    let mut csv = String::from(
        "invoice,stock_code,description,quantity,invoice_date,unit_price,customer_id,country\n",
    );
    for invoice in 0..60 {
        for item in [invoice % 7, (invoice * 3 + 1) % 7] {
            let _ = writeln!(
                csv,
                "{},{},Item {item},1,2011-{:02}-01 10:00,2.50,{},UK",
                536_000 + invoice,
                85_000 + item,
                1 + invoice % 12,
                17_000 + invoice % 9
            );
        }
    }
    std::fs::write(path, csv).unwrap();
}

/// Asserts success, showing the output otherwise.
fn succeeded(what: &str, output: &Output) {
    assert!(
        output.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn failed(what: &str, output: &Output) {
    assert!(
        !output.status.success(),
        "{what} succeeded:\n{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[test]
fn no_secret_shows_in_any_output_log_page_answer_or_stored_file() {
    runtime().block_on(async {
        let rig = Rig::start().await;
        let mut seen = Collected::default();
        let orders_csv = rig.dir.path().join("orders.csv");
        write_orders_csv(&orders_csv);
        let csv = orders_csv.to_str().unwrap();
        let config = ["--config", "config.toml"];

        let commands: Vec<Vec<&str>> = vec![
            vec!["check-config"],
            vec!["import", "--shop", "csv-shop", "--orders", csv],
            vec!["sync"],
            vec!["compute"],
            vec!["push", "--dry-run"],
            vec!["push"],
            vec!["show", "--shop", WOO_SHOP, "1"],
            vec![
                "evaluate",
                "--orders",
                csv,
                "--split",
                "2011-09-01",
                "--k",
                "5",
            ],
            vec!["resume", "--shop", SHOPIFY_SHOP],
            vec!["forget", "--shop", WOO_SHOP, "--customer", "2"],
        ];
        for args in &commands {
            let mut all = args.clone();
            all.extend(config);
            let out = rig.run(&mut seen, &all, &[]).await;
            // `show` of a product id that may not exist is allowed to fail; the rest
            // must work.
            if args[0] != "show" {
                succeeded(&args.join(" "), &out);
            }
        }

        // Error paths: a wrong token (401 from the sim), shops nobody answers for, a
        // secret variable that is not set.
        let wrong = [("TEST_SHOPIFY_TOKEN", WRONG_TOKEN)];
        let out = rig
            .run(
                &mut seen,
                &["sync", "--shop", SHOPIFY_SHOP, "--config", "config.toml"],
                &wrong,
            )
            .await;
        failed("sync with a wrong token", &out);
        let out = rig
            .run(&mut seen, &["sync", "--config", "unreachable.toml"], &[])
            .await;
        failed("sync of unreachable shops", &out);
        let mut unset = rig.command(
            &["sync", "--shop", WOO_SHOP, "--config", "config.toml"],
            &[],
        );
        unset.env_remove("TEST_WOO_SECRET");
        let out = tokio::task::spawn_blocking(move || unset.output().unwrap())
            .await
            .unwrap();
        seen.output("sync without a secret variable", &out);
        failed("sync without a secret variable", &out);
        assert!(String::from_utf8_lossy(&out.stderr).contains("TEST_WOO_SECRET"));

        daemon_session(&rig, &mut seen).await;

        for (path, bytes) in files_under(&rig.data_dir()) {
            seen.add(path.display().to_string(), bytes);
        }
        let leaks = seen.leaks();
        assert!(leaks.is_empty(), "secrets leaked: {leaks:#?}");
        // The search sees what is there: the secret files themselves hold them.
        let mut control = Collected::default();
        for (path, bytes) in files_under(&rig.dir.path().join("secrets")) {
            control.add(path.display().to_string(), bytes);
        }
        assert_eq!(control.leaks().len(), 3);
    });
}

/// Runs the daemon with trace logs and calls every kind of endpoint; collects answers
/// and the log.
async fn daemon_session(rig: &Rig, seen: &mut Collected) {
    let (mut daemon, log) = spawn_daemon(rig, "config.toml");
    let base = format!("http://{}", rig.listen);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    wait_until_pushed(&http, &base).await;

    let product = rig.woo.state().products()[0].id;
    let bearer = format!("Bearer {ADMIN_TOKEN}");
    let pages = [
        "/healthz".to_owned(),
        "/readyz".to_owned(),
        "/metrics".to_owned(),
        "/login".to_owned(),
        "/".to_owned(),
        "/products?q=a".to_owned(),
        format!("/shops/{WOO_SHOP}/products/{product}"),
        format!("/shops/{WOO_SHOP}/rules"),
        format!("/shops/{WOO_SHOP}/metrics"),
        "/api/v1/shops".to_owned(),
        format!("/api/v1/shops/{SHOPIFY_SHOP}"),
        format!("/api/v1/shops/{WOO_SHOP}/products?q=a"),
        format!("/api/v1/shops/{WOO_SHOP}/products/{product}"),
        format!("/api/v1/shops/{WOO_SHOP}/rules"),
        format!("/api/v1/shops/{WOO_SHOP}/metrics"),
        format!("/api/v1/shops/{WOO_SHOP}/customers/2/suggestions"),
    ];
    for page in &pages {
        for auth in [None, Some(bearer.as_str())] {
            let mut request = http.get(format!("{base}{page}"));
            if let Some(auth) = auth {
                request = request.header("Authorization", auth);
            }
            collect(
                seen,
                &format!("GET {page} (auth {})", auth.is_some()),
                request,
            )
            .await;
        }
    }
    let logins = [
        ("token=wrong", "wrong login"),
        (&*format!("token={ADMIN_TOKEN}"), "login"),
    ];
    for (form, label) in logins {
        let request = http
            .post(format!("{base}/login"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(form.to_owned());
        collect(seen, label, request).await;
    }
    let url_login = http.get(format!("{base}/?token={ADMIN_TOKEN}"));
    collect(seen, "?token= login", url_login).await;
    let cart = http
        .post(format!("{base}/api/v1/shops/{WOO_SHOP}/cart"))
        .header("Authorization", &bearer)
        .json(&serde_json::json!({"items": [{"product": product.to_string(), "quantity": 1}]}));
    collect(seen, "cart", cart).await;
    webhooks(rig, &http, &base, seen).await;

    terminate(&mut daemon);
    seen.add("run: stderr", log.join().unwrap());
}

/// Webhook deliveries with bad and with good signatures, on both platforms.
async fn webhooks(rig: &Rig, http: &reqwest::Client, base: &str, seen: &mut Collected) {
    let shopify_body = br#"{"shop_id":1,"customer":{"id":5},"orders_requested":[]}"#;
    let order = rig.woo.state().orders()[0].id;
    let woo_body = rig.woo.state().order_json(order).unwrap().to_string();
    for (label, secret) in [("bad", "not-the-secret"), ("good", "")] {
        let shopify_sig = sign(
            if secret.is_empty() {
                SHOPIFY_WEBHOOK
            } else {
                secret
            }
            .as_bytes(),
            shopify_body,
        );
        let request = http
            .post(format!("{base}/webhooks/shopify/{SHOPIFY_SHOP}"))
            .header("X-Shopify-Topic", "customers/data_request")
            .header("X-Shopify-Hmac-Sha256", shopify_sig)
            .header("X-Shopify-Event-Id", format!("e-{label}"))
            .header("Content-Type", "application/json")
            .body(shopify_body.to_vec());
        collect(
            seen,
            &format!("shopify webhook, {label} signature"),
            request,
        )
        .await;
        let woo_sig = sign(
            if secret.is_empty() {
                WOO_WEBHOOK
            } else {
                secret
            }
            .as_bytes(),
            woo_body.as_bytes(),
        );
        let request = http
            .post(format!("{base}/webhooks/woocommerce/{WOO_SHOP}"))
            .header("X-WC-Webhook-Topic", "order.updated")
            .header("X-WC-Webhook-Signature", woo_sig)
            .header("X-WC-Webhook-Delivery-ID", format!("d-{label}"))
            .header("Content-Type", "application/json")
            .body(woo_body.clone());
        collect(seen, &format!("woo webhook, {label} signature"), request).await;
    }
}

/// Sends `request`; collects the status, every header and the body.
async fn collect(seen: &mut Collected, label: &str, request: reqwest::RequestBuilder) {
    let response = request.send().await.unwrap();
    let mut text = format!("{}\n", response.status());
    for (name, value) in response.headers() {
        let _ = writeln!(
            text,
            "{name}: {}",
            String::from_utf8_lossy(value.as_bytes())
        );
    }
    let body = response.bytes().await.unwrap();
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(&body);
    seen.add(label, bytes);
}

/// Starts `run` with trace logs; its stderr is read on a thread until it ends.
fn spawn_daemon(rig: &Rig, config: &str) -> (Child, std::thread::JoinHandle<Vec<u8>>) {
    let mut child = rig
        .command(&["run", "--config", config], &[])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let log = std::thread::spawn(move || {
        let mut all = Vec::new();
        let _ = stderr.read_to_end(&mut all);
        all
    });
    (child, log)
}

/// Waits until both shops have pushed once (the API lists no `last_push` still null).
async fn wait_until_pushed(http: &reqwest::Client, base: &str) {
    let started = Instant::now();
    loop {
        let answer = http
            .get(format!("{base}/api/v1/shops"))
            .header("Authorization", format!("Bearer {ADMIN_TOKEN}"))
            .send()
            .await;
        if let Ok(answer) = answer {
            let body = answer.text().await.unwrap_or_default();
            if body.contains("\"last_push\"") && !body.contains("\"last_push\":null") {
                return;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the daemon did not push both shops within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// SIGTERM, then waits for the exit.
fn terminate(child: &mut Child) {
    let pid = child.id().to_string();
    let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(sent.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "the daemon exited with {status}");
}

#[test]
fn the_admin_listens_on_loopback_by_default_and_warns_loudly_when_it_does_not() {
    assert!(Config::default().daemon.listen.ip().is_loopback());
    runtime().block_on(async {
        let rig = Rig::start().await;
        let config = std::fs::read_to_string(rig.dir.path().join("config.toml")).unwrap();
        let without_listen = config.lines().filter(|l| !l.starts_with("listen")).fold(
            String::new(),
            |mut all, l| {
                let _ = writeln!(all, "{l}");
                all
            },
        );
        std::fs::write(rig.dir.path().join("default.toml"), without_listen).unwrap();
        let mut seen = Collected::default();
        let out = rig
            .run(
                &mut seen,
                &["check-config", "--config", "default.toml"],
                &[],
            )
            .await;
        succeeded("check-config", &out);
        let summary = String::from_utf8_lossy(&out.stdout);
        assert!(summary.contains("127.0.0.1:8787"), "{summary}");

        let port = free_address().port();
        let open = config.replace(
            &format!("listen = \"{}\"", rig.listen),
            &format!("listen = \"0.0.0.0:{port}\""),
        );
        std::fs::write(rig.dir.path().join("open.toml"), open).unwrap();
        let (mut daemon, log) = spawn_daemon(&rig, "open.toml");
        let http = reqwest::Client::new();
        let started = Instant::now();
        while http
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
            .is_err()
        {
            assert!(started.elapsed() < Duration::from_secs(60), "no listener");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        terminate(&mut daemon);
        let log = String::from_utf8(log.join().unwrap()).unwrap();
        let warning = log
            .lines()
            .find(|l| l.contains("NOT on loopback"))
            .unwrap_or_else(|| panic!("no warning in:\n{log}"));
        assert!(
            warning.contains("WARN")
                && warning.contains("TLS")
                && warning.contains("reverse proxy"),
            "{warning}"
        );
    });
}
