//! `metafieldsSet` and `metafieldsDelete` on products, with Shopify's validation
//! (reference §5 and captured answers): at most 25 inputs, namespace 3–255 and key
//! 2–64 characters, reserved namespaces refused, `type` required and known, values
//! checked per type (product references must exist, lists hold at most 128 items,
//! `json` at most 128 KB), and `compareDigest` as an optimistic lock. The call is
//! atomic: any error saves nothing and answers `metafields: []`.
//!
//! Field paths index inputs as strings (`["metafields", "0", "key"]`) and
//! `elementIndex` is only set for an element of a list value, as Shopify does.
//! Namespace characters are not checked: live captures show Shopify accepting
//! punctuation there despite the documentation.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::ids::{self, gid, timestamp, APP_CLIENT_ID};
use super::objects::{OVal, Owned};
use super::state::{MetafieldRec, ShopData};

/// Most inputs per call.
pub(crate) const MAX_INPUTS: usize = 25;
/// Most items of a list value.
const MAX_LIST_ITEMS: usize = 128;
/// Largest `json` value written through API 2026-04 and later.
const MAX_JSON_BYTES: usize = 128 * 1024;
const RESERVED: [&str; 3] = ["shopify_standard", "protected", "shopify-l10n-fields"];
const KNOWN_TYPES: [&str; 9] = [
    "list.product_reference",
    "product_reference",
    "json",
    "number_integer",
    "number_decimal",
    "boolean",
    "single_line_text_field",
    "multi_line_text_field",
    "list.single_line_text_field",
];

