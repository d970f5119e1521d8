//! Issue 6: the admin pages end to end in real headless Chromium (Debian's chromium and
//! chromium-driver, installed by `scripts/install-test-deps`). A merchant logs in, finds a
//! product, reads its lists and their reasons, adds and removes a rule, and opens the
//! metrics; every step leaves a screenshot in `<target>/browser-screenshots/` and fails
//! on any console error. The second test proves the console check catches errors.

#[path = "support/browser.rs"]
mod browser;

use std::io::{BufRead, BufReader};
use std::panic::AssertUnwindSafe;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use browser::Browser;
use fantoccini::elements::Element;
use fantoccini::Locator;
use futures::FutureExt;

const SHOP: &str = "demo-shopify";
const SHOPS: [&str; 2] = ["demo-shopify", "demo-woocommerce"];
/// The lists a product page and the metrics show, by the names the pages use.
const LISTS: [&str; 5] = ["cross_sell", "upsell", "downsell", "related", "bundles"];
/// Products opened at most while looking for one with a cross-sell.
const MAX_PRODUCTS: usize = 12;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merchant_logs_in_finds_a_product_edits_rules_and_reads_metrics() {
    if !browser::available("a_merchant_logs_in_finds_a_product_edits_rules_and_reads_metrics") {
        return;
    }
    let demo = tokio::task::spawn_blocking(Demo::start)
        .await
        .expect("the demo starts");
    let browser = Browser::start().await;
    let outcome = AssertUnwindSafe(merchant_session(&browser, &demo))
        .catch_unwind()
        .await;
    browser.close().await;
    drop(demo);
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// Every step of the session, in order.
async fn merchant_session(browser: &Browser, demo: &Demo) {
    let started = Instant::now();
    log_in(browser, demo).await;
    overview(browser).await;
    let word = products_page(browser).await;
    product_detail(browser, &word).await;
    rules(browser, demo).await;
    metrics(browser, demo).await;
    // Anything logged late by the last page.
    browser.assert_console_clean("end", &[]).await;
    println!("browser session took {:?}", started.elapsed());
}

async fn log_in(browser: &Browser, demo: &Demo) {
    let c = &browser.client;
    c.goto(&format!("{}/login", demo.base))
        .await
        .expect("/login");
    let form = browser.wait_for("form#login-form").await;
    assert_eq!(attr(&form, "method").await.to_lowercase(), "post");
    assert_eq!(attr(&form, "action").await, "/login");
    let token = browser.wait_for("input#token").await;
    assert_eq!(attr(&token, "type").await, "password");
    assert_eq!(attr(&token, "name").await, "token");
    browser.step("01-login").await;

    token.send_keys("not-the-admin-token").await.unwrap();
    browser
        .wait_for("button#login")
        .await
        .click()
        .await
        .unwrap();
    let error = browser.wait_for("#login-error").await;
    assert!(
        error.is_displayed().await.unwrap(),
        "#login-error is hidden"
    );
    assert_eq!(path(browser).await, "/login");
    browser.screenshot("02-login-wrong-token").await;
    // The 401 of the rejected form is the one error this step provokes.
    browser
        .assert_console_clean("02-login-wrong-token", &[&["/login", "401"]])
        .await;

    let token = browser.wait_for("input#token").await;
    token.clear().await.unwrap();
    token.send_keys(&demo.token).await.unwrap();
    browser
        .wait_for("button#login")
        .await
        .click()
        .await
        .unwrap();
    browser.wait_for("table#shops").await;
    assert_eq!(
        path(browser).await,
        "/",
        "the login redirects to the overview"
    );
}

async fn overview(browser: &Browser) {
    let rows = browser
        .client
        .find_all(Locator::Css("table#shops tr[data-shop]"))
        .await
        .unwrap();
    let mut shops = Vec::new();
    for row in &rows {
        shops.push(attr(row, "data-shop").await);
    }
    shops.sort();
    assert_eq!(shops, SHOPS, "one row per shop in table#shops");
    for nav in ["nav-products", "nav-rules", "nav-metrics"] {
        let link = browser.wait_for(&format!("a#{nav}")).await;
        assert!(!attr(&link, "href").await.is_empty(), "#{nav} has no href");
    }
    browser.step("03-overview").await;
}

/// The product list of the demo Shopify shop, then a search for a word of its titles;
/// returns that word.
async fn products_page(browser: &Browser) -> String {
    browser
        .wait_for("a#nav-products")
        .await
        .click()
        .await
        .unwrap();
    browser.wait_for("form#search").await;
    search(browser, SHOP, "").await;
    let listed = product_links(browser).await;
    assert!(!listed.is_empty(), "no products listed for {SHOP}");
    let count = browser
        .wait_for("p#result-count")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        count.split_whitespace().next().is_some_and(|n| n
            .replace(',', "")
            .parse::<usize>()
            .is_ok_and(|n| n >= listed.len()))
            && count.contains("product"),
        "#result-count says {count:?} with {} rows shown",
        listed.len()
    );
    browser.step("04-products").await;

    let word = common_word(listed.iter().map(|(title, _)| title.as_str()))
        .expect("a word of four letters or more in the listed titles");
    search(browser, SHOP, &word).await;
    let found = product_links(browser).await;
    assert!(
        found
            .iter()
            .any(|(title, _)| title.to_lowercase().contains(&word.to_lowercase())),
        "searching {word:?} finds no title with it: {found:?}"
    );
    browser.step("05-search").await;
    word
}

