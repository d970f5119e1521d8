//! Hostile input to what merchants hand the daemon as files (DESIGN.md §8): order-lines
//! CSVs for `upsell-sync import` and the TOML config. Arbitrary bytes never panic; a
//! CSV's rejected lines are each reported with their line number while every good line
//! is still imported; a config with one bad edit is refused with an error naming the
//! key or the line.

#[allow(dead_code)] // each hostile test uses part of the shared strategies
mod hostile;

use std::fmt::Write as _;

use proptest::prelude::*;
use upsell_sync::config::{Config, ConfigError};
use upsell_sync::import::{order_lines, Columns};
use upsell_sync::model::InstallSalt;

const SALT: InstallSalt = InstallSalt([4; 32]);
const CSV_NAME: &str = "orders.csv";
const HEADER: &str =
    "invoice,stock_code,description,quantity,invoice_date,unit_price,customer_id,country";

/// One data row of an order-lines CSV: good, or broken in one column.
#[derive(Clone, Debug)]
enum Row {
    /// A sale that must be imported.
    Good {
        invoice: u32,
        code: u32,
        title: String,
        quantity: u32,
        cents: u32,
        day: u32,
    },
    /// A row the importer must reject, and the text of it.
    Bad(Vec<u8>),
}

impl Row {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Row::Good {
                invoice,
                code,
                title,
                quantity,
                cents,
                day,
            } => {
                let title = title.replace(['"', '\n', '\r', ','], " ");
                format!(
                    "{invoice},{code}A,\"{title}\",{quantity},2026-03-{day:02} 10:00,{}.{:02},1{invoice},France",
                    cents / 100,
                    cents % 100
                )
                .into_bytes()
            }
            Row::Bad(bytes) => bytes.clone(),
        }
    }
}

fn good_row() -> impl Strategy<Value = Row> {
    (
        500_000_u32..500_050,
        10_000_u32..10_040,
        hostile::odd_text().prop_filter("short", |t| t.len() < 200),
        1_u32..50,
        1_u32..100_000,
        1_u32..29,
    )
        .prop_map(|(invoice, code, title, quantity, cents, day)| Row::Good {
            invoice,
            code,
            title,
            quantity,
            cents,
            day,
        })
}

/// A row broken in one way the importer must name: a quantity, price or date it cannot
/// read, an empty order id, a missing column, or bytes that are not UTF-8.
fn bad_row() -> impl Strategy<Value = Row> {
    let broken = prop_oneof![
        "[a-z]{1,6}".prop_map(|q| format!("500001,10001A,Mug,{q},2026-03-01 10:00,2.50,17,UK")),
        Just("500001,10001A,Mug,1.5,2026-03-01 10:00,2.50,17,UK".to_owned()),
        "[a-z€]{1,6}".prop_map(|p| format!("500001,10001A,Mug,2,2026-03-01 10:00,{p},17,UK")),
        "[a-z]{1,8}".prop_map(|d| format!("500001,10001A,Mug,2,{d},2.50,17,UK")),
        Just("500001,10001A,Mug,2,2026-02-30 10:00,2.50,17,UK".to_owned()),
        Just(",10001A,Mug,2,2026-03-01 10:00,2.50,17,UK".to_owned()),
        Just("500001,10001A,Mug".to_owned()),
        Just("500001".to_owned()),
    ]
    .prop_map(String::into_bytes);
    let not_utf8 = Just(b"500001,10001A,M\xffug,2,2026-03-01 10:00,2.50,17,UK".to_vec());
    prop_oneof![4 => broken, 1 => not_utf8].prop_map(Row::Bad)
}

fn csv_of(rows: &[Row]) -> Vec<u8> {
    let mut out = format!("{HEADER}\n").into_bytes();
    for row in rows {
        out.extend(row.bytes());
        out.push(b'\n');
    }
    out
}

fn import(bytes: &[u8]) -> Result<order_lines::Imported, order_lines::ImportError> {
    order_lines::parse(bytes, CSV_NAME, &Columns::default(), &SALT)
}

