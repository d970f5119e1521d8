//! Reading one HTTP answer into what the request loop decides on: a body to decode, a
//! refusal to slow down for, a transient failure to retry, or a final error.

use std::time::Duration;

use reqwest::header::{HeaderMap, LOCATION, RETRY_AFTER};
use serde::de::DeserializeOwned;

use super::error::WooError;
use super::request::{AuthMethod, Site};
use crate::platform::retry::{parse_retry_after, Retry};
use crate::platform::woocommerce::wire::{ErrorData, WireError};

/// How much of an unexpected body goes into an error message.
const EXCERPT: usize = 200;
/// How much of `data.params` goes into an error message.
const PARAMS: usize = 500;

/// What one answer asks of the request loop.
pub(super) enum Verdict {
    /// 2xx: decode the body.
    Success,
    /// 429 or 503: the store or its host asks us to slow down.
    SlowDown {
        retry_after: Option<Duration>,
        error: WooError,
    },
    /// 408 or 5xx: worth another try under the retry policy.
    Transient { retry: Retry, error: WooError },
    /// Retrying cannot help.
    Fatal(WooError),
}

/// One answer as received.
pub(super) struct Answer<'a> {
    pub operation: &'static str,
    pub status: u16,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// Sorts an answer by status and body.
pub(super) fn judge(answer: &Answer<'_>, site: &Site) -> Verdict {
    let status = answer.status;
    if (200..300).contains(&status) {
        return Verdict::Success;
    }
    let wire = serde_json::from_slice::<WireError>(answer.body).ok();
    let retry_after = answer
        .headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after);
    match status {
        401 | 403 => Verdict::Fatal(refusal(answer, wire, site)),
        404 if wire.is_none() => Verdict::Fatal(WooError::NoPrettyPermalinks {
            operation: answer.operation,
        }),
        300..=399 => Verdict::Fatal(redirect(answer)),
        429 | 503 => Verdict::SlowDown {
            retry_after,
            error: failure(answer, wire, site),
        },
        _ => match Retry::for_status(status, retry_after) {
            Retry::No => Verdict::Fatal(failure(answer, wire, site)),
            retry @ Retry::Yes(_) => Verdict::Transient {
                retry,
                error: failure(answer, wire, site),
            },
        },
    }
}

/// Why a 2xx body could not be used.
pub(super) enum Undecodable {
    /// Not JSON at all, or cut short: a proxy's page, a dropped connection.
    Unreadable(String),
    /// JSON of another shape; names the field path.
    Misfit(String),
}

/// Reads a 2xx body into `T`, naming the field that did not fit.
pub(super) fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, Undecodable> {
    let body = crate::platform::lone_surrogates::replace_lone_surrogates(body);
    let mut deserializer = serde_json::Deserializer::from_slice(&body);
    let value = serde_path_to_error::deserialize::<_, T>(&mut deserializer).map_err(|e| {
        // The type error comes first when a cut-off or broken body also starts in the
        // wrong shape; such a body is unreadable (a transport fault, retried as one),
        // not a misfit.
        let syntax = serde_json::from_slice::<serde::de::IgnoredAny>(&body).err();
        match syntax {
            None if e.inner().classify() == serde_json::error::Category::Data => {
                let path = e.path().to_string();
                Undecodable::Misfit(format!("field `{path}`: {}", e.inner()))
            }
            Some(syntax) => Undecodable::Unreadable(format!("not valid JSON ({syntax})")),
            None => Undecodable::Unreadable(format!("not valid JSON ({})", e.inner())),
        }
    })?;
    deserializer
        .end()
        .map_err(|e| Undecodable::Unreadable(format!("trailing data after the JSON ({e})")))?;
    Ok(value)
}

/// A number from a header (`X-WP-Total`, `X-WP-TotalPages`).
pub(super) fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// The start of a body for an error message, credentials blanked.
pub(super) fn excerpt(body: &[u8], site: &Site) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let mut cut: String = text.chars().take(EXCERPT).collect();
    if text.chars().count() > EXCERPT {
        cut.push('…');
    }
    site.redact(&cut)
}

/// A WooCommerce error body as [`WooError::Api`], anything else as [`WooError::Http`].
fn failure(answer: &Answer<'_>, wire: Option<WireError>, site: &Site) -> WooError {
    match wire {
        Some(wire) => WooError::Api {
            operation: answer.operation,
            status: answer.status,
            code: site.redact(&wire.code),
            message: site.redact(&wire.message),
            params: summarise_params(&wire.data).map(|p| site.redact(&p)),
            attempts: 1,
        },
        None => WooError::Http {
            operation: answer.operation,
            status: answer.status,
            attempts: 1,
            excerpt: excerpt(answer.body, site),
        },
    }
}

fn refusal(answer: &Answer<'_>, wire: Option<WireError>, site: &Site) -> WooError {
    let (code, message) = match wire {
        Some(wire) => (site.redact(&wire.code), site.redact(&wire.message)),
        None => (String::new(), excerpt(answer.body, site)),
    };
    WooError::Unauthorized {
        operation: answer.operation,
        status: answer.status,
        hint: hint(answer.status, &code, &message, site.auth()),
        code,
        message,
    }
}

