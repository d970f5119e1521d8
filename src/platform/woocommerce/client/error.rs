//! Everything a call to a WooCommerce store can end in, worded for the sync status and
//! logs. No variant carries the consumer key or secret, a request URL (its query holds
//! the OAuth parameters) or a request body; text the store sent back is scrubbed of the
//! credentials before it gets here, in case a host's error page echoes the request.

use std::time::Duration;

/// Why a `?rest_route=` URL or a plain HTML 404 cannot work, and what to do instead.
pub(crate) const PRETTY_PERMALINKS_ADVICE: &str = "WooCommerce only accepts API keys on \
    /wp-json/wc/... URLs and ignores them on ?rest_route= URLs: enable pretty permalinks \
    (WordPress → Settings → Permalinks, anything but \"Plain\") and give the site root as \
    base_url (e.g. https://shop.example)";

/// A call that did not give us data.
#[derive(Debug, thiserror::Error)]
pub enum WooError {
    /// The settings cannot work; nothing was sent.
    #[error("WooCommerce settings: {reason}")]
    Config {
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// The store refused the credentials or the key's permission (HTTP 401/403). Never
    /// retried: every later call fails the same way.
    #[error(
        "{operation}: the store refused access (HTTP {status}{}): {message}; {hint}",
        code_suffix(code)
    )]
    Unauthorized {
        /// The call made.
        operation: &'static str,
        /// HTTP status.
        status: u16,
        /// WooCommerce's error code; empty when the refusal was not WooCommerce's
        /// (a firewall's HTML page).
        code: String,
        /// WooCommerce's message, or the start of the page.
        message: String,
        /// What to check, chosen from the code and message.
        hint: &'static str,
    },
    /// `/wp-json/` answered 404 with a page that is not a WooCommerce error: the REST
    /// API is not routed there, i.e. pretty permalinks are off.
    #[error("{operation}: the store answered 404 with a non-JSON page under /wp-json/. {PRETTY_PERMALINKS_ADVICE}")]
    NoPrettyPermalinks {
        /// The call made.
        operation: &'static str,
    },
    /// WooCommerce answered with its error body (`{code, message, data}`): a bad
    /// parameter, an unknown id, a batch too large... or a 5xx after the retries.
    #[error("{operation}: WooCommerce answered HTTP {status} {code}: {message}{} (after {attempts} attempt(s))", params_suffix(params.as_deref()))]
    Api {
        /// The call made.
        operation: &'static str,
        /// HTTP status.
        status: u16,
        /// `code`, e.g. `rest_invalid_param`.
        code: String,
        /// `message`.
        message: String,
        /// `data.params` summarised (`per_page: must be between 1 and 100`), when given.
        params: Option<String>,
        /// Attempts made.
        attempts: u32,
    },
    /// An error status without WooCommerce's body (HTML from a host, WAF or proxy), not
    /// retried or retried until the attempts ran out.
    #[error("{operation}: HTTP {status} after {attempts} attempt(s): {excerpt}")]
    Http {
        /// The call made.
        operation: &'static str,
        /// The last HTTP status.
        status: u16,
        /// Attempts made.
        attempts: u32,
        /// The start of the body (or, for a redirect, where to and what to do).
        excerpt: String,
    },
    /// The connection failed, timed out or broke, on every attempt.
    #[error("{operation}: network failure after {attempts} attempt(s): {reason}")]
    Network {
        /// The call made.
        operation: &'static str,
        /// Attempts made.
        attempts: u32,
        /// The last failure, without the URL.
        reason: String,
    },
    /// The answer was not the JSON we expect: unreadable (truncated, an HTML page with
    /// status 200) on every attempt, or JSON of another shape twice in a row.
    #[error("{operation}: unreadable answer after {attempts} attempt(s): {reason}")]
    Malformed {
        /// The call made.
        operation: &'static str,
        /// Attempts made.
        attempts: u32,
        /// What was wrong, naming the field path when the JSON parsed but did not fit.
        reason: String,
    },
    /// 429s kept coming past the budget, although we waited as told each time.
    #[error("{operation}: still rate limited (HTTP 429) after {attempts} attempt(s) and {waited:?} of waiting; lower requests_per_second or ask the host to allow more")]
    RateLimited {
        /// The call made.
        operation: &'static str,
        /// Attempts made.
        attempts: u32,
        /// Time spent waiting for the 429s.
        waited: Duration,
    },
}

impl WooError {
    /// Whether the store's setup or credentials are the problem, so every later call
    /// fails the same way and the sync should stop early: refused credentials, the API
    /// not routed (`NoPrettyPermalinks`), settings that cannot work, or a redirect (the
    /// store lives at another address than `base_url`).
    #[must_use]
    pub fn is_access_problem(&self) -> bool {
        match self {
            Self::Unauthorized { .. } | Self::NoPrettyPermalinks { .. } | Self::Config { .. } => {
                true
            }
            Self::Http { status, .. } => (300..400).contains(status),
            _ => false,
        }
    }

    /// The HTTP status the call ended with, if it got one.
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Unauthorized { status, .. }
            | Self::Api { status, .. }
            | Self::Http { status, .. } => Some(*status),
            Self::NoPrettyPermalinks { .. } => Some(404),
            Self::RateLimited { .. } => Some(429),
            Self::Config { .. } | Self::Network { .. } | Self::Malformed { .. } => None,
        }
    }

    /// The same error with the final count of attempts.
    pub(super) fn with_attempts(mut self, total: u32) -> Self {
        match &mut self {
            Self::Api { attempts, .. }
            | Self::Http { attempts, .. }
            | Self::Network { attempts, .. }
            | Self::Malformed { attempts, .. }
            | Self::RateLimited { attempts, .. } => *attempts = total,
            Self::Config { .. } | Self::Unauthorized { .. } | Self::NoPrettyPermalinks { .. } => {}
        }
        self
    }
}

fn code_suffix(code: &str) -> String {
    if code.is_empty() {
        String::new()
    } else {
        format!(" {code}")
    }
}

fn params_suffix(params: Option<&str>) -> String {
    params.map(|p| format!(" [{p}]")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_problems_and_statuses() {
        let refused = WooError::Unauthorized {
            operation: "products page",
            status: 401,
            code: "woocommerce_rest_cannot_view".into(),
            message: "Sorry, you cannot list resources.".into(),
            hint: "check it",
        };
        assert!(refused.is_access_problem());
        assert_eq!(refused.status(), Some(401));
        let text = refused.to_string();
        assert!(
            text.contains("HTTP 401 woocommerce_rest_cannot_view"),
            "{text}"
        );
        let api = WooError::Api {
            operation: "products page",
            status: 400,
            code: "rest_invalid_param".into(),
            message: "Invalid parameter(s): per_page".into(),
            params: Some("per_page: out of bounds".into()),
            attempts: 1,
        };
        assert!(!api.is_access_problem());
        assert!(api.to_string().contains("[per_page: out of bounds]"));
        let redirect = WooError::Http {
            operation: "x",
            status: 301,
            attempts: 1,
            excerpt: String::new(),
        };
        assert!(redirect.is_access_problem());
        let late = WooError::Network {
            operation: "x",
            attempts: 1,
            reason: "refused".into(),
        }
        .with_attempts(5);
        assert!(late.to_string().contains("after 5 attempt(s)"));
        assert_eq!(late.status(), None);
    }
}
