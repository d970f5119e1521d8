//! TOML text to [`Config`], with errors that name the key path and the line.
//!
//! The text is parsed once into toml's spanned tree ([`DeTable`]); sections are then
//! deserialized from that tree through `serde_path_to_error`, so every error carries
//! both a key path and a byte span. `[[shops]]` entries are read one by one: the
//! `platform` key is looked up by hand and the entry deserialized straight into that
//! platform's struct. Serde's internally tagged enums would buffer the entry first,
//! losing the key path and the line of every error inside it (and ignoring
//! `deny_unknown_fields`).

use std::fmt::Write as _;
use std::ops::Range;

use serde::de::{DeserializeOwned, IgnoredAny};
use serde::Deserialize;
use serde_path_to_error::Segment;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::error::{line_column, ConfigError, Problem};
use super::shop::{ShopConfig, ShopifyEntry, WooCommerceEntry};
use super::write::WriteConfig;
use super::{Config, DaemonConfig};
use crate::recommend::Params;

/// The top level as written; `shops` is read by hand from the tree.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    daemon: DaemonConfig,
    #[serde(default)]
    recommender: Params,
    #[serde(default)]
    write: WriteConfig,
    /// Listed so that it is a known key; see [`Document::shops`].
    #[serde(default, rename = "shops")]
    _shops: IgnoredAny,
}

/// A parsed TOML document and what is needed to point into it.
pub(super) struct Document<'a> {
    text: &'a str,
    source_name: &'a str,
    root: Spanned<DeTable<'a>>,
}

impl<'a> Document<'a> {
    /// Parses the TOML syntax only.
    pub(super) fn parse(text: &'a str, source_name: &'a str) -> Result<Self, ConfigError> {
        let root = DeTable::parse(text).map_err(|e| {
            let (line, column) = e.span().map(|span| line_column(text, span.start)).unzip();
            ConfigError::Syntax {
                source_name: source_name.to_owned(),
                line,
                column,
                // Only the message: toml's `Display` quotes the source line, which may
                // hold a secret written inline.
                message: e.message().trim_end().to_owned(),
            }
        })?;
        Ok(Self {
            text,
            source_name,
            root,
        })
    }

    /// Deserializes the whole config; semantic checks come after.
    pub(super) fn config(&self) -> Result<Config, ConfigError> {
        let file: ConfigFile = self.deserialize(self.root.clone(), "")?;
        Ok(Config {
            daemon: file.daemon,
            recommender: file.recommender,
            write: file.write,
            shops: self.shops()?,
        })
    }

    /// Puts each problem on the line of its key, or of the nearest table holding it.
    pub(super) fn place(&self, problems: Vec<Problem>) -> Vec<Problem> {
        problems
            .into_iter()
            .map(|problem| Problem {
                line: self
                    .locate(&problem.key)
                    .map(|span| line_column(self.text, span.start).0),
                ..problem
            })
            .collect()
    }

    fn shops(&self) -> Result<Vec<ShopConfig>, ConfigError> {
        let Some(shops) = self.root.get_ref().get("shops") else {
            return Ok(Vec::new());
        };
        let DeValue::Array(items) = shops.get_ref() else {
            return Err(self.error_at(
                "shops",
                shops.span(),
                "`shops` must be an array of tables: start each shop with [[shops]] (two brackets)"
                    .to_owned(),
            ));
        };
        items
            .iter()
            .enumerate()
            .map(|(index, item)| self.shop(index, item))
            .collect()
    }

    fn shop(&self, index: usize, item: &Spanned<DeValue<'a>>) -> Result<ShopConfig, ConfigError> {
        let prefix = format!("shops[{index}]");
        let DeValue::Table(table) = item.get_ref() else {
            let message = format!("`{prefix}` must be a table (start it with [[shops]])");
            return Err(self.error_at(&prefix, item.span(), message));
        };
        let key = format!("{prefix}.platform");
        let Some(platform) = table.get("platform") else {
            let message =
                format!("missing required key `{key}` (expected `shopify` or `woocommerce`)");
            return Err(self.error_at(&key, item.span(), message));
        };
        let entry = Spanned::new(item.span(), table.clone());
        match platform.get_ref().as_str() {
            Some("shopify") => Ok(self.deserialize::<ShopifyEntry>(entry, &prefix)?.into()),
            Some("woocommerce") => Ok(self.deserialize::<WooCommerceEntry>(entry, &prefix)?.into()),
            other => {
                let found = other.map_or_else(|| "a non-string".to_owned(), |s| format!("{s:?}"));
                let message = format!(
                    "`{key}`: unknown platform {found} (expected `shopify` or `woocommerce`)"
                );
                Err(self.error_at(&key, platform.span(), message))
            }
        }
    }