/// We do not follow redirects: a redirected POST turns into a GET, an OAuth signature
/// made for one URL fails on another, and Basic credentials must not travel to another
/// host. A redirect means `base_url` is not the address the site answers on.
fn redirect(answer: &Answer<'_>) -> WooError {
    let target = answer
        .headers
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(|location| {
            location
                .split(['?', '#'])
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .unwrap_or_default();
    WooError::Http {
        operation: answer.operation,
        status: answer.status,
        attempts: 1,
        excerpt: format!(
            "the store redirects to {target:?}: set base_url to the site address WordPress \
             reports (Settings → General), scheme and host included"
        ),
    }
}

/// `data.params` (`{param: text}`) as `param: text; ...`.
fn summarise_params(data: &ErrorData) -> Option<String> {
    let text = match data.params.as_ref()? {
        serde_json::Value::Null => return None,
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(name, why)| match why.as_str() {
                Some(why) => format!("{name}: {why}"),
                None => format!("{name}: {why}"),
            })
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    };
    Some(text.chars().take(PARAMS).collect())
}

/// What to check after a 401/403, from WooCommerce's code and message (reference §2, §9).
fn hint(status: u16, code: &str, message: &str, auth: AuthMethod) -> &'static str {
    let message = message.to_ascii_lowercase();
    let says = |word: &str| message.contains(word);
    if code.is_empty() {
        "the refusal is not WooCommerce's own: a firewall, security plugin or the host may \
         block /wp-json/ or ask for its own login"
    } else if code == "woocommerce_rest_authentication_error" {
        if says("consumer key") {
            "the store does not know this consumer_key: check it, and that the key was not \
             revoked (WooCommerce → Settings → Advanced → REST API)"
        } else if says("consumer secret") || says("signature") {
            "check consumer_secret, and that base_url is exactly the site address WordPress \
             reports (Settings → General): OAuth signatures cover scheme, host, port and path"
        } else if says("timestamp") {
            "this machine's clock and the store's differ by more than 15 minutes: synchronise \
             the clock (NTP)"
        } else if says("nonce") {
            "a request nonce was refused as reused: is another client replaying requests \
             with this key?"
        } else if says("permission") {
            "the key's permission is too narrow: writes need a Read/Write key"
        } else {
            "check consumer_key and consumer_secret"
        }
    } else if status == 401 && auth == AuthMethod::Basic {
        "WooCommerce saw no credentials: it ignores Basic auth unless WordPress itself sees \
         https (behind a TLS-terminating proxy use auth = \"oauth1\"), and some servers drop \
         the Authorization header"
    } else if status == 401 {
        "WooCommerce saw no credentials: base_url must be the site root with pretty \
         permalinks, never a ?rest_route= URL"
    } else {
        "the key's user may not do this: it must be a shop manager or administrator, with a \
         Read/Write key for writes"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_follow_the_observed_messages() {
        let auth_error = "woocommerce_rest_authentication_error";
        let basic = AuthMethod::Basic;
        assert!(hint(401, auth_error, "Consumer key is invalid.", basic).contains("consumer_key"));
        assert!(
            hint(401, auth_error, "Consumer secret is invalid.", basic).contains("consumer_secret")
        );
        assert!(hint(
            401,
            auth_error,
            "Invalid signature - provided signature does not match.",
            basic
        )
        .contains("base_url"));
        assert!(hint(401, auth_error, "Invalid timestamp.", basic).contains("clock"));
        assert!(hint(
            401,
            auth_error,
            "The API key provided does not have write permissions.",
            basic
        )
        .contains("Read/Write"));
        assert!(hint(401, "woocommerce_rest_cannot_view", "", basic).contains("https"));
        assert!(
            hint(401, "woocommerce_rest_cannot_view", "", AuthMethod::OAuth1)
                .contains("rest_route")
        );
        assert!(hint(403, "", "<html>", basic).contains("firewall"));
    }

    #[test]
    fn params_are_summarised_by_name() {
        let data: ErrorData = serde_json::from_value(serde_json::json!({
            "status": 400,
            "params": {"per_page": "per_page must be between 1 (inclusive) and 100 (inclusive)"}
        }))
        .expect("parses");
        assert_eq!(
            summarise_params(&data).as_deref(),
            Some("per_page: per_page must be between 1 (inclusive) and 100 (inclusive)")
        );
        assert_eq!(summarise_params(&ErrorData::default()), None);
    }

    #[test]
    fn bodies_are_decoded_or_sorted_into_unreadable_and_misfit() {
        assert!(matches!(decode::<Vec<u64>>(b"[1,2]"), Ok(v) if v == [1, 2]));
        for unreadable in [&b"[1,"[..], b"<html>oops</html>", b"", b"[1] [2]"] {
            assert!(matches!(
                decode::<Vec<u64>>(unreadable),
                Err(Undecodable::Unreadable(_))
            ));
        }
        let Err(Undecodable::Misfit(reason)) = decode::<Vec<u64>>(br#"[1, "x"]"#) else {
            panic!("expected a misfit");
        };
        assert!(reason.contains("field `[1]`"), "{reason}");
    }
}
