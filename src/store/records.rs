//! Small records the store keeps for the sync machinery, and the stored shape of merchant
//! rules.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{ListKind, ProductId};
use crate::recommend::rules::{Rule, Rules};

/// How far one kind of pull (e.g. `"products"`, `"orders"`) has got. Saved only after
/// the data it covers is durable, so a crash repeats work but never skips it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// High-water mark: every record the platform changed up to this time is stored.
    /// Incremental pulls ask for changes since this minus their overlap window.
    pub updated_at: DateTime<Utc>,
    /// Where an unfinished pass resumes (a page cursor, a page number, a bulk operation
    /// id), opaque to the store; `None` when no pass is in progress.
    pub cursor: Option<String>,
}

/// What we last wrote to one list of one product on the platform.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrittenRecord {
    /// Content hash of what was written: an unchanged list is not written again.
    pub hash: [u8; 32],
    /// The ids we wrote, exactly as sent, so `merge` mode can tell our links from the
    /// merchant's.
    pub ids: Vec<String>,
    /// When the write was acknowledged.
    pub written_at: DateTime<Utc>,
}

/// Why a shop is stopped: it is neither synced nor written until resumed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ShopHalt {
    /// The app was uninstalled (webhook `app/uninstalled`); the data is kept.
    Uninstalled {
        /// When the uninstall was processed.
        at: DateTime<Utc>,
    },
    /// The platform asked for the shop's data to be deleted (`shop/redact`); it was.
    Redacted {
        /// When the data was deleted.
        at: DateTime<Utc>,
    },
}

impl ShopHalt {
    /// The reason in words, for status pages and logs.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Self::Uninstalled { at } => format!(
                "stopped: the app was uninstalled at {} (data kept; `upsell-sync resume` after reinstalling)",
                at.format("%Y-%m-%d %H:%M UTC")
            ),
            Self::Redacted { at } => format!(
                "stopped: the shop's data was deleted at {} on the platform's request (shop/redact)",
                at.format("%Y-%m-%d %H:%M UTC")
            ),
        }
    }
}

/// A [`Rule`] as stored. `Rule` is internally tagged for JSON, which postcard cannot
/// read back, so the store keeps this externally tagged mirror. postcard records the
/// variant by position: add new variants at the end only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StoredRule {
    /// [`Rule::Pin`].
    Pin {
        anchor: ProductId,
        kind: ListKind,
        item: ProductId,
    },
    /// [`Rule::BlockItem`].
    BlockItem { item: ProductId },
    /// [`Rule::BlockPair`].
    BlockPair { a: ProductId, b: ProductId },
    /// [`Rule::ExcludeTag`].
    ExcludeTag { tag: String },
    /// [`Rule::MaxLength`].
    MaxLength { kind: ListKind, length: u64 },
}

impl From<&Rule> for StoredRule {
    fn from(rule: &Rule) -> Self {
        match rule.clone() {
            Rule::Pin { anchor, kind, item } => Self::Pin { anchor, kind, item },
            Rule::BlockItem { item } => Self::BlockItem { item },
            Rule::BlockPair { a, b } => Self::BlockPair { a, b },
            Rule::ExcludeTag { tag } => Self::ExcludeTag { tag },
            Rule::MaxLength { kind, length } => Self::MaxLength {
                kind,
                length: length as u64,
            },
        }
    }
}

impl From<StoredRule> for Rule {
    fn from(rule: StoredRule) -> Self {
        match rule {
            StoredRule::Pin { anchor, kind, item } => Self::Pin { anchor, kind, item },
            StoredRule::BlockItem { item } => Self::BlockItem { item },
            StoredRule::BlockPair { a, b } => Self::BlockPair { a, b },
            StoredRule::ExcludeTag { tag } => Self::ExcludeTag { tag },
            // A length past usize::MAX (only on a 32-bit build) is no cap at all.
            StoredRule::MaxLength { kind, length } => Self::MaxLength {
                kind,
                length: usize::try_from(length).unwrap_or(usize::MAX),
            },
        }
    }
}

/// A rule set in its stored shape.
pub fn store_rules(rules: &Rules) -> Vec<StoredRule> {
    rules.iter().map(StoredRule::from).collect()
}

/// A rule set from its stored shape.
pub fn load_rules(stored: Vec<StoredRule>) -> Rules {
    Rules::new(stored.into_iter().map(Rule::from))
}
