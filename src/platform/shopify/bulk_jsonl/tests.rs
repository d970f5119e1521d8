use super::*;
use serde_json::json;
use std::io::BufReader;

const PRODUCT: &str = r#"{"id":"gid://shopify/Product/1","handle":"mug"}"#;
const VARIANT: &str = r#"{"id":"gid://shopify/ProductVariant/11","price":"12.00","__parentId":"gid://shopify/Product/1"}"#;

fn read(text: &str) -> (Vec<Result<BulkLine, String>>, ReadStats) {
    let mut reader = BulkReader::new(text.as_bytes());
    let lines = reader
        .by_ref()
        .map(|l| l.map_err(|e| e.to_string()))
        .collect();
    (lines, reader.stats())
}

fn assemble(lines: &[&str], window: usize) -> (Vec<Assembled>, AssemblyStats) {
    let mut assembler = Assembler::with_window(window);
    let mut out = Vec::new();
    for line in BulkReader::new(lines.join("\n").as_bytes()) {
        out.extend(assembler.push(line.expect("well-formed")));
    }
    out.extend(assembler.finish());
    (out, assembler.stats())
}

fn node(id: &str, parent: Option<&str>) -> String {
    match parent {
        Some(parent) => json!({"id": id, "__parentId": parent}).to_string(),
        None => json!({"id": id}).to_string(),
    }
}

fn record(root: &str, children: &[(&str, &str)]) -> Assembled {
    let children = children.iter().map(|(id, parent)| Child {
        parent_id: (*parent).to_owned(),
        value: json!({ "id": id }),
    });
    Assembled::Record(Record {
        root: json!({ "id": root }),
        children: children.collect(),
    })
}

#[test]
fn roots_and_children_are_told_apart_and_parent_ids_lifted_out() {
    let (lines, stats) = read(&format!("{PRODUCT}\n{VARIANT}\n"));
    let variant = json!({"id": "gid://shopify/ProductVariant/11", "price": "12.00"});
    let expected = [
        Ok(BulkLine::Root(serde_json::from_str(PRODUCT).expect("json"))),
        Ok(BulkLine::Child {
            parent_id: "gid://shopify/Product/1".to_owned(),
            value: variant,
        }),
    ];
    assert_eq!(lines, expected);
    assert_eq!((stats.lines, stats.roots, stats.children), (2, 1, 1));
}

#[test]
fn crlf_blank_lines_and_a_missing_final_newline_are_accepted() {
    let (lines, stats) = read(&format!("\r\n{PRODUCT}\r\n   \r\n\n{VARIANT}"));
    assert!(lines.iter().all(Result::is_ok), "{lines:?}");
    assert_eq!((lines.len(), stats.lines, stats.blank), (2, 5, 3));
}

#[test]
fn a_malformed_line_is_reported_with_its_number_and_skipped() {
    let text =
        format!("{PRODUCT}\n{{\"id\": \n[1,2]\n{{\"__parentId\": 5}}\nnot json\n{VARIANT}\n");
    let (lines, stats) = read(&text);
    let errors: Vec<&String> = lines.iter().filter_map(|l| l.as_ref().err()).collect();
    assert_eq!(errors.len(), 4, "{errors:?}");
    for (error, line) in errors.iter().zip(2..) {
        assert!(
            error.starts_with(&format!("bulk output line {line}: ")),
            "{error}"
        );
    }
    assert!(
        errors[0].contains("invalid JSON at column"),
        "{}",
        errors[0]
    );
    assert!(errors[1].contains("expected a JSON object, found an array"));
    assert!(errors[2].contains("`__parentId` must be a string, found a number"));
    assert!(
        matches!(lines.last(), Some(Ok(BulkLine::Child { .. }))),
        "reading went on"
    );
    assert_eq!(
        (stats.lines, stats.bad, stats.roots, stats.children),
        (6, 4, 1, 1)
    );
}