/// Opens the search results in turn, the first by clicking it, until one shows a
/// cross-sell "bought together"; checks each detail page's parts on the way.
async fn product_detail(browser: &Browser, word: &str) {
    let results = product_links(browser).await;
    let mut seen = Vec::new();
    for (i, (title, href)) in results.iter().take(MAX_PRODUCTS).enumerate() {
        if i == 0 {
            let first = browser
                .client
                .find(Locator::Css("table#results a.product-link"))
                .await
                .unwrap();
            first.click().await.unwrap();
        } else {
            browser.client.goto(href).await.unwrap();
        }
        let heading = browser.wait_for("h1#product-title").await.text().await;
        assert_eq!(heading.unwrap().trim(), title.trim(), "the title of {href}");
        for kind in LISTS {
            browser.wait_for(&format!("section.list#list-{kind}")).await;
        }
        for part in [
            "section#platform-state",
            "p#holdout",
            "section#product-rules",
        ] {
            browser.wait_for(part).await;
        }
        let reasons = texts(browser, "#list-cross_sell li.link .reason").await;
        let images = decoded_images(browser).await;
        let broken: Vec<&String> = images
            .iter()
            .filter(|(_, ok)| !ok)
            .map(|(src, _)| src)
            .collect();
        assert!(broken.is_empty(), "broken images on {href}: {broken:?}");
        browser
            .assert_console_clean(&format!("product {title}"), &[])
            .await;
        if reasons.iter().any(|r| r.contains("bought together")) {
            assert!(
                !images.is_empty(),
                "no product image on {href}, whose lists hold several products"
            );
            browser.step("06-product").await;
            return;
        }
        seen.push(format!("{title}: {reasons:?}"));
    }
    panic!(
        "none of the first {} results for {word:?} shows a cross-sell bought together:\n{}",
        seen.len(),
        seen.join("\n")
    );
}

/// Every image of the page once the browser has loaded and decoded it (or failed to):
/// its address and whether it shows.
async fn decoded_images(browser: &Browser) -> Vec<(String, bool)> {
    let script = "const done = arguments[arguments.length - 1];
        const images = [...document.querySelectorAll('img')];
        Promise.all(images.map(i => i.decode().then(() => [i.src, true], () => [i.src, false])))
            .then(done);";
    let value = browser
        .client
        .execute_async(script, Vec::new())
        .await
        .expect("the image script runs");
    serde_json::from_value(value).expect("pairs of address and outcome")
}

