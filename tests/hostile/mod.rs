//! Shared by the hostile-input tests (`tests/hostile_*.rs`): the seed documents (small
//! captures in `fuzz/seeds/`, shared with the fuzz targets), strategies for arbitrary
//! JSON and odd text, and one-edit mutations of a JSON document that remember where
//! they cut, so a test can check that an error names that place.

pub mod platform;

use std::fmt::Write as _;

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Map, Number, Value};

/// A seed file of `fuzz/seeds/{dir}/{name}`.
pub fn seed(dir: &str, name: &str) -> Vec<u8> {
    let path = format!("{}/fuzz/seeds/{dir}/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A seed file parsed as JSON.
pub fn seed_json(dir: &str, name: &str) -> Value {
    serde_json::from_slice(&seed(dir, name)).unwrap_or_else(|e| panic!("{dir}/{name}: {e}"))
}

/// Text that trips naive code: control and format characters, right-to-left marks,
/// combining marks, emoji, a BOM, non-characters, and (rarely) a huge run.
pub fn odd_text() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("\u{0}".to_owned()),
        Just("\u{202e}evil\u{202c}".to_owned()),
        Just("e\u{301}\u{302}\u{303}".to_owned()),
        Just("🦀👩‍👩‍👧".to_owned()),
        Just("\u{feff}".to_owned()),
        Just("\u{fffe}\u{ffff}\u{10ffff}".to_owned()),
        Just("\\u0000\"'<>&".to_owned()),
        Just("1,2\n3\r\n".to_owned()),
        Just("ß".repeat(3)),
        "\\PC{0,12}",
    ];
    prop_oneof![
        12 => prop::collection::vec(pieces, 0..5).prop_map(|p| p.concat()),
        1 => (1_usize..4).prop_map(|n| "Ω description ".repeat(n * 40_000)),
    ]
}

/// A JSON leaf of any kind, numbers at their edges included.
pub fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
        Just(Value::from(-1)),
        Just(Value::from(0)),
        odd_text().prop_map(Value::String),
        "[0-9]{1,25}(\\.[0-9]{0,6})?".prop_map(Value::String),
        Just(Value::String("2026-11-20T15:00:00Z".to_owned())),
    ]
}

/// An arbitrary JSON tree, a few levels deep; keys often collide with real field names.
pub fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        prop::sample::select(vec![
            "id",
            "title",
            "name",
            "price",
            "status",
            "variants",
            "line_items",
            "quantity",
            "customer",
            "nodes",
            "products",
            "orders",
            "pageInfo",
            "updated_at",
            "date_modified_gmt",
        ])
        .prop_map(str::to_owned),
        "\\PC{0,8}",
    ];
    json_leaf().prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// One step of a path into a JSON document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// A member of an object.
    Key(String),
    /// An element of an array.
    Index(usize),
}

/// What a mutation does at its place.
#[derive(Clone, Debug)]
pub enum Edit {
    /// The value is replaced (by another kind, a number at its edge, odd text...).
    Replace(Value),
    /// The member is removed (for an array element: the element).
    Delete,
}

/// One edit at one place of a document.
#[derive(Clone, Debug)]
pub struct Mutation {
    /// Where, from the root.
    pub path: Vec<Step>,
    /// What.
    pub edit: Edit,
}

impl Mutation {
    /// The name of the member the edit touched or that holds the element it touched:
    /// what an error about it must name. `None` for the document itself.
    pub fn key(&self) -> Option<&str> {
        self.path.iter().rev().find_map(|step| match step {
            Step::Key(key) => Some(key.as_str()),
            Step::Index(_) => None,
        })
    }

