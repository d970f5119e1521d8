//! Deciding a push, without any I/O: for each metafield we manage, what Shopify holds,
//! what we wrote last time and what we want now give a write, a delete or nothing.

use sha2::{Digest, Sha256};

use crate::config::WriteMode;
use crate::platform::shopify::metafields::{Desired, Value};
use crate::store::WrittenRecord;
use crate::sync::merge::merged_list;

/// A metafield as Shopify holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Current {
    /// Its type, e.g. `list.product_reference`.
    pub kind: String,
    /// Its value, as Shopify stores it.
    pub value: String,
    /// The optimistic-lock digest to send back with a write.
    pub compare_digest: Option<String>,
}

/// What to do with one metafield.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Write `value` of type `kind`; `compare_digest` is the digest read (`None`: must not
    /// exist yet).
    Set {
        /// Metafield type.
        kind: String,
        /// Value as sent.
        value: String,
        /// Digest read, or `None`.
        compare_digest: Option<String>,
    },
    /// Delete it.
    Delete,
    /// Shopify already holds what we want.
    Keep,
}

/// The decision for one metafield, with what to remember once it is done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// What to do.
    pub action: Action,
    /// Shopify's value before (for the diff).
    pub before: Option<String>,
    /// Shopify's value after (for the diff).
    pub after: Option<String>,
    /// The record to store once the action succeeded.
    pub record: WrittenRecord,
}

/// The content hash of what we want for one metafield: unchanged hash, nothing to do.
#[must_use]
pub fn desired_hash(desired: &Desired) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for part in [desired.namespace.as_str(), desired.key.as_str()] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    match &desired.value {
        Some(value) => {
            hasher.update(value.type_name().as_bytes());
            hasher.update([0]);
            hasher.update(value.to_wire().as_bytes());
        }
        None => hasher.update(b"<none>"),
    }
    hasher.update(desired.cap.to_le_bytes());
    hasher.finalize().into()
}

/// Decides one metafield. `mode` is never `DryRun` here (a dry run decides as `merge`).
#[must_use]
pub fn decide(
    desired: &Desired,
    current: Option<&Current>,
    written: Option<&WrittenRecord>,
    mode: WriteMode,
    now: chrono::DateTime<chrono::Utc>,
) -> Decision {
    let hash = desired_hash(desired);
    let before = current.map(|c| c.value.clone());
    if desired.is_list {
        return decide_list(desired, current, written, mode, hash, now);
    }
    let record = |ids: Vec<String>| WrittenRecord {
        hash,
        ids,
        written_at: now,
    };
    let value = desired.value.as_ref().map(Value::to_wire);
    let action = match (&value, current) {
        (None, None) => Action::Keep,
        (None, Some(_)) => Action::Delete,
        (Some(v), Some(c)) if *v == c.value => Action::Keep,
        (Some(_), Some(_)) if mode == WriteMode::FillEmpty => Action::Keep,
        (Some(v), c) => Action::Set {
            kind: desired
                .value
                .as_ref()
                .map_or("json", Value::type_name)
                .to_owned(),
            value: v.clone(),
            compare_digest: c.and_then(|c| c.compare_digest.clone()),
        },
    };
    let after = match &action {
        Action::Keep => before.clone(),
        Action::Delete => None,
        Action::Set { value, .. } => Some(value.clone()),
    };
    Decision {
        action,
        before,
        after,
        record: record(Vec::new()),
    }
}