async fn rules(browser: &Browser, demo: &Demo) {
    let page = format!("/shops/{SHOP}/rules");
    browser
        .client
        .goto(&format!("{}{page}", demo.base))
        .await
        .unwrap();
    let form = browser.wait_for("form#add-rule").await;
    assert_eq!(attr(&form, "method").await.to_lowercase(), "post");
    assert_eq!(attr(&form, "action").await, page);
    browser.wait_for("table#rules-table").await;
    let kinds = browser.wait_for("select#rule-kind").await;
    let mut options = Vec::new();
    for option in kinds.find_all(Locator::Css("option")).await.unwrap() {
        options.push(attr(&option, "value").await);
    }
    for kind in ["pin", "block_item", "block_pair", "exclude_tag"] {
        assert!(
            options.iter().any(|o| o == kind),
            "no {kind} in {options:?}"
        );
    }
    for field in ["anchor", "list", "item", "a", "b", "tag"] {
        let input = browser.wait_for(&format!("#rule-{field}")).await;
        assert_eq!(attr(&input, "name").await, field);
    }
    browser.step("07-rules").await;

    let tag = format!("browser-test-tag-{}", std::process::id());
    kinds.select_by_value("exclude_tag").await.unwrap();
    let tag_input = browser.wait_for("#rule-tag").await;
    tag_input.clear().await.unwrap();
    tag_input.send_keys(&tag).await.unwrap();
    browser
        .wait_for("button#add-rule-submit")
        .await
        .click()
        .await
        .unwrap();
    let row = wait_for_rule(browser, &tag, true)
        .await
        .expect("the new rule's row");
    assert_eq!(
        path(browser).await,
        page,
        "adding redirects to the rules page"
    );
    browser.step("08-rule-added").await;

    let remove = row
        .find(Locator::Css(&format!(
            "form[method=post][action='/shops/{SHOP}/rules/remove'] button.remove-rule"
        )))
        .await
        .expect("the row's remove button in its form");
    remove.click().await.unwrap();
    assert!(wait_for_rule(browser, &tag, false).await.is_none());
    assert_eq!(
        path(browser).await,
        page,
        "removing redirects to the rules page"
    );
    browser.step("09-rule-removed").await;
}

async fn metrics(browser: &Browser, demo: &Demo) {
    let to = chrono::Utc::now().date_naive();
    let from = to - chrono::Days::new(29);
    let address = format!(
        "{}/shops/{SHOP}/metrics?from={}&to={}",
        demo.base,
        from.format("%Y-%m-%d"),
        to.format("%Y-%m-%d")
    );
    browser.client.goto(&address).await.unwrap();
    browser.wait_for("form#period").await;
    let impact = browser.wait_for("table#impact").await;
    let table = impact
        .text()
        .await
        .unwrap()
        .to_lowercase()
        .replace(['_', '-'], " ");
    for kind in LISTS {
        // Any case or separator: the pages may label the rows for people.
        let name = kind.trim_end_matches('s').replace('_', " ");
        assert!(table.contains(&name), "no {name} row in #impact: {table}");
    }
    let rows = impact.find_all(Locator::Css("tr")).await.unwrap();
    assert!(
        rows.len() > LISTS.len(),
        "{} rows in #impact (a heading and one per kind)",
        rows.len()
    );
    let chart = browser.wait_for("#attach-chart").await;
    assert_eq!(chart.tag_name().await.unwrap().to_lowercase(), "svg");
    browser.step("10-metrics").await;
}

