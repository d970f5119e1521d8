//! The README's main command: `upsell-sync demo` starts simulated stores and the real
//! daemon, prints the admin URL with its token, and that page shows recommendations
//! with their reasons. SIGTERM stops it cleanly.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn the_demo_prints_an_admin_url_that_shows_recommendations() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_upsell-sync"))
        .args([
            "demo",
            "--products",
            "200",
            "--orders",
            "2000",
            "--listen",
            "127.0.0.1:0",
        ])
        .current_dir(dir.path())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the demo starts");
    let stdout = child.stdout.take().unwrap();
    let (send, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = send.send(line);
        }
    });
    let admin = loop {
        let line = lines
            .recv_timeout(Duration::from_secs(60))
            .expect("the demo prints its admin URL");
        if let Some(url) = line.strip_prefix("Admin: ") {
            break url.to_owned();
        }
    };
    let (base, token) = admin
        .split_once("/?token=")
        .expect("the URL carries the token");
    assert!(token.len() >= 32, "a short token: {token:?}");

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    let page = loop {
        let page = runtime.block_on(async {
            // A browser follows the redirect and keeps the cookie; so does this client.
            let client = reqwest::Client::builder()
                .cookie_store(true)
                .build()
                .unwrap();
            client.get(&admin).send().await.ok()?.text().await.ok()
        });
        if let Some(page) = page.filter(|p| p.matches("bought together in").count() >= 2) {
            break page;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no recommendations on {base} after 60 s"
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    assert!(
        page.contains("demo-shopify") && page.contains("demo-woocommerce"),
        "{page}"
    );
    assert!(page.contains("cross_sell"), "{page}");
    let without_token =
        runtime.block_on(async { reqwest::get(format!("{base}/")).await.unwrap().status() });
    assert_eq!(without_token, reqwest::StatusCode::UNAUTHORIZED);

    let pid = child.id().to_string();
    let signalled = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(signalled.success());
    let stopping = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            stopping.elapsed() < Duration::from_secs(10),
            "the demo did not stop within 10 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
}
