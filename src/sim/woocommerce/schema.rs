//! Validation of single-item write bodies against the product schema, as WordPress
//! does before WooCommerce sees them (batch items skip it, reference §7). Scalars given
//! for an array are read as a comma list (`wp_parse_list`), so `"abc"` fails as
//! `upsell_ids[0] is not of type integer.` and `"12,13"` passes.

use serde_json::{json, Map, Value};

use super::meta::as_id;
use super::query::{english_list, split_list};
use super::respond::{ApiError, ParamError};

const STRINGS: [&str; 10] = [
    "name",
    "slug",
    "sku",
    "description",
    "short_description",
    "regular_price",
    "sale_price",
    "external_url",
    "button_text",
    "purchase_note",
];
const ENUMS: [(&str, &[&str]); 4] = [
    ("type", &["simple", "grouped", "external", "variable"]),
    (
        "status",
        &["draft", "pending", "private", "publish", "future"],
    ),
    (
        "catalog_visibility",
        &["visible", "catalog", "search", "hidden"],
    ),
    ("stock_status", &["instock", "outofstock", "onbackorder"]),
];
const ID_LISTS: [&str; 3] = ["upsell_ids", "cross_sell_ids", "grouped_products"];
const OBJECT_LISTS: [&str; 3] = ["meta_data", "categories", "tags"];

/// Checks a product body; every bad member is reported.
pub(crate) fn validate_product(body: &Map<String, Value>) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    for name in STRINGS {
        if let Some(value) = body.get(name) {
            if !value.is_string() {
                errors.push(type_error(name, name, "string"));
            }
        }
    }
    for (name, allowed) in ENUMS {
        match body.get(name) {
            None => {}
            Some(Value::String(s)) if allowed.contains(&s.as_str()) => {}
            Some(Value::String(_)) => errors.push(ParamError {
                param: name.to_owned(),
                message: format!("{name} is not one of {}.", english_list(allowed)),
                code: "rest_not_in_enum",
                data: Value::Null,
            }),
            Some(_) => errors.push(type_error(name, name, "string")),
        }
    }
    if body.get("manage_stock").is_some_and(|v| !is_boolean(v)) {
        errors.push(type_error("manage_stock", "manage_stock", "boolean"));
    }
    if body
        .get("stock_quantity")
        .is_some_and(|v| as_integer(v).is_none())
    {
        errors.push(type_error("stock_quantity", "stock_quantity", "integer"));
    }
    for name in ID_LISTS {
        if let Some(error) = body.get(name).and_then(|v| id_list_error(name, v)) {
            errors.push(error);
        }
    }
    for name in OBJECT_LISTS {
        if let Some(error) = body.get(name).and_then(|v| object_list_error(name, v)) {
            errors.push(error);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid_params(&errors))
    }
}

fn type_error(param: &str, path: &str, kind: &str) -> ParamError {
    ParamError {
        param: param.to_owned(),
        message: format!("{path} is not of type {kind}."),
        code: "rest_invalid_type",
        data: json!({"param": path}),
    }
}

fn is_boolean(value: &Value) -> bool {
    match value {
        Value::Bool(_) => true,
        Value::Number(n) => matches!(n.as_i64(), Some(0 | 1)),
        Value::String(s) => matches!(s.as_str(), "true" | "false" | "1" | "0"),
        _ => false,
    }
}

/// An integer given as a number or numeric string.
pub(crate) fn as_integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The items of an array parameter, scalars read as a comma list.
fn list_items(value: &Value) -> Option<Vec<Value>> {
    match value {
        Value::Array(items) => Some(items.clone()),
        Value::String(s) => Some(split_list(s).into_iter().map(Value::String).collect()),
        Value::Number(_) | Value::Bool(_) => Some(vec![value.clone()]),
        _ => None,
    }
}

fn id_list_error(name: &str, value: &Value) -> Option<ParamError> {
    let Some(items) = list_items(value) else {
        return Some(type_error(name, name, "array"));
    };
    items
        .iter()
        .position(|item| as_integer(item).is_none())
        .map(|i| type_error(name, &format!("{name}[{i}]"), "integer"))
}

fn object_list_error(name: &str, value: &Value) -> Option<ParamError> {
    let Value::Array(items) = value else {
        return Some(type_error(name, name, "array"));
    };
    items
        .iter()
        .position(|item| !item.is_object())
        .map(|i| type_error(name, &format!("{name}[{i}]"), "object"))
}

/// The ids WooCommerce stores for a linked-ids value: positive integers in order,
/// duplicates kept. In a batch item (`strict` false) anything but an array clears the
/// list, as observed.
pub(crate) fn linked_ids(value: &Value, strict: bool) -> Vec<u64> {
    let items = match value {
        Value::Array(items) => items.clone(),
        _ if strict => list_items(value).unwrap_or_default(),
        _ => Vec::new(),
    };
    items
        .iter()
        .filter_map(as_id)
        .filter(|id| *id > 0)
        .collect()
}
