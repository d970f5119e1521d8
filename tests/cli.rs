//! The command line as a user runs it: the built binary, real files, a temporary data
//! directory.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Output};

fn upsell_sync(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_upsell-sync"))
        .args(args)
        .current_dir(dir)
        .env("RUST_LOG", "warn")
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn check_config_accepts_the_example_and_prints_its_summary() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    let dir = tempfile::tempdir().unwrap();
    let out = upsell_sync(
        &["check-config", "--config", example.to_str().unwrap()],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("is valid"), "{text}");
    assert!(text.contains("main-store: shopify"), "{text}");
}

#[test]
fn check_config_names_a_misspelt_key_and_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        "[daemon]\ndata_dir = \"/tmp/x\"\n\n[recommender]\nhalf_life_dayz = 30.0\n",
    )
    .unwrap();
    let out = upsell_sync(&["check-config", "--config", "bad.toml"], dir.path());
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("line 5"), "{err}");
    assert!(err.contains("recommender.half_life_dayz"), "{err}");
}

/// A small order-lines CSV in the online-retail layout: mugs go with coasters, tea with
/// a strainer; one cancellation, one postage line and one unreadable quantity.
fn write_orders(path: &Path) {
    let mut csv = String::from(
        "invoice,stock_code,description,quantity,invoice_date,unit_price,customer_id,country\n",
    );
    for i in 0..30 {
        let day = 1 + i % 28;
        let (a, b) = if i % 2 == 0 {
            (("M1", "MUG"), ("C1", "COASTER"))
        } else {
            (("T1", "TEA"), ("S1", "STRAINER"))
        };
        for (code, title) in [a, b] {
            let _ = writeln!(
                csv,
                "{},{code},{title},2,2011-03-{day:02} 10:00,3.50,{},UK",
                500 + i,
                12000 + i % 7
            );
        }
    }
    csv.push_str("C900,M1,MUG,-1,2011-03-05 10:00,3.50,12001,UK\n");
    csv.push_str("901,POST,POSTAGE,1,2011-03-05 10:00,18.00,12001,UK\n");
    csv.push_str("902,M1,MUG,two,2011-03-05 10:00,3.50,12001,UK\n");
    std::fs::write(path, csv).unwrap();
}

#[test]
fn import_compute_and_show_work_on_an_order_lines_file() {
    let dir = tempfile::tempdir().unwrap();
    write_orders(&dir.path().join("orders.csv"));
    let import = upsell_sync(
        &[
            "import",
            "--data-dir",
            "data",
            "--shop",
            "csv",
            "--orders",
            "orders.csv",
        ],
        dir.path(),
    );
    assert!(import.status.success(), "{}", stderr(&import));
    let text = stdout(&import);
    assert!(text.contains("stored 4 products and 30 orders"), "{text}");
    assert!(text.contains("1 unreadable lines"), "{text}");
    assert!(text.contains("line 64"), "{text}");
    // Customer ids are salted hashes; the salt file is private.
    let salt = dir.path().join("data/install-salt");
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&salt).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);

    let compute = upsell_sync(&["compute", "--data-dir", "data"], dir.path());
    assert!(compute.status.success(), "{}", stderr(&compute));
    assert!(
        stdout(&compute).contains("csv: 4 products, 30 orders"),
        "{}",
        stdout(&compute)
    );

    let show = upsell_sync(
        &["show", "--data-dir", "data", "--shop", "csv", "mug"],
        dir.path(),
    );
    assert!(show.status.success(), "{}", stderr(&show));
    let text = stdout(&show);
    let cross_sell = text.split("cross-sell:").nth(1).expect("a cross-sell list");
    let first = cross_sell.lines().nth(1).expect("a first link");
    assert!(first.contains("COASTER"), "{text}");
    assert!(first.contains("bought together in"), "{text}");

    let json = upsell_sync(
        &[
            "show",
            "--data-dir",
            "data",
            "--shop",
            "csv",
            "M1",
            "--json",
        ],
        dir.path(),
    );
    let recs: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(recs["cross_sell"][0]["product"], "C1");
}

#[test]
fn show_and_compute_name_an_unknown_shop() {
    let dir = tempfile::tempdir().unwrap();
    let out = upsell_sync(
        &["show", "--data-dir", "data", "--shop", "nope", "x"],
        dir.path(),
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no shop \"nope\""),
        "{}",
        stderr(&out)
    );
    let out = upsell_sync(&["compute", "--data-dir", "data"], dir.path());
    assert!(!out.status.success());
    assert!(stderr(&out).contains("holds no shops"), "{}", stderr(&out));
}

#[test]
fn evaluate_reports_every_method_as_json() {
    let dir = tempfile::tempdir().unwrap();
    write_orders(&dir.path().join("orders.csv"));
    let out = upsell_sync(
        &[
            "evaluate",
            "--orders",
            "orders.csv",
            "--split",
            "2011-03-20",
            "--k",
            "3",
            "--json",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["k"], 3);
    for method in ["recommender", "popularity", "cooccurrence", "jaccard"] {
        let hit = report["methods"][method]["hit_rate"]
            .as_f64()
            .expect(method);
        assert!((0.0..=1.0).contains(&hit), "{method}: {hit}");
    }
    // Mugs always come with coasters: the recommender finds every hidden item.
    let hit = report["methods"]["recommender"]["hit_rate"]
        .as_f64()
        .unwrap();
    assert!((hit - 1.0).abs() < 1e-9, "{report}");
}