#[test]
fn invalid_utf8_is_a_malformed_line_not_a_stop() {
    let mut bytes = b"{\"id\":\"a\xff\"}\n".to_vec();
    bytes.extend_from_slice(PRODUCT.as_bytes());
    let lines: Vec<_> = BulkReader::new(&bytes[..]).collect();
    assert!(matches!(
        lines[0],
        Err(LineError::Malformed { line: 1, .. })
    ));
    assert!(matches!(lines[1], Ok(BulkLine::Root(_))));
}

#[test]
fn an_overlong_line_is_skipped_without_being_held() {
    let long = format!("{{\"id\":\"{}\"}}", "x".repeat(10_000));
    let text = format!("{long}\n{PRODUCT}\n");
    let mut reader =
        BulkReader::new(BufReader::with_capacity(16, text.as_bytes())).with_max_line(64);
    let first = reader
        .next()
        .expect("a line")
        .expect_err("too long")
        .to_string();
    assert_eq!(
        first,
        "bulk output line 1: longer than 64 bytes; line skipped"
    );
    assert!(matches!(reader.next(), Some(Ok(BulkLine::Root(_)))));
    assert!(
        reader.buf.capacity() < 1024,
        "the long line was never buffered"
    );
}

/// Gives `data`, then fails.
struct Failing<'a>(&'a [u8]);

impl Read for Failing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.0.is_empty() {
            return Err(io::Error::new(ErrorKind::ConnectionReset, "peer gone"));
        }
        let n = self.0.read(buf)?;
        Ok(n)
    }
}

#[test]
fn a_read_error_ends_the_stream_naming_the_line() {
    let input = format!("{PRODUCT}\n{{\"id\":");
    let mut reader = BulkReader::new(BufReader::new(Failing(input.as_bytes())));
    assert!(matches!(reader.next(), Some(Ok(_))));
    let error = reader.next().expect("an error").expect_err("failed");
    assert!(matches!(error, LineError::Io { line: 2, .. }), "{error}");
    assert!(reader.next().is_none());
}

#[test]
fn in_order_children_stay_with_their_record() {
    let lines = [
        node("P1", None),
        node("V1", Some("P1")),
        node("V2", Some("P1")),
        node("P2", None),
    ];
    let (out, stats) = assemble(&lines.each_ref().map(String::as_str), 16);
    assert_eq!(
        out,
        [
            record("P1", &[("V1", "P1"), ("V2", "P1")]),
            record("P2", &[])
        ]
    );
    assert_eq!(
        (stats.records, stats.attached, stats.peak_pending),
        (2, 2, 0)
    );
}

#[test]
fn a_child_before_its_parent_waits_for_it() {
    let lines = [
        node("V1", Some("P2")),
        node("P1", None),
        node("P2", None),
        node("V2", Some("P2")),
    ];
    let (out, stats) = assemble(&lines.each_ref().map(String::as_str), 16);
    assert_eq!(
        out,
        [
            record("P1", &[]),
            record("P2", &[("V1", "P2"), ("V2", "P2")])
        ]
    );
    assert_eq!((stats.early, stats.peak_pending), (1, 1));
}

#[test]
fn a_child_after_its_record_was_emitted_is_delivered_late() {
    let lines = [node("P1", None), node("P2", None), node("V1", Some("P1"))];
    let (out, stats) = assemble(&lines.each_ref().map(String::as_str), 16);
    let late = Assembled::LateChild(Child {
        parent_id: "P1".to_owned(),
        value: json!({"id": "V1"}),
    });
    assert_eq!(out, [record("P1", &[]), late, record("P2", &[])]);
    assert_eq!((stats.late, stats.peak_pending), (1, 0), "nothing was held");
}