/// `compareDigest` of a stored value: a hash of it, so any change changes the digest.
pub(crate) fn digest(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

/// The stored namespace: omitted or `$app` means the app's reserved one.
pub(crate) fn resolve_namespace(namespace: Option<&str>) -> String {
    match namespace {
        None | Some("$app") => format!("app--{APP_CLIENT_ID}"),
        Some(ns) => match ns.strip_prefix("$app:") {
            Some(sub) => format!("app--{APP_CLIENT_ID}--{sub}"),
            None => ns.to_owned(),
        },
    }
}

/// One user error.
fn user_error(
    field: &[String],
    message: impl Into<String>,
    code: Option<&str>,
    element: Option<usize>,
) -> Owned {
    Owned::new("MetafieldsSetUserError")
        .with("field", json!(field))
        .with("message", json!(message.into()))
        .with("code", code.map_or(Value::Null, |c| json!(c)))
        .with("elementIndex", element.map_or(Value::Null, |e| json!(e)))
}

/// A validated input, ready to apply.
struct Input {
    owner: u64,
    namespace: String,
    key: String,
    kind: String,
    value: String,
}

/// `metafieldsSet`: validates every input, then writes all or nothing. Returns the
/// payload and how many metafields were written.
pub(crate) fn set(data: &mut ShopData, inputs: &[Value], now: DateTime<Utc>) -> (Owned, usize) {
    let payload = |metafields: Vec<Owned>, errors: Vec<Owned>| {
        Owned::new("MetafieldsSetPayload")
            .with(
                "metafields",
                OVal::List(metafields.into_iter().map(OVal::Obj).collect()),
            )
            .with("userErrors", errors)
    };
    if inputs.len() > MAX_INPUTS {
        let error = user_error(
            &["metafields".to_owned()],
            format!("Exceeded the maximum metafields input limit of {MAX_INPUTS}."),
            Some("LESS_THAN_OR_EQUAL_TO"),
            None,
        );
        return (payload(Vec::new(), vec![error]), 0);
    }
    let mut valid = Vec::new();
    let mut errors = Vec::new();
    for (index, input) in inputs.iter().enumerate() {
        match validate(data, index, input) {
            Ok(ok) => valid.push(ok),
            Err(error) => errors.push(error),
        }
    }
    if !errors.is_empty() {
        return (payload(Vec::new(), errors), 0);
    }
    let written = valid.len();
    let saved = valid
        .into_iter()
        .filter_map(|input| apply(data, input, now))
        .collect();
    (payload(saved, Vec::new()), written)
}

fn validate(data: &ShopData, index: usize, input: &Value) -> Result<Input, Owned> {
    let at = |name: &str| vec!["metafields".to_owned(), index.to_string(), name.to_owned()];
    let text = |name: &str| input.get(name).and_then(Value::as_str);
    let namespace = resolve_namespace(text("namespace"));
    let key = text("key").unwrap_or_default().to_owned();
    let length_error = |name: &str, len: usize, min: usize, max: usize| {
        let label = if name == "namespace" {
            "Namespace"
        } else {
            "Key"
        };
        if len < min {
            Some(user_error(
                &at(name),
                format!("{label} is too short (minimum is {min} characters)"),
                Some("TOO_SHORT"),
                None,
            ))
        } else if len > max {
            Some(user_error(
                &at(name),
                format!("{label} is too long (maximum is {max} characters)"),
                Some("TOO_LONG"),
                None,
            ))
        } else {
            None
        }
    };
    if let Some(error) = length_error("namespace", namespace.chars().count(), 3, 255)
        .or_else(|| length_error("key", key.chars().count(), 2, 64))
    {
        return Err(error);
    }
    if RESERVED.contains(&namespace.as_str()) {
        let message = format!("Namespace {namespace} is a reserved namespace");
        return Err(user_error(&at("namespace"), message, None, None));
    }
    let owner_id = text("ownerId").unwrap_or_default();
    let Some(owner) =
        ids::parse_kind(owner_id, "Product").filter(|n| data.products.contains_key(n))
    else {
        return Err(user_error(
            &at("ownerId"),
            "Owner does not exist.",
            Some("INVALID"),
            None,
        ));
    };
    let Some(kind) = text("type").map(str::to_owned) else {
        return Err(user_error(
            &at("type"),
            "Type can't be blank",
            Some("BLANK"),
            None,
        ));
    };
    if !KNOWN_TYPES.contains(&kind.as_str()) {
        let message = format!("Type '{kind}' is not a valid type.");
        return Err(user_error(&at("type"), message, Some("INVALID_TYPE"), None));
    }
    let value = text("value").unwrap_or_default().to_owned();
    if let Some((message, element)) = value_error(data, &kind, &value) {
        return Err(user_error(
            &at("value"),
            message,
            Some("INVALID_VALUE"),
            element,
        ));
    }
    check_digest(data, owner, &namespace, &key, input).map_err(|()| {
        user_error(
            &at("compareDigest"),
            "The metafield has been modified since it was loaded.",
            Some("STALE_OBJECT"),
            None,
        )
    })?;
    Ok(Input {
        owner,
        namespace,
        key,
        kind,
        value,
    })
}

/// `compareDigest` given and different from the stored one, or explicitly `null` while
/// the metafield exists: stale. Omitted: no check.
fn check_digest(
    data: &ShopData,
    owner: u64,
    namespace: &str,
    key: &str,
    input: &Value,
) -> Result<(), ()> {
    let Some(expected) = input.get("compareDigest") else {
        return Ok(());
    };
    let current = data
        .products
        .get(&owner)
        .and_then(|p| {
            p.metafields
                .iter()
                .find(|m| m.namespace == namespace && m.key == key)
        })
        .map(|m| digest(&m.value));
    match (expected.as_str(), current) {
        (None, None) => Ok(()),
        (Some(e), Some(c)) if e == c => Ok(()),
        _ => Err(()),
    }
}

/// What is wrong with `value` for `kind`, and which list element, if anything.
fn value_error(data: &ShopData, kind: &str, value: &str) -> Option<(String, Option<usize>)> {
    let product_exists =
        |id: &str| ids::parse_kind(id, "Product").is_some_and(|n| data.products.contains_key(&n));
    match kind {
        "number_integer" => value
            .parse::<i64>()
            .is_err()
            .then(|| ("Value must be an integer.".to_owned(), None)),
        "number_decimal" => value
            .parse::<f64>()
            .is_err()
            .then(|| ("Value must be a decimal.".to_owned(), None)),
        "boolean" => (!matches!(value, "true" | "false"))
            .then(|| ("Value must be true or false.".to_owned(), None)),
        "json" => match serde_json::from_str::<Value>(value) {
            Err(e) => Some((format!("Value is invalid JSON: {e}."), None)),
            Ok(_) if value.len() > MAX_JSON_BYTES => {
                Some(("Value is too long (maximum is 128 KB)".to_owned(), None))
            }
            Ok(_) => None,
        },
        "single_line_text_field" if value.trim().is_empty() => {
            Some(("Value can't be blank.".to_owned(), None))
        }
        "single_line_text_field" if value.contains(['\n', '\r']) => {
            Some(("Value must be a single line text string.".to_owned(), None))
        }
        "product_reference" => (!product_exists(value)).then(|| {
            (
                format!("Value references non-existent resource {value}."),
                None,
            )
        }),
        "list.product_reference" | "list.single_line_text_field" => {
            let Ok(Value::Array(items)) = serde_json::from_str::<Value>(value) else {
                return Some(("Value must be a JSON array.".to_owned(), None));
            };
            if items.len() > MAX_LIST_ITEMS {
                return Some((
                    format!("Value has more than {MAX_LIST_ITEMS} elements."),
                    None,
                ));
            }
            items
                .iter()
                .enumerate()
                .find_map(|(i, item)| match (kind, item.as_str()) {
                    (_, None) => Some(("Value is invalid.".to_owned(), Some(i))),
                    ("list.product_reference", Some(id)) if !product_exists(id) => Some((
                        format!("Value references non-existent resource {id}."),
                        Some(i),
                    )),
                    _ => None,
                })
        }
        _ => None,
    }
}

/// Writes one validated input; returns the saved metafield as answered.
fn apply(data: &mut ShopData, input: Input, now: DateTime<Utc>) -> Option<Owned> {
    let existing = data
        .products
        .get(&input.owner)?
        .metafields
        .iter()
        .position(|m| m.namespace == input.namespace && m.key == input.key);
    let fresh = if existing.is_none() {
        Some(data.next_metafield_num())
    } else {
        None
    };
    let product = data.products.get_mut(&input.owner)?;
    let record = match (existing, fresh) {
        (Some(i), _) => {
            let record = &mut product.metafields[i];
            if record.value != input.value || record.kind != input.kind {
                record.value = input.value;
                record.kind = input.kind;
                record.updated_at = now;
                record.clone()
            } else {
                let record = record.clone();
                data.unchanged_metafield_writes += 1;
                record
            }
        }
        (None, Some(num)) => {
            let record = MetafieldRec {
                num,
                namespace: input.namespace,
                key: input.key,
                kind: input.kind,
                value: input.value,
                created_at: now,
                updated_at: now,
            };
            product.metafields.push(record.clone());
            record
        }
        (None, None) => return None,
    };
    Some(metafield_owned(&record))
}

/// A stored metafield as an answer object.
pub(crate) fn metafield_owned(record: &MetafieldRec) -> Owned {
    Owned::new("Metafield")
        .with("id", json!(gid("Metafield", record.num)))
        .with("namespace", json!(record.namespace))
        .with("key", json!(record.key))
        .with("type", json!(record.kind))
        .with("value", json!(record.value))
        .with("compareDigest", json!(digest(&record.value)))
        .with("createdAt", json!(timestamp(record.created_at)))
        .with("updatedAt", json!(timestamp(record.updated_at)))
}

/// `metafieldsDelete`: removes what exists; a missing metafield is a `null` entry, not
/// an error. Returns the payload and how many were deleted.
pub(crate) fn delete(data: &mut ShopData, inputs: &[Value]) -> (Owned, usize) {
    let mut deleted = Vec::with_capacity(inputs.len());
    let mut count = 0;
    for input in inputs {
        let text = |name: &str| input.get(name).and_then(Value::as_str).unwrap_or_default();
        let namespace = resolve_namespace(input.get("namespace").and_then(Value::as_str));
        let key = text("key");
        let owner = ids::parse_kind(text("ownerId"), "Product");
        let removed = owner
            .and_then(|n| data.products.get_mut(&n))
            .and_then(|product| {
                let at = product
                    .metafields
                    .iter()
                    .position(|m| m.namespace == namespace && m.key == key)?;
                Some(product.metafields.remove(at))
            });
        deleted.push(match removed {
            Some(_) => {
                count += 1;
                OVal::Obj(
                    Owned::new("MetafieldIdentifier")
                        .with("ownerId", json!(text("ownerId")))
                        .with("namespace", json!(namespace))
                        .with("key", json!(key)),
                )
            }
            None => OVal::Null,
        });
    }
    let payload = Owned::new("MetafieldsDeletePayload")
        .with("deletedMetafields", OVal::List(deleted))
        .with("userErrors", OVal::List(Vec::new()));
    (payload, count)
}
