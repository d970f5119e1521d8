//! Everything a call to the Admin API can end in, worded for the sync status and logs.
//! No variant carries the access token or a request body.

use std::time::Duration;

use super::answer::GraphQlError;
use crate::platform::shopify::bucket::BucketError;

/// One `userErrors` entry of a mutation, whatever the mutation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserError {
    /// Path of the offending input (`metafields.3.value`), empty when not given.
    pub field: String,
    /// Shopify's message.
    pub message: String,
    /// Shopify's code (`INVALID_VALUE`, `STALE_OBJECT`, ...), when the type has one.
    pub code: Option<String>,
}

impl UserError {
    /// Builds one from the generated fields of any mutation's `userErrors`.
    #[must_use]
    pub fn new(field: Option<Vec<String>>, message: String, code: Option<String>) -> Self {
        Self {
            field: field.unwrap_or_default().join("."),
            message,
            code,
        }
    }
}

impl std::fmt::Display for UserError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.message)?;
        if let Some(code) = &self.code {
            write!(f, " ({code})")?;
        }
        Ok(())
    }
}

/// A call that did not give us data.
#[derive(Debug, thiserror::Error)]
pub enum ShopifyError {
    /// The token was refused (HTTP 401/403): fix the credentials, nothing to retry.
    #[error("{operation}: Shopify refused the access token (HTTP {status}); check access_token and the app's scopes")]
    Unauthorized {
        /// The operation sent.
        operation: &'static str,
        /// HTTP status.
        status: u16,
    },
    /// An HTTP status we do not retry, or retried until the attempts ran out.
    #[error("{operation}: HTTP {status} after {attempts} attempt(s): {excerpt}")]
    Http {
        /// The operation sent.
        operation: &'static str,
        /// The last HTTP status.
        status: u16,
        /// Attempts made.
        attempts: u32,
        /// The start of the body, for the log.
        excerpt: String,
    },
    /// The connection failed, timed out or broke, on every attempt.
    #[error("{operation}: network failure after {attempts} attempt(s): {reason}")]
    Network {
        /// The operation sent.
        operation: &'static str,
        /// Attempts made.
        attempts: u32,
        /// The last failure, without URL credentials.
        reason: String,
    },
    /// The answer was not the JSON we expect (truncated, HTML error page...), on every attempt.
    #[error("{operation}: unreadable answer after {attempts} attempt(s): {reason}")]
    Malformed {
        /// The operation sent.
        operation: &'static str,
        /// Attempts made.
        attempts: u32,
        /// What was wrong, naming the field when the JSON parsed but did not fit.
        reason: String,
    },
    /// GraphQL errors: a bad query, a missing scope (`ACCESS_DENIED`), a query too costly.
    #[error("{operation}: Shopify answered with errors: {}", join(errors))]
    GraphQl {
        /// The operation sent.
        operation: &'static str,
        /// The errors as given.
        errors: Vec<GraphQlError>,
    },
    /// A mutation ran but refused some input; nothing of it was saved.
    #[error("{operation}: Shopify refused the input: {}", join(errors))]
    UserErrors {
        /// The operation sent.
        operation: &'static str,
        /// The refusals, each naming its field.
        errors: Vec<UserError>,
    },
    /// The query can never be paid by this shop's bucket.
    #[error("{operation}: {source}")]
    Cost {
        /// The operation sent.
        operation: &'static str,
        /// Why.
        source: BucketError,
    },
    /// THROTTLED answers kept coming although we waited as told each time.
    #[error("{operation}: still throttled after {attempts} waits totalling {waited:?}")]
    Throttled {
        /// The operation sent.
        operation: &'static str,
        /// THROTTLED answers received.
        attempts: u32,
        /// Time spent waiting for them.
        waited: Duration,
    },
    /// A bulk operation ended without (complete) data.
    #[error("bulk operation {id} ended {status}{}", error_code.as_ref().map(|c| format!(" with {c}")).unwrap_or_default())]
    Bulk {
        /// The operation's GID.
        id: String,
        /// Its final status.
        status: String,
        /// Its error code.
        error_code: Option<String>,
    },
}

impl ShopifyError {
    /// Whether the shop's credentials or scopes are the problem (then every later call
    /// fails the same way and the sync should stop early).
    #[must_use]
    pub fn is_access_problem(&self) -> bool {
        match self {
            Self::Unauthorized { .. } => true,
            Self::GraphQl { errors, .. } => errors
                .iter()
                .any(|e| e.code.as_deref() == Some("ACCESS_DENIED")),
            _ => false,
        }
    }

    /// Whether a stale `compareDigest` caused the refusal (someone wrote meanwhile).
    #[must_use]
    pub fn is_conflict(&self) -> bool {
        matches!(self, Self::UserErrors { errors, .. } if errors.iter().any(|e| {
            matches!(e.code.as_deref(), Some("STALE_OBJECT" | "INVALID_COMPARE_DIGEST"))
        }))
    }
}

fn join<T: std::fmt::Display>(items: &[T]) -> String {
    let shown: Vec<String> = items.iter().take(5).map(ToString::to_string).collect();
    let more = items.len().saturating_sub(5);
    if more > 0 {
        format!("{} (and {more} more)", shown.join("; "))
    } else {
        shown.join("; ")
    }
}
