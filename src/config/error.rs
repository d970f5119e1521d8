//! What can go wrong loading a config, each error naming the file, the line and the key.

use std::fmt;
use std::path::PathBuf;

/// Why a config could not be loaded or a secret not read. No variant ever holds a
/// secret value.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        /// The file we tried to read.
        path: PathBuf,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
    /// The text is not valid TOML.
    #[error("{}: invalid TOML: {message}", Place(source_name, *line, *column))]
    Syntax {
        /// The file name, or whatever the text was called.
        source_name: String,
        /// 1-based line of the problem, when known.
        line: Option<usize>,
        /// 1-based column (in characters) of the problem, when known.
        column: Option<usize>,
        /// The parser's description.
        message: String,
    },
    /// Valid TOML that does not fit the config: an unknown key, a wrong type, a
    /// missing required value.
    #[error("{}: {message}", Place(source_name, *line, *column))]
    Parse {
        /// The file name, or whatever the text was called.
        source_name: String,
        /// 1-based line of the problem, when known.
        line: Option<usize>,
        /// 1-based column (in characters) of the problem, when known.
        column: Option<usize>,
        /// Path of the offending key, e.g. `shops[0].access_token`.
        key: String,
        /// What is wrong; names the key.
        message: String,
    },
    /// The config parsed but some values make no sense together or alone.
    #[error("{}", Problems(source_name, problems))]
    Invalid {
        /// The file name, or whatever the config was called.
        source_name: String,
        /// Every problem found, in key order; never empty.
        problems: Vec<Problem>,
    },
    /// A secret could not be read from where its reference points.
    #[error("secret from {reference}: {reason}")]
    Secret {
        /// The variable or file, e.g. `env SHOPIFY_ACCESS_TOKEN`.
        reference: String,
        /// Why it could not be read.
        reason: String,
    },
}

/// One semantic problem in a config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Path of the offending key, e.g. `shops[1].batch_size`.
    pub key: String,
    /// 1-based line of the key (or of the nearest table that holds it), when known.
    pub line: Option<usize>,
    /// What is wrong; starts with the key path.
    pub message: String,
}

impl Problem {
    /// A problem not yet placed on a line.
    pub(crate) fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            line: None,
            message: message.into(),
        }
    }
}

/// `config.toml line 7, column 1`, leaving out what is unknown.
struct Place<'a>(&'a str, Option<usize>, Option<usize>);

impl fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)?;
        if let Some(line) = self.1 {
            write!(f, " line {line}")?;
            if let Some(column) = self.2 {
                write!(f, ", column {column}")?;
            }
        }
        Ok(())
    }
}

/// One problem per line, each with its place, so editors and greps can jump to it.
struct Problems<'a>(&'a str, &'a [Problem]);

impl fmt::Display for Problems<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.1.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(
                f,
                "{}: {}",
                Place(self.0, problem.line, None),
                problem.message
            )?;
        }
        Ok(())
    }
}

/// 1-based line and column (in characters) of a byte offset into `text`.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_one_based_lines_and_columns() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        // 'é' is two bytes; the '=' after "bé " is the 4th character.
        assert_eq!(line_column(text, 10), (2, 4));
        assert_eq!(line_column(text, 999), (3, 1));
    }

    #[test]
    fn several_problems_are_listed_one_per_line_with_their_places() {
        let err = ConfigError::Invalid {
            source_name: "c.toml".into(),
            problems: vec![
                Problem {
                    line: Some(3),
                    ..Problem::new("a", "a must be positive")
                },
                Problem::new("b", "b is wrong"),
            ],
        };
        assert_eq!(
            err.to_string(),
            "c.toml line 3: a must be positive\nc.toml: b is wrong"
        );
    }
}