/// Chooses the shop, types the query and submits the search form.
async fn search(browser: &Browser, shop: &str, query: &str) {
    let shops = browser.wait_for("form#search select#shop").await;
    shops.select_by_value(shop).await.unwrap();
    let q = browser.wait_for("form#search input#q").await;
    q.clear().await.unwrap();
    if !query.is_empty() {
        q.send_keys(query).await.unwrap();
    }
    browser
        .wait_for("form#search button#search-submit")
        .await
        .click()
        .await
        .unwrap();
    // Wait for the results page of this query, not the page the form was on: reading
    // the old page while it is replaced fails with a stale element.
    let wanted = format!(
        "q={}",
        url::form_urlencoded::byte_serialize(query.as_bytes()).collect::<String>()
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let url = browser.url().await;
        if url.contains(&format!("shop={shop}")) && url.contains(&wanted) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the search for {query:?} did not load: still at {url}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    browser.wait_for("table#results").await;
}

/// The product links of the results: (title, absolute href).
async fn product_links(browser: &Browser) -> Vec<(String, String)> {
    let links = browser
        .client
        .find_all(Locator::Css("table#results a.product-link"))
        .await
        .unwrap();
    let prefix = format!("/shops/{SHOP}/products/");
    let mut out = Vec::new();
    for link in links {
        let href = attr(&link, "href").await;
        assert!(href.starts_with(&prefix), "a product link to {href}");
        let absolute = link.prop("href").await.unwrap().unwrap_or_default();
        out.push((link.text().await.unwrap(), absolute));
    }
    out
}

/// Polls the rules table until a row with `tag` is there (`present`) or gone.
async fn wait_for_rule(browser: &Browser, tag: &str, present: bool) -> Option<Element> {
    let started = Instant::now();
    loop {
        let mut found = None;
        for row in browser
            .client
            .find_all(Locator::Css("table#rules-table tr.rule-row"))
            .await
            .unwrap()
        {
            if row.text().await.is_ok_and(|t| t.contains(tag)) {
                found = Some(row);
                break;
            }
        }
        if found.is_some() == present {
            return found;
        }
        assert!(
            started.elapsed() < browser::PATIENCE,
            "the rule {tag} is {} at {}:\n{}",
            if present {
                "not listed"
            } else {
                "still listed"
            },
            browser.url().await,
            browser.page_text().await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The word (four letters or more) found in most titles; the longest on a tie.
fn common_word<'a>(titles: impl Iterator<Item = &'a str>) -> Option<String> {
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for title in titles {
        let mut words: Vec<String> = title
            .split(|c: char| !c.is_alphabetic())
            .filter(|w| w.chars().count() >= 4)
            .map(str::to_lowercase)
            .collect();
        words.sort();
        words.dedup();
        for word in words {
            *counts.entry(word).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .max_by_key(|(word, n)| (*n, word.len()))
        .map(|(word, _)| word)
}

async fn attr(element: &Element, name: &str) -> String {
    element.attr(name).await.unwrap().unwrap_or_default()
}

async fn texts(browser: &Browser, css: &str) -> Vec<String> {
    let mut out = Vec::new();
    for element in browser.client.find_all(Locator::Css(css)).await.unwrap() {
        out.push(element.text().await.unwrap());
    }
    out
}

async fn path(browser: &Browser) -> String {
    browser
        .client
        .current_url()
        .await
        .unwrap()
        .path()
        .to_owned()
}

/// `upsell-sync demo` on a free port with its data in a temporary folder.
struct Demo {
    child: Child,
    base: String,
    token: String,
    _dir: tempfile::TempDir,
}

impl Demo {
    /// Starts the demo and waits for its admin URL and for both shops' first push, after
    /// which every product with orders has its lists.
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_upsell-sync"))
            .args(["demo", "--products", "200", "--orders", "2000"])
            .args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path().join("demo"))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the demo starts");
        let lines = lines_of(&mut child);
        let mut demo = Self {
            child,
            base: String::new(),
            token: String::new(),
            _dir: dir,
        };
        let admin = wait_for_line(&lines, "Admin: ");
        let (base, token) = admin
            .split_once("/?token=")
            .expect("the admin URL carries the token");
        base.clone_into(&mut demo.base);
        token.clone_into(&mut demo.token);
        wait_for_line(&lines, "First sync done");
        demo
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn lines_of(child: &mut Child) -> Receiver<String> {
    let stdout = child.stdout.take().expect("piped stdout");
    let (send, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    lines
}

/// The rest of the first line starting with `prefix`, within 90 s.
fn wait_for_line(lines: &Receiver<String>, prefix: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = lines
            .recv_timeout(left)
            .unwrap_or_else(|e| panic!("the demo printed no {prefix:?} line: {e}"));
        if let Some(rest) = line.strip_prefix(prefix) {
            return rest.to_owned();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_check_catches_a_page_that_logs_an_error() {
    if !browser::available("the_console_check_catches_a_page_that_logs_an_error") {
        return;
    }
    let base = serve_static_pages().await;
    let browser = Browser::start().await;
    let outcome = AssertUnwindSafe(console_checks(&browser, &base))
        .catch_unwind()
        .await;
    browser.close().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

async fn console_checks(browser: &Browser, base: &str) {
    let c = &browser.client;
    c.goto(&format!("{base}/clean")).await.unwrap();
    browser.wait_for("#ok").await;
    let all = browser.console().await;
    assert!(
        all.iter()
            .any(|e| e.level == "INFO" && e.message.contains("a planted log line")),
        "console.log reaches the log as INFO: {all:?}"
    );
    assert!(all.iter().all(|e| e.level != "SEVERE"), "{all:?}");
    browser.step("console-clean").await;

    c.goto(&format!("{base}/error")).await.unwrap();
    browser.wait_for("#ok").await;
    let failed = AssertUnwindSafe(browser.step("console-error"))
        .catch_unwind()
        .await
        .expect_err("the step fails on console.error");
    let message = failed
        .downcast_ref::<String>()
        .expect("a formatted panic message");
    assert!(
        message.contains("step console-error: 1 SEVERE")
            && message.contains("[console-api]")
            && message.contains("a planted console error"),
        "{message}"
    );
    assert!(
        browser.console().await.is_empty(),
        "each entry is read once"
    );

    // A page answered with 401 logs its status: the wrong-token login expects exactly that.
    c.goto(&format!("{base}/denied")).await.unwrap();
    browser.wait_for("#denied").await;
    let severe = browser.unexpected_severe(&[]).await;
    assert!(
        severe.len() == 1
            && severe[0].source == "network"
            && severe[0].message.contains("/denied")
            && severe[0].message.contains("401"),
        "{severe:?}"
    );
    c.refresh().await.unwrap();
    browser.wait_for("#denied").await;
    assert!(browser
        .unexpected_severe(&[&["/denied", "401"]])
        .await
        .is_empty());
}

/// A tiny server: a clean page, one that logs an error, and one answered with 401.
async fn serve_static_pages() -> String {
    use axum::http::StatusCode;
    use axum::response::Html;
    use axum::routing::get;
    // Without an icon Chromium asks for /favicon.ico, and its 404 is a SEVERE entry too.
    const HEAD: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>t</title>\
                        <link rel=\"icon\" href=\"data:,\"></head>";
    let app = axum::Router::new()
        .route(
            "/clean",
            get(|| async {
                Html(format!(
                    "{HEAD}<body><p id=\"ok\">fine</p>\
                     <script>console.log('a planted log line')</script></body></html>"
                ))
            }),
        )
        .route(
            "/error",
            get(|| async {
                Html(format!(
                    "{HEAD}<body><p id=\"ok\">fine</p>\
                     <script>console.error('a planted console error')</script></body></html>"
                ))
            }),
        )
        .route(
            "/denied",
            get(|| async {
                (
                    StatusCode::UNAUTHORIZED,
                    Html(format!("{HEAD}<body><p id=\"denied\">no</p></body></html>")),
                )
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}")
}
