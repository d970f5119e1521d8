//! Deciding a WooCommerce push, without any I/O: for each field we manage, what the
//! product holds, what we wrote last time and what we want now give a value to send or
//! nothing.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::config::WriteMode;
use crate::platform::woocommerce::fields::{Field, Wanted, CROSS_SELL_IDS, LIST_CAP, UPSELL_IDS};
use crate::store::WrittenRecord;
use crate::sync::merge::merged_list;

/// What a product holds of the fields we manage.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Current {
    /// `upsell_ids` as stored (may hold unknown ids or repeats: WooCommerce keeps what
    /// it is sent).
    pub upsell_ids: Vec<u64>,
    /// `cross_sell_ids` as stored.
    pub cross_sell_ids: Vec<u64>,
    /// Our meta keys present on the product, with their values.
    pub meta: HashMap<String, Value>,
}

/// The decision for one field.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    /// The value to send (`null` deletes a meta key), or `None` when the product
    /// already holds what it should.
    pub send: Option<Value>,
    /// The product's value before, as JSON text (for the diff).
    pub before: Option<String>,
    /// Its value after.
    pub after: Option<String>,
    /// The record to store once the write is accepted (or at once, with nothing to send).
    pub record: WrittenRecord,
}

/// Decides one field. `mode` is never `DryRun` here (a dry run decides as `merge`).
#[must_use]
pub fn decide(
    field: &Field,
    current: &Current,
    written: Option<&WrittenRecord>,
    mode: WriteMode,
    now: chrono::DateTime<chrono::Utc>,
) -> Decision {
    let mut record = WrittenRecord {
        hash: field.hash(mode),
        ids: written.map(|w| w.ids.clone()).unwrap_or_default(),
        written_at: now,
    };
    match &field.wanted {
        Wanted::Ids(ours) => {
            let held: &[u64] = match field.name.as_str() {
                UPSELL_IDS => &current.upsell_ids,
                CROSS_SELL_IDS => &current.cross_sell_ids,
                _ => &[],
            };
            decide_ids(ours, held, written, mode, &mut record).with_record(record)
        }
        Wanted::Meta(wanted) => {
            decide_meta(wanted.as_ref(), current.meta.get(&field.name), mode).with_record(record)
        }
    }
}

/// A decision before its record is attached.
struct Partial {
    send: Option<Value>,
    before: Option<String>,
    after: Option<String>,
}

impl Partial {
    fn with_record(self, record: WrittenRecord) -> Decision {
        Decision {
            send: self.send,
            before: self.before,
            after: self.after,
            record,
        }
    }
}

fn decide_ids(
    ours: &[u64],
    held: &[u64],
    written: Option<&WrittenRecord>,
    mode: WriteMode,
    record: &mut WrittenRecord,
) -> Partial {
    let text = |ids: &[u64]| ids.iter().map(u64::to_string).collect::<Vec<_>>();
    let (ours, on_platform) = (text(ours), text(held));
    let before = Some(json!(held).to_string());
    let merged = merged_list(
        mode,
        &ours,
        &on_platform,
        written.map(|w| w.ids.as_slice()),
        LIST_CAP.max(on_platform.len()),
    );
    let Some(list) = merged else {
        return Partial {
            send: None,
            after: before.clone(),
            before,
        };
    };
    // Remember which links on the list are ours, so merge mode can tell them from the
    // merchant's next time.
    record.ids = list
        .iter()
        .filter(|id| ours.contains(id))
        .cloned()
        .collect();
    if list == on_platform {
        return Partial {
            send: None,
            after: before.clone(),
            before,
        };
    }
    let ids: Vec<u64> = list.iter().filter_map(|id| id.parse().ok()).collect();
    let value = json!(ids);
    Partial {
        after: Some(value.to_string()),
        send: Some(value),
        before,
    }
}

fn decide_meta(wanted: Option<&Value>, held: Option<&Value>, mode: WriteMode) -> Partial {
    let before = held.map(Value::to_string);
    let send = match (wanted, held) {
        (None, None) => None,
        (None, Some(_)) => Some(Value::Null),
        (Some(w), Some(h)) if w == h => None,
        (Some(_), Some(_)) if mode == WriteMode::FillEmpty => None,
        (Some(w), _) => Some(w.clone()),
    };
    let after = match &send {
        None => before.clone(),
        Some(Value::Null) => None,
        Some(v) => Some(v.to_string()),
    };
    Partial {
        send,
        before,
        after,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn ids(name: &str, list: &[u64]) -> Field {
        Field {
            name: name.to_owned(),
            wanted: Wanted::Ids(list.to_vec()),
        }
    }

    fn meta(value: Option<Value>) -> Field {
        Field {
            name: "_upsell_sync_related".to_owned(),
            wanted: Wanted::Meta(value),
        }
    }

    #[test]
    fn merge_keeps_the_merchants_ids_first_and_remembers_ours() {
        let current = Current {
            upsell_ids: vec![99],
            ..Current::default()
        };
        let d = decide(
            &ids(UPSELL_IDS, &[5, 6]),
            &current,
            None,
            WriteMode::Merge,
            Utc::now(),
        );
        assert_eq!(d.send, Some(json!([99, 5, 6])));
        assert_eq!(d.record.ids, ["5", "6"]);
        assert_eq!(d.before.as_deref(), Some("[99]"));
    }

    #[test]
    fn an_id_list_already_right_sends_nothing() {
        let current = Current {
            cross_sell_ids: vec![5, 6],
            ..Current::default()
        };
        let d = decide(
            &ids(CROSS_SELL_IDS, &[5, 6]),
            &current,
            None,
            WriteMode::Replace,
            Utc::now(),
        );
        assert_eq!(d.send, None);
        assert_eq!(d.record.ids, ["5", "6"]);
    }

    #[test]
    fn fill_empty_leaves_a_filled_list_and_meta_alone() {
        let current = Current {
            upsell_ids: vec![1],
            meta: HashMap::from([("_upsell_sync_related".to_owned(), json!([3]))]),
            ..Current::default()
        };
        let d = decide(
            &ids(UPSELL_IDS, &[5]),
            &current,
            None,
            WriteMode::FillEmpty,
            Utc::now(),
        );
        assert_eq!(d.send, None);
        let d = decide(
            &meta(Some(json!([4]))),
            &current,
            None,
            WriteMode::FillEmpty,
            Utc::now(),
        );
        assert_eq!(d.send, None);
    }

    #[test]
    fn meta_is_set_when_different_and_deleted_when_no_longer_wanted() {
        let current = Current {
            meta: HashMap::from([("_upsell_sync_related".to_owned(), json!([3]))]),
            ..Current::default()
        };
        let d = decide(
            &meta(Some(json!([4]))),
            &current,
            None,
            WriteMode::Merge,
            Utc::now(),
        );
        assert_eq!(d.send, Some(json!([4])));
        let d = decide(
            &meta(Some(json!([3]))),
            &current,
            None,
            WriteMode::Merge,
            Utc::now(),
        );
        assert_eq!(d.send, None);
        let d = decide(&meta(None), &current, None, WriteMode::Merge, Utc::now());
        assert_eq!(d.send, Some(Value::Null));
        assert_eq!(d.after, None);
        let d = decide(
            &meta(None),
            &Current::default(),
            None,
            WriteMode::Merge,
            Utc::now(),
        );
        assert_eq!(d.send, None);
    }
}