fn decide_list(
    desired: &Desired,
    current: Option<&Current>,
    written: Option<&WrittenRecord>,
    mode: WriteMode,
    hash: [u8; 32],
    now: chrono::DateTime<chrono::Utc>,
) -> Decision {
    let ours: Vec<String> = match &desired.value {
        Some(Value::Products(ids)) => ids.clone(),
        _ => Vec::new(),
    };
    let on_platform: Vec<String> = current
        .and_then(|c| serde_json::from_str(&c.value).ok())
        .unwrap_or_default();
    let before = current.map(|c| c.value.clone());
    let merged = merged_list(
        mode,
        &ours,
        &on_platform,
        written.map(|w| w.ids.as_slice()),
        desired.cap,
    );
    let mut record = WrittenRecord {
        hash,
        ids: written.map(|w| w.ids.clone()).unwrap_or_default(),
        written_at: now,
    };
    let Some(list) = merged else {
        return Decision {
            action: Action::Keep,
            after: before.clone(),
            before,
            record,
        };
    };
    // Remember which of the links on the list are ours, so merge mode can tell them from
    // the merchant's next time.
    record.ids = list
        .iter()
        .filter(|id| ours.contains(id))
        .cloned()
        .collect();
    if list == on_platform && (current.is_some() || list.is_empty()) {
        return Decision {
            action: Action::Keep,
            after: before.clone(),
            before,
            record,
        };
    }
    if list.is_empty() {
        return Decision {
            action: Action::Delete,
            before,
            after: None,
            record,
        };
    }
    let value = serde_json::to_string(&list).unwrap_or_default();
    Decision {
        action: Action::Set {
            kind: "list.product_reference".to_owned(),
            value: value.clone(),
            compare_digest: current.and_then(|c| c.compare_digest.clone()),
        },
        before,
        after: Some(value),
        record,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::shopify::metafields::DISCOVERY_NAMESPACE;

    fn list(key: &str, ids: &[&str]) -> Desired {
        Desired {
            namespace: DISCOVERY_NAMESPACE.to_owned(),
            key: key.to_owned(),
            value: (!ids.is_empty())
                .then(|| Value::Products(ids.iter().map(|s| (*s).to_owned()).collect())),
            cap: 10,
            is_list: true,
        }
    }

    fn current(value: &str) -> Current {
        Current {
            kind: "list.product_reference".to_owned(),
            value: value.to_owned(),
            compare_digest: Some("d1".to_owned()),
        }
    }

    fn now() -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::UNIX_EPOCH
    }

    #[test]
    fn merge_keeps_the_merchants_links_first_and_sends_the_digest() {
        let wanted = list("complementary_products", &["p1", "p2"]);
        let held = current(r#"["m1","m2"]"#);
        let decision = decide(&wanted, Some(&held), None, WriteMode::Merge, now());
        assert_eq!(
            decision.action,
            Action::Set {
                kind: "list.product_reference".to_owned(),
                value: r#"["m1","m2","p1","p2"]"#.to_owned(),
                compare_digest: Some("d1".to_owned())
            }
        );
        assert_eq!(
            decision.record.ids,
            vec!["p1", "p2"],
            "only our links are remembered as ours"
        );
    }

    #[test]
    fn nothing_is_written_when_shopify_already_holds_the_list() {
        let wanted = list("related_products", &["p1"]);
        let held = current(r#"["p1"]"#);
        let decision = decide(&wanted, Some(&held), None, WriteMode::Replace, now());
        assert_eq!(decision.action, Action::Keep);
    }

    #[test]
    fn an_emptied_list_of_ours_is_deleted_but_a_merchants_list_survives() {
        let wanted = list("related_products", &[]);
        let ours_before = WrittenRecord {
            hash: [0; 32],
            ids: vec!["p1".to_owned()],
            written_at: now(),
        };
        let held = current(r#"["p1"]"#);
        let gone = decide(
            &wanted,
            Some(&held),
            Some(&ours_before),
            WriteMode::Merge,
            now(),
        );
        assert_eq!(gone.action, Action::Delete);
        let merchant = current(r#"["m1"]"#);
        let kept = decide(&wanted, Some(&merchant), None, WriteMode::Merge, now());
        assert_eq!(kept.action, Action::Keep);
        let missing = decide(&wanted, None, None, WriteMode::Merge, now());
        assert_eq!(missing.action, Action::Keep);
    }

    #[test]
    fn fill_empty_leaves_a_non_empty_list_alone() {
        let wanted = list("related_products", &["p1"]);
        let held = current(r#"["m1"]"#);
        assert_eq!(
            decide(&wanted, Some(&held), None, WriteMode::FillEmpty, now()).action,
            Action::Keep
        );
        let set = decide(&wanted, None, None, WriteMode::FillEmpty, now());
        assert!(matches!(
            set.action,
            Action::Set {
                compare_digest: None,
                ..
            }
        ));
    }

    #[test]
    fn the_hash_changes_with_the_content_only() {
        let a = list("related_products", &["p1"]);
        let b = list("related_products", &["p2"]);
        assert_eq!(desired_hash(&a), desired_hash(&a.clone()));
        assert_ne!(desired_hash(&a), desired_hash(&b));
    }
}