/// The example config with every `# key = value` line and `# [table]` header
/// uncommented: every key the config knows, with a valid value.
fn full_config() -> String {
    let example = String::from_utf8(hostile::seed("config", "example.toml")).unwrap();
    example
        .lines()
        .map(|line| match line.strip_prefix("# ") {
            Some(rest)
                if rest.starts_with('[')
                    || rest.split_once(" = ").is_some_and(|(key, _)| {
                        !key.is_empty() && key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                    }) =>
            {
                rest
            }
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `(index, key)` of every `key = value` line of a config.
fn key_lines(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.starts_with('#') && !line.starts_with('['))
        .filter_map(|(i, line)| {
            let (key, _) = line.split_once(" = ")?;
            Some((i, key.trim().to_owned()))
        })
        .collect()
}

/// An edit of one config line.
#[derive(Clone, Debug)]
enum ConfigEdit {
    /// Its value replaced by another TOML value or by text that is not TOML.
    Value(String),
    /// The line removed.
    Delete,
    /// The line written twice.
    Duplicate,
    /// A line of junk inserted before it.
    Junk(String),
}

fn config_edit() -> impl Strategy<Value = ConfigEdit> {
    let value = prop_oneof![
        Just("-1".to_owned()),
        Just("0".to_owned()),
        Just("1e400".to_owned()),
        Just("nan".to_owned()),
        Just("9999999999999999999999".to_owned()),
        Just("true".to_owned()),
        Just("[]".to_owned()),
        Just("[1, \"a\"]".to_owned()),
        Just("{}".to_owned()),
        Just("{ env = \"\" }".to_owned()),
        Just("{ file = \"/nonexistent\", env = \"X\" }".to_owned()),
        Just("\"\"".to_owned()),
        Just("1979-05-27T07:32:00Z".to_owned()),
        hostile::odd_text().prop_map(|t| format!("{t:?}")),
        "\\PC{0,16}",
    ];
    prop_oneof![
        6 => value.prop_map(ConfigEdit::Value),
        1 => Just(ConfigEdit::Delete),
        1 => Just(ConfigEdit::Duplicate),
        1 => "[^\n#]{1,20}".prop_map(ConfigEdit::Junk),
    ]
}

/// The config text with `edit` applied to line `at`, and the 1-based line an error
/// about the edit may point at.
fn edited(text: &str, at: usize, key: &str, edit: &ConfigEdit) -> (String, usize) {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let line = at + 1;
    match edit {
        ConfigEdit::Value(value) => lines[at] = format!("{key} = {value}"),
        ConfigEdit::Delete => {
            lines.remove(at);
        }
        ConfigEdit::Duplicate => lines.insert(at, lines[at].clone()),
        ConfigEdit::Junk(junk) => lines.insert(at, junk.clone()),
    }
    (lines.join("\n"), line)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_break_the_importer(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        match import(&bytes) {
            Err(error) => prop_assert!(error.to_string().contains(CSV_NAME), "{error}"),
            Ok(imported) => {
                prop_assert!(imported.errors.len() <= imported.bad_lines);
                for message in &imported.errors {
                    prop_assert!(message.starts_with(&format!("{CSV_NAME} line ")), "{message}");
                }
            }
        }
    }

    #[test]
    fn every_rejected_csv_line_is_named_and_every_good_line_imported(
        rows in prop::collection::vec(prop_oneof![3 => good_row(), 1 => bad_row()], 1..60),
    ) {
        let imported = import(&csv_of(&rows)).unwrap();
        let bad: Vec<usize> = rows
            .iter()
            .enumerate()
            .filter(|(_, row)| matches!(row, Row::Bad(_)))
            .map(|(i, _)| i + 2) // the header is line 1
            .collect();
        prop_assert_eq!(imported.lines, rows.len());
        prop_assert_eq!(imported.bad_lines, bad.len(), "{:?}", imported.errors);
        for (line, message) in bad.iter().zip(&imported.errors) {
            let place = format!("{CSV_NAME} line {line}: ");
            prop_assert!(message.starts_with(&place), "{message} (expected {place})");
        }
        let good = rows.len() - bad.len();
        let imported_lines: usize = imported.orders.iter().map(|o| o.lines.len()).sum();
        prop_assert_eq!(imported_lines, good);
        let units: u64 = imported.orders.iter().flat_map(|o| &o.lines).map(|l| u64::from(l.quantity)).sum();
        let expected: u64 = rows.iter().map(|r| match r { Row::Good { quantity, .. } => u64::from(*quantity), Row::Bad(_) => 0 }).sum();
        prop_assert_eq!(units, expected);
    }

    #[test]
    fn arbitrary_config_text_is_refused_with_a_place(text in prop_oneof![
        "\\PC{0,300}",
        prop::collection::vec(
            prop_oneof![
                "\\[[a-z\\[\\]]{0,10}\\]",
                "[a-z_]{1,12} = [^\n]{0,20}",
                Just("[[shops]]".to_owned()),
                Just("platform = \"shopify\"".to_owned()),
                "[^\n]{0,30}",
            ],
            0..20,
        ).prop_map(|lines| lines.join("\n")),
    ]) {
        if let Err(error) = Config::from_toml_str(&text, "hostile.toml") {
            let message = error.to_string();
            prop_assert!(message.starts_with("hostile.toml"), "{message}");
        }
    }

    #[test]
    fn a_config_with_one_bad_edit_names_the_key_or_the_line(
        which in any::<prop::sample::Index>(),
        edit in config_edit(),
    ) {
        let text = full_config();
        let lines = key_lines(&text);
        let (at, key) = which.get(&lines).clone();
        let (changed, line) = edited(&text, at, &key, &edit);
        match Config::from_toml_str(&changed, "edited.toml") {
            Ok(_) => {}
            // A syntax error is found at or after the edit, never before it: an
            // unclosed `{`, `[` or `"` runs on into the lines that follow.
            Err(ConfigError::Syntax { line: found, message, .. }) => {
                prop_assert!(found.is_some_and(|found| found >= line), "edit {edit:?} of `{key}` (line {line}): line {found:?}: {message}");
            }
            Err(error) => {
                let message = error.to_string();
                let named = message.contains(&key)
                    || message.contains(&format!("line {line}"))
                    || message.contains(&format!("line {}", line + 1));
                prop_assert!(named, "edit {edit:?} of `{key}` (line {line}): {message}");
            }
        }
    }
}

#[test]
fn the_full_config_and_a_good_csv_are_accepted() {
    let text = full_config();
    Config::from_toml_str(&text, "full.toml").unwrap_or_else(|e| panic!("{e}"));
    assert!(key_lines(&text).len() > 40, "every key uncommented");
    let mut csv = format!("{HEADER}\n");
    for i in 0..5 {
        let _ = writeln!(csv, "50000{i},1000{i}A,Mug,2,2026-03-01 10:00,2.50,17,UK");
    }
    let imported = import(csv.as_bytes()).unwrap();
    assert_eq!(imported.orders.len(), 5);
    assert_eq!(imported.bad_lines, 0);
}
