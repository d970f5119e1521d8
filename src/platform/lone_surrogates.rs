//! Escaped lone surrogates (`"\ud800"`) in JSON answers, made readable.
//!
//! JSON text may escape a UTF-16 surrogate without its partner (JavaScript-built
//! strings, a title cut between the two halves of an emoji); no Rust string can hold
//! one, so serde rejects the whole document, and one odd product title would fail every
//! page that lists it, on every pull, for good. Each such escape is replaced with
//! `\ufffd` (U+FFFD, the replacement character) before parsing, which is what a lossy
//! UTF-16 decoder does: the record is kept, the odd character shows as "�". The
//! replacement has the same length, and a document without lone surrogates is not
//! copied.

use std::borrow::Cow;

/// `json` with every escaped lone surrogate replaced by `\ufffd`.
#[must_use]
pub fn replace_lone_surrogates(json: &[u8]) -> Cow<'_, [u8]> {
    let mut out: Option<Vec<u8>> = None;
    let mut at = 0;
    while at < json.len() {
        if json[at] != b'\\' {
            at += 1;
            continue;
        }
        let Some(unit) = escaped_unit(json, at) else {
            // Any other escape: skip the backslash and the escaped byte.
            at += 2;
            continue;
        };
        let paired = match unit {
            0xD800..=0xDBFF => escaped_unit(json, at + 6).is_some_and(is_low),
            0xDC00..=0xDFFF => false,
            _ => {
                at += 6;
                continue;
            }
        };
        if paired {
            at += 12;
            continue;
        }
        out.get_or_insert_with(|| json.to_vec())[at..at + 6].copy_from_slice(b"\\ufffd");
        at += 6;
    }
    out.map_or(Cow::Borrowed(json), Cow::Owned)
}

/// The code unit of a `\uXXXX` escape starting at `at`, if there is one.
fn escaped_unit(json: &[u8], at: usize) -> Option<u16> {
    let escape = json.get(at..at + 6)?;
    if escape[0] != b'\\' || escape[1] != b'u' {
        return None;
    }
    let hex = std::str::from_utf8(&escape[2..]).ok()?;
    u16::from_str_radix(hex, 16).ok()
}

fn is_low(unit: u16) -> bool {
    (0xDC00..=0xDFFF).contains(&unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(json: &str) -> String {
        String::from_utf8(replace_lone_surrogates(json.as_bytes()).into_owned()).unwrap()
    }

    #[test]
    fn lone_high_and_low_surrogates_become_replacement_characters() {
        assert_eq!(fixed(r#"{"t":"a\ud800b"}"#), r#"{"t":"a\ufffdb"}"#);
        assert_eq!(fixed(r#"{"t":"\uDC00"}"#), r#"{"t":"\ufffd"}"#);
        assert_eq!(fixed(r#"["\ud800\ud800"]"#), r#"["\ufffd\ufffd"]"#);
        let value: serde_json::Value = serde_json::from_str(&fixed(r#"{"t":"x\ud83d"}"#)).unwrap();
        assert_eq!(value["t"], "x\u{fffd}");
    }

    #[test]
    fn pairs_other_escapes_and_plain_text_are_left_alone() {
        for json in [
            r#"{"t":"\ud83d\ude00 \u00e9 \n \\ud800 \" plain"}"#,
            "{\"t\":\"😀\"}",
            r#"{"cut":"\u12"}"#,
        ] {
            assert!(
                matches!(replace_lone_surrogates(json.as_bytes()), Cow::Borrowed(_)),
                "{json}"
            );
        }
    }
}
