//! Merchant rules: the merchant's word beats the statistics. Rules are data kept in the
//! store per shop (the admin UI edits them) and applied at every compute.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::model::{ListKind, ProductId};

/// One rule, as stored and shown.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Rule {
    /// Always put `item` at the top of `anchor`'s `kind` list (when it is available).
    Pin {
        anchor: ProductId,
        kind: ListKind,
        item: ProductId,
    },
    /// Never recommend `item` anywhere.
    BlockItem { item: ProductId },
    /// Never recommend `a` with `b` or `b` with `a`.
    BlockPair { a: ProductId, b: ProductId },
    /// Never recommend products carrying this tag (compared case-insensitively).
    ExcludeTag { tag: String },
    /// Cap every list of `kind` at `length` items.
    MaxLength { kind: ListKind, length: usize },
}

/// A shop's rule set. Kept sorted and free of duplicates so that the same rules always
/// give the same lists.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rules {
    rules: BTreeSet<Rule>,
}

impl Rules {
    /// Builds a set from rules in any order.
    pub fn new(rules: impl IntoIterator<Item = Rule>) -> Self {
        Self {
            rules: rules.into_iter().collect(),
        }
    }

    /// Adds a rule; returns false if it was already there.
    pub fn add(&mut self, rule: Rule) -> bool {
        self.rules.insert(rule)
    }

    /// Removes a rule; returns false if it was not there.
    pub fn remove(&mut self, rule: &Rule) -> bool {
        self.rules.remove(rule)
    }

    /// All rules, in a stable order.
    pub fn iter(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter()
    }

    /// Whether there are no rules.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Items pinned on `anchor`'s `kind` list, in rule order.
    pub fn pins<'a>(
        &'a self,
        anchor: &'a ProductId,
        kind: ListKind,
    ) -> impl Iterator<Item = &'a ProductId> + 'a {
        self.rules.iter().filter_map(move |rule| match rule {
            Rule::Pin {
                anchor: a,
                kind: k,
                item,
            } if a == anchor && *k == kind => Some(item),
            _ => None,
        })
    }

    /// Whether `item` is blocked everywhere.
    #[must_use]
    pub fn blocks_item(&self, item: &ProductId) -> bool {
        self.rules.contains(&Rule::BlockItem { item: item.clone() })
    }

    /// Whether `a` and `b` must never be shown together (either way round).
    #[must_use]
    pub fn blocks_pair(&self, a: &ProductId, b: &ProductId) -> bool {
        self.rules.contains(&Rule::BlockPair {
            a: a.clone(),
            b: b.clone(),
        }) || self.rules.contains(&Rule::BlockPair {
            a: b.clone(),
            b: a.clone(),
        })
    }

    /// Tags whose products are never recommended, lower-cased.
    #[must_use]
    pub fn excluded_tags(&self) -> BTreeSet<String> {
        self.rules
            .iter()
            .filter_map(|rule| match rule {
                Rule::ExcludeTag { tag } => Some(tag.trim().to_lowercase()),
                _ => None,
            })
            .collect()
    }

    /// The merchant's cap on `kind` lists, if any (the smallest when several).
    #[must_use]
    pub fn max_length(&self, kind: ListKind) -> Option<usize> {
        self.rules
            .iter()
            .filter_map(|rule| match rule {
                Rule::MaxLength { kind: k, length } if *k == kind => Some(*length),
                _ => None,
            })
            .min()
    }
}
