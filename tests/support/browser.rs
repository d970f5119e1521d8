//! Real headless Chromium for the browser tests, driven over `WebDriver`: Debian's
//! chromedriver on a free loopback port, a session with the flags this machine needs (no
//! sandbox as root, no background networking on a closed network, a fresh profile), and
//! after each step a screenshot under `<target>/browser-screenshots/` and a read of the
//! browser console, where any SEVERE entry fails the test and is named.
//!
//! `scripts/install-test-deps` installs chromium and chromium-driver; `scripts/test` sets
//! `UPSELL_SYNC_REQUIRE_BROWSER=1`, so a missing driver fails there instead of skipping.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::http::Method;
use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

/// Debian's chromedriver (package chromium-driver).
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Debian's Chromium (package chromium).
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// Set (to anything) to fail instead of skip when chromedriver is missing.
pub const REQUIRE: &str = "UPSELL_SYNC_REQUIRE_BROWSER";

/// How long a page gets to show an element the test waits for.
pub const PATIENCE: Duration = Duration::from_secs(15);

/// One entry of the browser console, as chromedriver reports it.
#[derive(Debug, Clone)]
pub struct ConsoleEntry {
    pub level: String,
    pub source: String,
    pub message: String,
}

/// A headless Chromium session and the chromedriver behind it.
pub struct Browser {
    pub client: Client,
    driver: Child,
    shots: PathBuf,
    _profile: tempfile::TempDir,
}

/// Whether the browser tests can run: `false` (with a message) when chromedriver is
/// missing and nobody asked for the browser; a panic when it is missing and required.
pub fn available(test: &str) -> bool {
    if Path::new(CHROMEDRIVER).exists() {
        return true;
    }
    assert!(
        std::env::var_os(REQUIRE).is_none(),
        "{test}: {CHROMEDRIVER} is missing but {REQUIRE} is set: run scripts/install-test-deps \
         (apt-get install chromium chromium-driver)"
    );
    eprintln!(
        "SKIPPED {test}: {CHROMEDRIVER} is missing. Run scripts/install-test-deps, or \
         scripts/test, which installs it and sets {REQUIRE}=1 so the browser tests never skip."
    );
    false
}

impl Browser {
    /// Starts chromedriver on a free port and opens a headless Chromium session.
    pub async fn start() -> Self {
        let shots = target_dir().join("browser-screenshots");
        std::fs::create_dir_all(&shots).expect("the screenshot folder");
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg(format!(
                "--log-path={}",
                shots.join("chromedriver.log").display()
            ))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().expect("a profile folder");
        Self {
            client: connect(port, profile.path()).await,
            driver,
            shots,
            _profile: profile,
        }
    }

    /// Saves a screenshot of the page as `<step>.png` and prints where.
    pub async fn screenshot(&self, step: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("a screenshot");
        let path = self.shots.join(format!("{step}.png"));
        std::fs::write(&path, png).expect("the screenshot is written");
        println!("screenshot {step}: {}", path.display());
        path
    }

    /// The console entries logged since the last read (chromedriver's `se/log` endpoint
    /// hands each entry out once).
    pub async fn console(&self) -> Vec<ConsoleEntry> {
        let value = self
            .client
            .issue_cmd(BrowserLog)
            .await
            .expect("chromedriver returns the browser log");
        let entries = value.as_array().cloned().unwrap_or_default();
        entries
            .iter()
            .map(|e| ConsoleEntry {
                level: text(e, "level"),
                source: text(e, "source"),
                message: text(e, "message"),
            })
            .collect()
    }

    /// The SEVERE console entries since the last read that no `expected` entry matches
    /// (each an all-of list of substrings, for an error the step provokes on purpose).
    pub async fn unexpected_severe(&self, expected: &[&[&str]]) -> Vec<ConsoleEntry> {
        self.console()
            .await
            .into_iter()
            .filter(|e| e.level == "SEVERE")
            .filter(|e| {
                !expected
                    .iter()
                    .any(|all| all.iter().all(|s| e.message.contains(s)))
            })
            .collect()
    }

