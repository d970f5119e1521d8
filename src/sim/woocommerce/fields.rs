//! `_fields` (WordPress's global parameter): keeps only the named members of each
//! answered object, plus `_links`. Nested members of objects work (`billing.email`);
//! members of array items do not (`line_items.product_id` keeps nothing), as observed.

use serde_json::{Map, Value};

/// The `_fields` list of a request, if any.
pub(crate) fn requested(params: &[(String, String)]) -> Option<Vec<String>> {
    let text = params
        .iter()
        .find(|(k, _)| k == "_fields")
        .map(|(_, v)| v)?;
    let fields: Vec<String> = text
        .split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(str::to_owned)
        .collect();
    (!fields.is_empty()).then_some(fields)
}

/// `value` trimmed to `fields` (an object; arrays of objects item by item).
pub(crate) fn trim(value: Value, fields: &[String]) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.into_iter().map(|v| trim(v, fields)).collect()),
        Value::Object(object) => {
            let paths: Vec<Vec<&str>> = fields.iter().map(|f| f.split('.').collect()).collect();
            Value::Object(keep(object, &paths))
        }
        other => other,
    }
}

fn keep(mut object: Map<String, Value>, paths: &[Vec<&str>]) -> Map<String, Value> {
    let mut out = Map::new();
    let links = object.remove("_links");
    for (key, value) in object {
        let below: Vec<Vec<&str>> = paths
            .iter()
            .filter(|p| p.first() == Some(&key.as_str()))
            .map(|p| p[1..].to_vec())
            .collect();
        if below.is_empty() {
            continue;
        }
        if below.iter().any(Vec::is_empty) {
            out.insert(key, value);
        } else if let Value::Object(inner) = value {
            out.insert(key, Value::Object(keep(inner, &below)));
        }
    }
    if let Some(links) = links {
        out.insert("_links".to_owned(), links);
    }
    out
}