    /// Deserializes one table of the tree; errors get `prefix` before their key path.
    fn deserialize<T: DeserializeOwned>(
        &self,
        table: Spanned<DeTable<'a>>,
        prefix: &str,
    ) -> Result<T, ConfigError> {
        serde_path_to_error::deserialize(toml::de::Deserializer::from(table)).map_err(|e| {
            let key = join_path(prefix, e.path());
            let inner = e.into_inner();
            let (key, message) = describe(key, inner.message());
            let span = inner.span().unwrap_or(0..0);
            self.error_at(&key, span, message)
        })
    }

    fn error_at(&self, key: &str, span: Range<usize>, message: String) -> ConfigError {
        let (line, column) = line_column(self.text, span.start);
        ConfigError::Parse {
            source_name: self.source_name.to_owned(),
            line: Some(line),
            column: Some(column),
            key: key.to_owned(),
            message,
        }
    }

    /// The span of the value at `key` (`shops[1].write.lists`), or of the deepest table
    /// on the way there that exists.
    fn locate(&self, key: &str) -> Option<Range<usize>> {
        let mut found = None;
        let mut value: Option<&DeValue<'a>> = None;
        for step in key.split('.').flat_map(|part| {
            let (name, indexes) = part.split_once('[').unwrap_or((part, ""));
            std::iter::once(Ok(name)).chain(
                indexes
                    .split('[')
                    .filter_map(|i| i.trim_end_matches(']').parse::<usize>().ok())
                    .map(Err),
            )
        }) {
            let next = match (step, value) {
                (Ok(name), None) => self.root.get_ref().get(name),
                (Ok(name), Some(DeValue::Table(table))) => table.get(name),
                (Err(index), Some(DeValue::Array(array))) => array.get(index),
                _ => None,
            };
            let Some(next) = next else { break };
            found = Some(next.span());
            value = Some(next.get_ref());
        }
        found
    }
}

/// `prefix` followed by serde's path, written the way keys are written in messages.
fn join_path(prefix: &str, path: &serde_path_to_error::Path) -> String {
    let mut key = prefix.to_owned();
    for segment in path {
        match segment {
            Segment::Seq { index } => {
                let _ = write!(key, "[{index}]");
            }
            // serde_spanned's and toml's private markers are not keys the user wrote.
            Segment::Map { key: name } | Segment::Enum { variant: name }
                if !name.starts_with("$__") =>
            {
                if !key.is_empty() {
                    key.push('.');
                }
                key.push_str(name);
            }
            _ => {}
        }
    }
    key
}

/// Rewrites serde's message around the key path; returns the key the message is about
/// (for a missing field, the field itself).
fn describe(key: String, message: &str) -> (String, String) {
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let expected = rest.split_once("`, ").map_or("", |(_, e)| e);
        return (key.clone(), format!("unknown key `{key}` ({expected})"));
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let field = rest.trim_end_matches('`');
        let full = if key.is_empty() {
            field.to_owned()
        } else {
            format!("{key}.{field}")
        };
        return (full.clone(), format!("missing required key `{full}`"));
    }
    let mut message = friendly_expectation(message).replace("unknown variant", "unknown value");
    if message == "invalid socket address syntax" {
        message.push_str(" (expected an IP address and port, like \"127.0.0.1:8787\")");
    }
    if key.is_empty() {
        (key, message)
    } else {
        let text = format!("`{key}`: {message}");
        (key, text)
    }
}

/// Replaces Rust type names after "expected" with words a config author knows.
fn friendly_expectation(message: &str) -> String {
    let Some((head, expected)) = message.rsplit_once(", expected ") else {
        return message.to_owned();
    };
    let words = match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number (0 or more)",
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number",
        "f32" | "f64" => "a number",
        "a sequence" => "an array",
        "a map" => "a table",
        other if other.starts_with("struct ") => "a table",
        other => other,
    };
    format!("{head}, expected {words}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_type_names_in_messages_become_plain_words() {
        assert_eq!(
            friendly_expectation("invalid type: string \"a\", expected u32"),
            "invalid type: string \"a\", expected a whole number (0 or more)"
        );
        assert_eq!(
            friendly_expectation("invalid type: integer `3`, expected struct WriteConfig"),
            "invalid type: integer `3`, expected a table"
        );
        assert_eq!(friendly_expectation("no expectation"), "no expectation");
    }

    #[test]
    fn keys_are_located_through_tables_and_arrays() {
        let text = "[daemon]\nlisten = \"x\"\n\n[[shops]]\nname = \"a\"\n[[shops]]\nname = \"b\"\n";
        let doc = Document::parse(text, "t.toml").unwrap();
        let line = |key: &str| doc.locate(key).map(|s| line_column(text, s.start).0);
        assert_eq!(line("daemon.listen"), Some(2));
        assert_eq!(line("shops[1].name"), Some(7));
        // A key left out is placed on the table that would hold it.
        assert_eq!(line("shops[1].batch_size"), Some(6));
        assert_eq!(line("write.lists"), None);
    }
}
