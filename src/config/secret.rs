//! Secrets in the config are never written inline: a [`SecretRef`] names the
//! environment variable or the file that holds the value, and [`SecretRef::resolve`]
//! reads it into a [`Secret`] whose `Debug` and `Display` print `<redacted>`.
//!
//! No error built here ever contains a secret value, not even one written inline by
//! mistake.

use std::fmt;
use std::path::PathBuf;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use super::ConfigError;

/// Where a secret is kept. Written as `{ env = "NAME" }` or `{ file = "/path" }`.
///
/// `Debug` shows the variable name or file path, which are not secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretRef {
    /// The value of this environment variable.
    Env(String),
    /// The contents of this file, without its trailing newline (systemd credentials,
    /// Docker/Kubernetes secrets).
    File(PathBuf),
}

/// A resolved secret. Only [`Secret::expose`] gives the value; `Debug` and `Display`
/// print `<redacted>` so it cannot end up in a log line by accident.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value, e.g. one a test made up.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret value. Call this only where it is sent (a header, an HMAC key).
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The one message for a secret written any other way than a reference.
const INLINE_SECRET: &str =
    "secrets must be given as { env = \"VARIABLE\" } or { file = \"/path/to/file\" }, never inline";

/// Prefixes of Shopify and WooCommerce credentials: a name starting like this is the
/// secret itself pasted where its variable's name belongs.
const TOKEN_PREFIXES: [&str; 6] = ["shpat_", "shpca_", "shppa_", "shpss_", "ck_", "cs_"];

impl SecretRef {
    /// A reference to an environment variable.
    pub fn env(name: impl Into<String>) -> Self {
        Self::Env(name.into())
    }

    /// A reference to a file.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Self::File(path.into())
    }

    /// Reads the secret. Errors name the variable or file, never the value.
    pub fn resolve(&self) -> Result<Secret, ConfigError> {
        let fail = |reason: &str| ConfigError::Secret {
            reference: self.to_string(),
            reason: reason.to_owned(),
        };
        let value = match self {
            Self::Env(name) => std::env::var_os(name)
                .ok_or_else(|| fail("is not set"))?
                .into_string()
                .map_err(|_| fail("is not valid UTF-8"))?,
            Self::File(path) => {
                let mut text = std::fs::read_to_string(path).map_err(|e| fail(&e.to_string()))?;
                let kept = text.trim_end_matches(['\n', '\r']).len();
                text.truncate(kept);
                text
            }
        };
        if value.is_empty() {
            return Err(fail("is empty"));
        }
        Ok(Secret(value))
    }
}

impl fmt::Display for SecretRef {
    /// `env SHOPIFY_ACCESS_TOKEN` or `file /run/credentials/token`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Env(name) => write!(f, "env {name}"),
            Self::File(path) => write!(f, "file {}", path.display()),
        }
    }
}

/// The table form, read with the caller's deserializer so unknown keys get a path and
/// a line like any other.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretTable {
    env: Option<String>,
    file: Option<PathBuf>,
}

impl<'de> Deserialize<'de> for SecretRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SecretVisitor)
    }
}

/// Accepts only a table; every other shape fails without echoing what was written.
struct SecretVisitor;

impl SecretVisitor {
    fn inline<E: de::Error>() -> E {
        E::custom(INLINE_SECRET)
    }
}

impl<'de> Visitor<'de> for SecretVisitor {
    type Value = SecretRef;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("{ env = \"VARIABLE\" } or { file = \"/path/to/file\" }")
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<SecretRef, E> {
        Err(Self::inline())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<SecretRef, E> {
        Err(Self::inline())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<SecretRef, E> {
        Err(Self::inline())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<SecretRef, E> {
        Err(Self::inline())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<SecretRef, E> {
        Err(Self::inline())
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<SecretRef, A::Error> {
        Err(Self::inline())
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<SecretRef, A::Error> {
        let table = SecretTable::deserialize(de::value::MapAccessDeserializer::new(map))?;
        match (table.env, table.file) {
            (Some(name), None) => check_env_name(&name).map(|()| SecretRef::Env(name)),
            (None, Some(path)) if path.as_os_str().is_empty() => {
                Err(de::Error::custom("the secret's file path is empty"))
            }
            (None, Some(path)) => Ok(SecretRef::File(path)),
            (Some(_), Some(_)) => Err(de::Error::custom(
                "give either env or file for a secret, not both",
            )),
            (None, None) => Err(de::Error::custom(INLINE_SECRET)),
        }
    }
}

/// A variable name must look like one; anything else may be the secret itself, so the
/// message never repeats it.
fn check_env_name<E: de::Error>(name: &str) -> Result<(), E> {
    if TOKEN_PREFIXES.iter().any(|p| name.starts_with(p)) {
        return Err(E::custom(
            "this looks like the secret itself; give the NAME of the environment variable that holds it",
        ));
    }
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(E::custom(
            "not a valid environment variable name (letters, digits and _, not starting with a digit)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_shows_its_value_in_debug_or_display() {
        let secret = Secret::new("shpat_very_secret");
        assert_eq!(format!("{secret:?}"), "<redacted>");
        assert_eq!(format!("{secret}"), "<redacted>");
        assert_eq!(secret.expose(), "shpat_very_secret");
    }

    #[test]
    fn an_env_reference_reads_the_variable() {
        // PATH is set in every environment tests run in; reading it avoids set_var.
        let expected = std::env::var("PATH").expect("PATH is set");
        let secret = SecretRef::env("PATH").resolve().unwrap();
        assert_eq!(secret.expose(), expected);
    }

    #[test]
    fn an_unset_variable_is_an_error_naming_the_variable() {
        let name = "UPSELL_SYNC_TEST_SURELY_UNSET_7F3A";
        let err = SecretRef::env(name).resolve().unwrap_err().to_string();
        assert!(err.contains(name) && err.contains("not set"), "{err}");
    }

    #[test]
    fn a_file_reference_reads_the_file_without_its_trailing_newline() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "cs_file_secret\r\n").unwrap();
        let secret = SecretRef::file(&path).resolve().unwrap();
        assert_eq!(secret.expose(), "cs_file_secret");
    }

    #[test]
    fn an_empty_or_missing_file_is_an_error_naming_the_file_not_the_value() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty");
        std::fs::write(&empty, "\n").unwrap();
        let err = SecretRef::file(&empty).resolve().unwrap_err().to_string();
        assert!(
            err.contains("empty") && err.contains(&*empty.to_string_lossy()),
            "{err}"
        );
        let missing = dir.path().join("missing");
        let err = SecretRef::file(&missing).resolve().unwrap_err().to_string();
        assert!(err.contains(&*missing.to_string_lossy()), "{err}");
    }

    #[test]
    fn a_reference_displays_its_source_by_name() {
        assert_eq!(SecretRef::env("A_TOKEN").to_string(), "env A_TOKEN");
        assert_eq!(SecretRef::file("/run/x").to_string(), "file /run/x");
    }
}