#[test]
fn orphans_and_children_older_than_the_window_come_out_unmatched() {
    let lines = [
        node("P1", None),
        node("P2", None),
        node("P3", None),
        node("V1", Some("P1")),
        node("X", Some("ghost")),
    ];
    let (out, stats) = assemble(&lines.each_ref().map(String::as_str), 1);
    let unmatched = |parent: &str, child: &str| Assembled::Unmatched {
        parent_id: parent.to_owned(),
        children: vec![json!({ "id": child })],
    };
    assert_eq!(
        out[2..],
        [
            record("P3", &[]),
            unmatched("P1", "V1"),
            unmatched("ghost", "X")
        ]
    );
    assert_eq!(stats.unmatched, 2);
}

#[test]
fn grandchildren_link_through_their_parent_in_any_order() {
    let lines = [
        node("M1", Some("V1")),
        node("P1", None),
        node("V1", Some("P1")),
        node("M2", Some("V1")),
    ];
    let (out, _) = assemble(&lines.each_ref().map(String::as_str), 16);
    assert_eq!(
        out,
        [record("P1", &[("V1", "P1"), ("M1", "V1"), ("M2", "V1")])]
    );
}

#[test]
fn ids_are_compared_as_opaque_strings() {
    let odd = "gid://shopify/Product/1?x=/../ é";
    let lines = [
        node(odd, None),
        node("gid://shopify/Product/1", Some("gid://shopify/Product/01")),
        node("V", Some(odd)),
    ];
    let (out, stats) = assemble(&lines.each_ref().map(String::as_str), 16);
    assert_eq!(out[0], record(odd, &[("V", odd)]));
    assert_eq!(stats.unmatched, 1, "no normalising of ids");
}

/// Streams `products` products with 3 variants each, in order, never all in memory.
struct Generated {
    products: u64,
    next: u64,
    line: Vec<u8>,
    at: usize,
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.at == self.line.len() {
            let (product, slot) = (self.next / 4, self.next % 4);
            if product == self.products {
                return Ok(0);
            }
            self.line = if slot == 0 {
                format!("{{\"id\":\"gid://shopify/Product/{product}\",\"title\":\"Mug\"}}\r\n")
            } else {
                format!("{{\"id\":\"gid://shopify/ProductVariant/{product}{slot}\",\"__parentId\":\"gid://shopify/Product/{product}\"}}\n")
            }
            .into_bytes();
            (self.next, self.at) = (self.next + 1, 0);
        }
        let n = buf.len().min(self.line.len() - self.at);
        buf[..n].copy_from_slice(&self.line[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[test]
fn two_hundred_thousand_lines_stream_with_bounded_memory() {
    let input = Generated {
        products: 50_000,
        next: 0,
        line: Vec::new(),
        at: 0,
    };
    let mut reader = BulkReader::new(BufReader::new(input));
    let mut assembler = Assembler::new();
    let (mut records, mut children) = (0_u64, 0);
    for line in reader.by_ref() {
        for item in assembler.push(line.expect("well-formed")) {
            let Assembled::Record(record) = item else {
                panic!("in order: only records")
            };
            records += 1;
            children += record.children.len();
        }
        assert!(assembler.recent.order.len() <= RECENT_IDS);
    }
    records += assembler.finish().len() as u64;
    assert_eq!(reader.stats().lines, 200_000);
    assert_eq!((records, children), (50_000, 149_997));
    let stats = assembler.stats();
    assert_eq!((stats.peak_pending, stats.peak_open, stats.late), (0, 3, 0));
}

#[test]
fn a_last_line_cut_short_ends_the_stream_as_truncated() {
    let input = format!("{PRODUCT}\n{{\"id\":\"gid://shopify/Pro");
    let mut reader = BulkReader::new(input.as_bytes());
    assert!(matches!(reader.next(), Some(Ok(_))));
    let error = reader.next().expect("an error").expect_err("truncated");
    assert!(
        matches!(error, LineError::Io { line: 2, .. }) && error.to_string().contains("truncated"),
        "{error}"
    );
    assert!(reader.next().is_none());
}
