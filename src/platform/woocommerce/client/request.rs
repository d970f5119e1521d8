//! Where requests go and how they are authenticated: the base URL is checked once, and
//! every attempt gets a freshly built (and, under OAuth, freshly signed) request.

use std::net::{Ipv4Addr, Ipv6Addr};

use reqwest::Method;
use url::{Host, Url};

use super::error::{WooError, PRETTY_PERMALINKS_ADVICE};
use crate::config::WooAuth;
use crate::platform::woocommerce::oauth::{self, Consumer, Freshness};

/// The REST API v3 prefix under the site root.
const API_PREFIX: &str = "/wp-json/wc/v3";

/// How requests are authenticated, `auto` resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthMethod {
    /// HTTP Basic with the consumer key and secret (https only: WooCommerce ignores it
    /// over plain http).
    Basic,
    /// OAuth 1.0a one-legged signatures in the query string.
    OAuth1,
}

/// One call as the request loop sends it, attempt after attempt.
pub(super) struct Call<'a> {
    pub operation: &'static str,
    pub method: Method,
    pub path: &'a str,
    pub query: &'a [(&'a str, String)],
    pub body: Option<&'a [u8]>,
}

/// The store's API root and credentials.
pub(super) struct Site {
    /// `{base_url without trailing /}/wp-json/wc/v3`, as configured: the OAuth base URI
    /// is this plus the path, whatever the URL parser would normalise.
    api_root: String,
    auth: AuthMethod,
    consumer: Consumer,
}

impl Site {
    /// Checks the base URL and resolves the authentication method.
    pub(super) fn new(base_url: &str, auth: WooAuth, consumer: Consumer) -> Result<Self, WooError> {
        let url = parse_base_url(base_url)?;
        let auth = resolve_auth(auth, &url)?;
        Ok(Self {
            api_root: format!("{}{API_PREFIX}", base_url.trim_end_matches('/')),
            auth,
            consumer,
        })
    }

    pub(super) fn auth(&self) -> AuthMethod {
        self.auth
    }

    /// Checks a call's path and parameter names once, before any attempt.
    pub(super) fn check(call: &Call<'_>) -> Result<(), WooError> {
        let fail = |reason: String| Err(WooError::Config { reason });
        if !call.path.starts_with('/') || call.path.contains(['?', '#']) {
            return fail(format!(
                "{}: the path must start with / and carry no query (got {:?})",
                call.operation, call.path
            ));
        }
        let safe = |c: char| c.is_ascii_alphanumeric() || "-._~".contains(c);
        if let Some((name, _)) = call
            .query
            .iter()
            .find(|(k, _)| k.is_empty() || !k.chars().all(safe))
        {
            return fail(format!(
                "{}: query parameter {name:?} must be letters, digits and -._~ (send lists comma-separated, never name[])",
                call.operation
            ));
        }
        Ok(())
    }

    /// The request of one attempt: URL with the query (and fresh OAuth parameters), or
    /// the Basic header.
    pub(super) fn request(
        &self,
        http: &reqwest::Client,
        call: &Call<'_>,
    ) -> Result<reqwest::RequestBuilder, WooError> {
        let endpoint = format!("{}{}", self.api_root, call.path);
        let mut url = Url::parse(&endpoint).map_err(|e| WooError::Config {
            reason: format!(
                "{}: cannot build the URL of {:?}: {e}",
                call.operation, call.path
            ),
        })?;
        {
            let mut pairs = url.query_pairs_mut();
            pairs.extend_pairs(call.query.iter().map(|(k, v)| (*k, v.as_str())));
            if self.auth == AuthMethod::OAuth1 {
                let signed = oauth::sign(
                    call.method.as_str(),
                    &endpoint,
                    call.query,
                    &self.consumer,
                    &Freshness::now(),
                );
                pairs.extend_pairs(signed);
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        let mut request = http.request(call.method.clone(), url);
        if self.auth == AuthMethod::Basic {
            request = request.basic_auth(
                self.consumer.key.expose(),
                Some(self.consumer.secret.expose()),
            );
        }
        if let Some(body) = call.body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.to_vec());
        }
        Ok(request)
    }

    /// `text` with the consumer key and secret blanked out, for anything the store or
    /// the network stack said that may echo the request.
    pub(super) fn redact(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for secret in [&self.consumer.secret, &self.consumer.key] {
            let value = secret.expose();
            if !value.is_empty() {
                text = text.replace(value, "<redacted>");
            }
        }
        text
    }
}

/// The base URL as a URL, refused with advice when it cannot be a site root.
fn parse_base_url(base_url: &str) -> Result<Url, WooError> {
    let fail = |reason: String| WooError::Config { reason };
    if base_url.to_ascii_lowercase().contains("rest_route") {
        return Err(fail(format!(
            "base_url uses ?rest_route=. {PRETTY_PERMALINKS_ADVICE}"
        )));
    }
    let url = Url::parse(base_url).map_err(|e| {
        fail(format!(
            "base_url is not an absolute URL ({e}); give the site root, e.g. https://shop.example"
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(fail(
            "base_url must be an http:// or https:// site address".to_owned(),
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(fail(
            "base_url must not carry a user name or password; give the API keys as consumer_key and consumer_secret".to_owned(),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(fail(
            "base_url must be the site root, without ? or #".to_owned(),
        ));
    }
    if url.path().contains("/wp-json") {
        return Err(fail(
            "base_url must be the site root; the client appends /wp-json/wc/v3 itself".to_owned(),
        ));
    }
    Ok(url)
}

/// `auto` by scheme; explicit Basic over plain http only to loopback (a local test
/// store), since WooCommerce silently ignores it there otherwise.
fn resolve_auth(auth: WooAuth, url: &Url) -> Result<AuthMethod, WooError> {
    let plain = url.scheme() == "http";
    match auth {
        WooAuth::Auto if plain => Ok(AuthMethod::OAuth1),
        WooAuth::Auto => Ok(AuthMethod::Basic),
        WooAuth::OAuth1 => Ok(AuthMethod::OAuth1),
        WooAuth::Basic if !plain => Ok(AuthMethod::Basic),
        WooAuth::Basic if is_loopback(url) => {
            tracing::warn!(
                "auth = \"basic\" over plain http: WooCommerce ignores Basic auth unless the site \
                 itself sees https; allowed only because the store is on this machine"
            );
            Ok(AuthMethod::Basic)
        }
        WooAuth::Basic => Err(WooError::Config {
            reason:
                "auth = \"basic\" with an http:// base_url: WooCommerce silently ignores Basic \
                     auth over plain http (every call would be anonymous and refused). Use https, \
                     or auth = \"oauth1\" (or \"auto\")"
                    .to_owned(),
        }),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => Ipv4Addr::is_loopback(&ip),
        Some(Host::Ipv6(ip)) => Ipv6Addr::is_loopback(&ip),
        None => false,
    }
}

/// Joins values for a list parameter (`include=1,2,3`): WooCommerce reads comma-separated
/// lists, and PHP-style `name[]` parameters would need their own signing rules.
pub fn comma_list<T: std::fmt::Display>(items: impl IntoIterator<Item = T>) -> String {
    items
        .into_iter()
        .map(|item| item.to_string())
        .collect::<Vec<_>>()
        .join(",")
}