    /// The path in the `a.b[2].c` spelling of `serde_path_to_error`.
    pub fn dotted(&self) -> String {
        let mut out = String::new();
        for step in &self.path {
            match step {
                Step::Key(key) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(key);
                }
                Step::Index(i) => {
                    let _ = write!(out, "[{i}]");
                }
            }
        }
        out
    }

    /// `document` with the edit applied.
    pub fn apply(&self, document: &Value) -> Value {
        let mut out = document.clone();
        let Some((place, parents)) = self.path.split_last() else {
            return match &self.edit {
                Edit::Replace(value) => value.clone(),
                Edit::Delete => Value::Null,
            };
        };
        let mut at = &mut out;
        for step in parents {
            at = match (step, at) {
                (Step::Key(key), Value::Object(map)) => {
                    map.get_mut(key).expect("a path of the document")
                }
                (Step::Index(i), Value::Array(list)) => &mut list[*i],
                _ => unreachable!("paths come from the document"),
            };
        }
        match (place, at, &self.edit) {
            (Step::Key(key), Value::Object(map), Edit::Replace(value)) => {
                map.insert(key.clone(), value.clone());
            }
            (Step::Key(key), Value::Object(map), Edit::Delete) => {
                map.remove(key);
            }
            (Step::Index(i), Value::Array(list), Edit::Replace(value)) => list[*i] = value.clone(),
            (Step::Index(i), Value::Array(list), Edit::Delete) => {
                list.remove(*i);
            }
            _ => unreachable!("paths come from the document"),
        }
        out
    }
}

/// Every path of `document`, the root first.
pub fn paths(document: &Value) -> Vec<Vec<Step>> {
    let mut out = vec![Vec::new()];
    let mut i = 0;
    while i < out.len() {
        let path = out[i].clone();
        let mut at = document;
        for step in &path {
            at = match step {
                Step::Key(key) => &at[key.as_str()],
                Step::Index(i) => &at[*i],
            };
        }
        match at {
            Value::Object(map) => {
                for key in map.keys() {
                    let mut child = path.clone();
                    child.push(Step::Key(key.clone()));
                    out.push(child);
                }
            }
            Value::Array(list) => {
                for index in 0..list.len() {
                    let mut child = path.clone();
                    child.push(Step::Index(index));
                    out.push(child);
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// One mutation of `document` anywhere but the root: a value of another kind, a
/// deletion, or the string spliced with odd text.
pub fn mutation_of(document: &Value) -> impl Strategy<Value = Mutation> {
    let paths: Vec<Vec<Step>> = paths(document).into_iter().skip(1).collect();
    let document = document.clone();
    (any::<Index>(), 0_u8..10, json_value(), odd_text()).prop_map(
        move |(index, kind, value, odd)| {
            let path = index.get(&paths).clone();
            let edit = match kind {
                0..=1 => Edit::Delete,
                2..=3 => {
                    let current = Mutation {
                        path: path.clone(),
                        edit: Edit::Delete,
                    };
                    Edit::Replace(splice(&current, &document, &odd))
                }
                _ => Edit::Replace(value),
            };
            Mutation { path, edit }
        },
    )
}

/// The value at the mutation's place as a string with `odd` inside it (a string stays a
/// string; anything else becomes its JSON text with `odd` appended).
fn splice(mutation: &Mutation, document: &Value, odd: &str) -> Value {
    let pointer: String = mutation
        .path
        .iter()
        .map(|step| match step {
            Step::Key(key) => format!("/{}", key.replace('~', "~0").replace('/', "~1")),
            Step::Index(i) => format!("/{i}"),
        })
        .collect();
    let current = document.pointer(&pointer).cloned().unwrap_or(Value::Null);
    let text = match current {
        Value::String(s) => {
            let middle = s
                .char_indices()
                .nth(s.chars().count() / 2)
                .map_or(s.len(), |(i, _)| i);
            format!("{}{odd}{}", &s[..middle], &s[middle..])
        }
        other => format!("{other}{odd}"),
    };
    Value::String(text)
}

/// Bytes that are often almost JSON: arbitrary bytes, a document cut short, one byte
/// flipped, or a lone surrogate escape.
pub fn broken_json(document: &Value) -> impl Strategy<Value = Vec<u8>> {
    let text = serde_json::to_vec(document).expect("a document encodes");
    let len = text.len();
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        (0..len).prop_map({
            let text = text.clone();
            move |cut| text[..cut].to_vec()
        }),
        (0..len, any::<u8>()).prop_map({
            let text = text.clone();
            move |(at, byte)| {
                let mut out = text.clone();
                out[at] = byte;
                out
            }
        }),
        Just(br#"{"id": "\ud800", "title": "\udfff"}"#.to_vec()),
    ]
}
