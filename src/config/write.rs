//! The `[write]` section: how and which lists are written back to the shops. Each shop
//! may override it key by key with its own `write` table.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::ListKind;

/// How our lists meet the links a merchant curated by hand.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteMode {
    /// Keep links we did not write, fill the rest with ours (a merchant's later edit
    /// of a list we wrote is detected and kept).
    #[default]
    Merge,
    /// Overwrite every list with ours.
    Replace,
    /// Write only lists that are empty on the platform.
    #[serde(alias = "fill-empty")]
    FillEmpty,
    /// Compute and report the diff, write nothing.
    #[serde(alias = "dry-run")]
    DryRun,
}

impl WriteMode {
    /// The name used in the config.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Merge => "merge",
            Self::Replace => "replace",
            Self::FillEmpty => "fill_empty",
            Self::DryRun => "dry_run",
        }
    }
}

impl fmt::Display for WriteMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A list that can be written back: the per-product link lists plus bundles, volume
/// hints and replenishment intervals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteList {
    /// Complements bought together.
    CrossSell,
    /// Pricier versions of the same kind of item.
    Upsell,
    /// Cheaper alternatives of the same kind.
    Downsell,
    /// Similar items.
    Related,
    /// 2–3 item sets with a suggested price.
    Bundles,
    /// Typical quantity per order.
    Volume,
    /// Typical days between re-buys.
    Replenishment,
}

impl WriteList {
    /// Every list, in display order (the default for `lists`).
    pub const ALL: [WriteList; 7] = [
        Self::CrossSell,
        Self::Upsell,
        Self::Downsell,
        Self::Related,
        Self::Bundles,
        Self::Volume,
        Self::Replenishment,
    ];

    /// The name used in the config (the same as [`ListKind::as_str`] for link lists).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CrossSell => "cross_sell",
            Self::Upsell => "upsell",
            Self::Downsell => "downsell",
            Self::Related => "related",
            Self::Bundles => "bundles",
            Self::Volume => "volume",
            Self::Replenishment => "replenishment",
        }
    }
}

impl fmt::Display for WriteList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The global `[write]` section, or a shop's effective settings after its override.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WriteConfig {
    /// How our lists meet hand-curated links. Default `merge`.
    pub mode: WriteMode,
    /// Which lists to write. Default: all of them.
    pub lists: Vec<WriteList>,
}

impl Default for WriteConfig {
    fn default() -> Self {
        Self {
            mode: WriteMode::default(),
            lists: WriteList::ALL.to_vec(),
        }
    }
}

impl WriteConfig {
    /// Whether `list` is written.
    #[must_use]
    pub fn writes(&self, list: WriteList) -> bool {
        self.lists.contains(&list)
    }

    /// Whether lists of this kind are written.
    #[must_use]
    pub fn writes_kind(&self, kind: ListKind) -> bool {
        self.lists.iter().any(|list| list.as_str() == kind.as_str())
    }

    /// These settings with a shop's override applied key by key.
    #[must_use]
    pub fn with_override(&self, over: &WriteOverride) -> Self {
        Self {
            mode: over.mode.unwrap_or(self.mode),
            lists: over.lists.clone().unwrap_or_else(|| self.lists.clone()),
        }
    }
}

/// A shop's `write` table: the same keys as `[write]`, each optional; what is left out
/// comes from `[write]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WriteOverride {
    /// Overrides `write.mode`.
    pub mode: Option<WriteMode>,
    /// Overrides `write.lists`.
    pub lists: Option<Vec<WriteList>>,
}

impl WriteOverride {
    /// Whether this overrides nothing.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.mode.is_none() && self.lists.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_override_replaces_only_the_keys_it_sets() {
        let global = WriteConfig {
            mode: WriteMode::Replace,
            lists: vec![WriteList::CrossSell],
        };
        let over = WriteOverride {
            mode: Some(WriteMode::DryRun),
            lists: None,
        };
        let effective = global.with_override(&over);
        assert_eq!(effective.mode, WriteMode::DryRun);
        assert_eq!(effective.lists, vec![WriteList::CrossSell]);
        assert_eq!(global.with_override(&WriteOverride::default()), global);
    }

    #[test]
    fn link_list_names_match_the_model_names() {
        let config = WriteConfig::default();
        for kind in ListKind::ALL {
            assert!(config.writes_kind(kind), "{kind} is not a write list");
        }
        let only_upsell = WriteConfig {
            lists: vec![WriteList::Upsell],
            ..WriteConfig::default()
        };
        assert!(only_upsell.writes_kind(ListKind::Upsell));
        assert!(!only_upsell.writes_kind(ListKind::CrossSell));
    }
}