    /// Fails the test, naming the entries, on any SEVERE console entry not `expected`.
    pub async fn assert_console_clean(&self, step: &str, expected: &[&[&str]]) {
        let severe = self.unexpected_severe(expected).await;
        let hint = if severe.iter().any(|e| e.message.contains("/favicon.ico")) {
            "\n(Chromium asks for /favicon.ico unless the page declares an icon, such as \
             <link rel=\"icon\" href=\"data:,\">)"
        } else {
            ""
        };
        assert!(
            severe.is_empty(),
            "step {step}: {} SEVERE browser console entr{} at {}:\n{}{hint}",
            severe.len(),
            if severe.len() == 1 { "y" } else { "ies" },
            self.url().await,
            severe
                .iter()
                .map(|e| format!("  [{}] {}", e.source, e.message))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }

    /// A screenshot, then the console check: the end of every step.
    pub async fn step(&self, step: &str) {
        self.screenshot(step).await;
        self.assert_console_clean(step, &[]).await;
    }

    /// The current address, for failure messages.
    pub async fn url(&self) -> String {
        self.client
            .current_url()
            .await
            .map_or_else(|e| format!("(no URL: {e})"), |u| u.to_string())
    }

    /// Waits for an element; on a timeout fails with the address and the page's text.
    pub async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        match self
            .client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => element,
            Err(error) => panic!(
                "no {css} after {PATIENCE:?} at {}: {error}\npage:\n{}",
                self.url().await,
                self.page_text().await
            ),
        }
    }

    /// The visible text of the page, cut to a screenful, for failure messages.
    pub async fn page_text(&self) -> String {
        let body = match self.client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(error) => format!("(no body: {error})"),
        };
        body.chars().take(3_000).collect()
    }

    /// Ends the session (Chromium exits) and chromedriver.
    pub async fn close(mut self) {
        let client = self.client.clone();
        if let Err(error) = client.close().await {
            eprintln!("closing the WebDriver session: {error}");
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// A test that fails part-way must not leave chromedriver running.
impl Drop for Browser {
    fn drop(&mut self) {
        if matches!(self.driver.try_wait(), Ok(None)) {
            let _ = self.driver.kill();
            let _ = self.driver.wait();
        }
    }
}

/// Opens the session once chromedriver listens.
async fn connect(port: u16, profile: &Path) -> Client {
    assert!(
        driver_listens(port),
        "chromedriver did not listen on port {port} within 10 s"
    );
    let mut builder = ClientBuilder::new(HttpConnector::new());
    builder.capabilities(capabilities(profile));
    builder
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .unwrap_or_else(|e| panic!("a Chromium session from chromedriver: {e}"))
}

/// Chromium as the probe of this machine runs it: headless, no sandbox (root), no GPU,
/// and none of the background connections a closed network refuses; every console
/// entry kept for `se/log`.
fn capabilities(profile: &Path) -> Capabilities {
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--window-size=1280,1000",
                format!("--user-data-dir={}", profile.display()),
            ],
        },
        "goog:loggingPrefs": { "browser": "ALL" },
    });
    match caps {
        Value::Object(map) => map,
        _ => unreachable!("a JSON object"),
    }
}

/// chromedriver's (Selenium's) log endpoint: `POST /session/{id}/se/log`.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (Method, Option<String>) {
        (Method::POST, Some(json!({ "type": "browser" }).to_string()))
    }
}

fn text(entry: &Value, key: &str) -> String {
    entry
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// Polls until chromedriver accepts connections (10 s at most).
fn driver_listens(port: u16) -> bool {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

/// The cargo target folder this test binary was built into (`<target>/<profile>/deps/`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.ancestors()
        .nth(3)
        .map_or_else(|| PathBuf::from("target"), Path::to_path_buf)
}
