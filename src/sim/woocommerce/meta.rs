//! `meta_data` writes with WooCommerce's semantics (reference §7, `WC_Data::
//! update_meta_data`): an item without `id` updates the first row with its key (the row
//! keeps its meta id) and deletes the key's other rows, or adds a row; an item with a
//! known `id` updates that row; `"value": null` deletes; keys not mentioned stay.
//! Scalars are stored as the strings WooCommerce returns (`42` → `"42"`, `true` →
//! `"1"`), objects and arrays as JSON.

use serde_json::Value;

use super::records::SimWooMeta;

/// The value as WooCommerce stores and returns it.
pub(crate) fn stored(value: Value) -> Value {
    match value {
        Value::Bool(true) => Value::String("1".to_owned()),
        Value::Bool(false) => Value::String(String::new()),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Value::String(i.to_string()),
            (None, Some(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
                Value::String((f as i64).to_string())
            }
            _ => Value::String(n.to_string()),
        },
        other => other,
    }
}

/// Sets `key` to `value` (`None` deletes every row with the key), as an item without
/// `id` does. `fresh` supplies the id of a new row.
pub(crate) fn set_key(meta: &mut Vec<SimWooMeta>, key: &str, value: Option<Value>, fresh: u64) {
    let value = value.filter(|v| !v.is_null());
    let first = meta.iter().position(|m| m.key == key);
    let Some(first) = first else {
        if let Some(value) = value {
            meta.push(SimWooMeta {
                id: fresh,
                key: key.to_owned(),
                value: stored(value),
            });
        }
        return;
    };
    let keep_id = meta[first].id;
    meta.retain(|m| m.key != key || m.id == keep_id);
    match value {
        Some(value) => {
            if let Some(row) = meta.iter_mut().find(|m| m.id == keep_id) {
                row.value = stored(value);
            }
        }
        None => meta.retain(|m| m.id != keep_id),
    }
}

/// Applies the items of a `meta_data` array in order. Items that are not objects with
/// a key or id are skipped. `fresh` supplies ids of new rows.
pub(crate) fn write(
    meta: &mut Vec<SimWooMeta>,
    items: &[Value],
    fresh: &mut impl Iterator<Item = u64>,
) {
    for item in items {
        let Value::Object(item) = item else {
            continue;
        };
        let key = item.get("key").and_then(Value::as_str).map(str::to_owned);
        let value = item.get("value").unwrap_or(&Value::Null);
        let id = item.get("id").and_then(as_id).filter(|id| *id > 0);
        match (id, key) {
            (Some(id), key) => update_by_id(meta, id, key, value, fresh),
            (None, Some(key)) => {
                set_key(meta, &key, Some(value.clone()), fresh.next().unwrap_or(0));
            }
            (None, None) => {}
        }
    }
}

fn update_by_id(
    meta: &mut Vec<SimWooMeta>,
    id: u64,
    key: Option<String>,
    value: &Value,
    fresh: &mut impl Iterator<Item = u64>,
) {
    let Some(position) = meta.iter().position(|m| m.id == id) else {
        // An unknown id adds the key as a unique row, as `add_meta_data(…, true)`.
        if let Some(key) = key {
            meta.retain(|m| m.key != key);
            set_key(meta, &key, Some(value.clone()), fresh.next().unwrap_or(0));
        }
        return;
    };
    if value.is_null() {
        meta.remove(position);
        return;
    }
    let row = &mut meta[position];
    if let Some(key) = key {
        row.key = key;
    }
    row.value = stored(value.clone());
}

/// An id given as a number or numeric string.
pub(crate) fn as_id(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                .map(|f| f as u64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn row(id: u64, key: &str, value: Value) -> SimWooMeta {
        SimWooMeta {
            id,
            key: key.to_owned(),
            value,
        }
    }

    #[test]
    fn a_key_updates_its_first_row_and_drops_duplicates() {
        let mut meta = vec![
            row(1, "a", json!("x")),
            row(2, "b", json!("y")),
            row(3, "a", json!("z")),
        ];
        write(&mut meta, &[json!({"key": "a", "value": 42})], &mut (10..));
        assert_eq!(
            meta,
            vec![row(1, "a", json!("42")), row(2, "b", json!("y"))]
        );
    }

    #[test]
    fn null_deletes_and_new_keys_are_added() {
        let mut meta = vec![row(1, "a", json!("x"))];
        let items = [
            json!({"key": "a", "value": null}),
            json!({"key": "c", "value": {"ids": [1]}}),
            json!({"key": "d", "value": true}),
        ];
        write(&mut meta, &items, &mut (10..));
        assert_eq!(
            meta,
            vec![row(11, "c", json!({"ids": [1]})), row(12, "d", json!("1"))]
        );
    }

    #[test]
    fn an_id_updates_that_row() {
        let mut meta = vec![row(1, "a", json!("x")), row(2, "a", json!("y"))];
        write(
            &mut meta,
            &[json!({"id": 2, "key": "a", "value": "z"})],
            &mut (10..),
        );
        assert_eq!(meta, vec![row(1, "a", json!("x")), row(2, "a", json!("z"))]);
    }
}
