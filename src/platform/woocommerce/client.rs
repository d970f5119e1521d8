//! The REST API v3 client: one per store, cheap to clone, shared by every task of that
//! store so they all go through one [`Pacer`].
//!
//! A call goes: wait for the pacer (concurrency slot, rate, any `Retry-After` pause),
//! build the request afresh (a new OAuth nonce and timestamp on every attempt: the store
//! refuses a replayed nonce), send it, then read the answer. 429 and 503 cut the pacer's
//! rate and are waited out as the store says; 429s have their own, larger budget so a
//! storm slows a sync down without losing a page. Network failures, timeouts, 408, other
//! 5xx and unreadable 2xx bodies are retried with jittered exponential backoff under the
//! shared [`RetryPolicy`]. JSON of the wrong shape is tried once more (a proxy may have
//! mangled it) and then reported with its field path. Everything else is a typed
//! [`WooError`] at once: 401/403 with a hint, 404 without WooCommerce's body as
//! [`WooError::NoPrettyPermalinks`], other 4xx as [`WooError::Api`].
//!
//! Only idempotent requests go through here (reads, and batch updates that overwrite),
//! so a request that may or may not have reached the store is safe to repeat. Redirects
//! are not followed and `Link` headers are never read (they echo the OAuth parameters).
//! No URL is ever logged or put in an error.

mod answer;
mod error;
mod exchange;
mod request;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;

use answer::header_u64;
pub use error::WooError;
use exchange::describe;
pub use request::{comma_list, AuthMethod};
use request::{Call, Site};

use crate::config::{Secret, WooAuth};
use crate::platform::retry::{Clock, RetryPolicy, Sleeper};
use crate::platform::woocommerce::oauth::Consumer;
use crate::platform::woocommerce::pacing::{Pacer, PacingSettings};

/// Where and how to reach one store.
#[derive(Clone, Debug)]
pub struct ClientSettings {
    /// The site address exactly as the site's Settings → General gives it, e.g.
    /// `https://shop.example`; the client appends `/wp-json/wc/v3`.
    pub base_url: String,
    /// `ck_...`.
    pub consumer_key: Secret,
    /// `cs_...`.
    pub consumer_secret: Secret,
    /// `Auto`: Basic over https, OAuth 1.0a over http.
    pub auth: WooAuth,
    /// Timeout of one HTTP request (connect, send, answer).
    pub timeout: Duration,
    /// Retries of network failures, 408, 5xx and unreadable answers.
    pub retry: RetryPolicy,
    /// Rate, burst and concurrency.
    pub pacing: PacingSettings,
    /// An extra CA certificate (PEM) to trust: a self-signed store, tests.
    pub root_certificate_pem: Option<Vec<u8>>,
}

/// A collection page: the body and the totals WooCommerce sends in headers.
#[derive(Clone, Debug)]
pub struct Listing<T> {
    /// The decoded body.
    pub body: T,
    /// `X-WP-Total`: items matching the query.
    pub total: Option<u64>,
    /// `X-WP-TotalPages`.
    pub total_pages: Option<u64>,
}

/// Counters for the sync status and metrics.
#[derive(Clone, Debug, Default)]
pub struct ClientStats {
    /// HTTP requests sent (every attempt).
    pub requests: u64,
    /// Attempts repeated after any failure, 429s included.
    pub retries: u64,
    /// 429 answers.
    pub rate_limited: u64,
    /// 503 answers.
    pub unavailable: u64,
    /// Other 5xx answers.
    pub server_errors: u64,
    /// Requests per second the pacer allows now.
    pub current_rate: f64,
    /// The configured ceiling.
    pub configured_rate: f64,
    /// Time spent waiting for the pacer's rate or a `Retry-After` pause.
    pub pacing_wait: Duration,
    /// Rate cuts after 429/503 (a burst of refusals counts once).
    pub rate_cuts: u64,
}

/// A WooCommerce REST API client for one store. Clones share the pacer and counters.
#[derive(Clone)]
pub struct WooClient<S> {
    inner: Arc<Inner<S>>,
}

struct Inner<S> {
    http: reqwest::Client,
    site: Site,
    retry: RetryPolicy,
    pacer: Pacer,
    sleeper: S,
    rng: Mutex<ChaCha8Rng>,
    counters: Counters,
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    retries: AtomicU64,
    rate_limited: AtomicU64,
    unavailable: AtomicU64,
    server_errors: AtomicU64,
}

impl<S: Sleeper + Clone + 'static> WooClient<S> {
    /// A client for one store; `clock` paces, `sleeper` does every wait.
    pub fn new(
        settings: ClientSettings,
        clock: Arc<dyn Clock>,
        sleeper: S,
    ) -> Result<Self, WooError> {
        if let Some(problem) = settings.pacing.problem() {
            return Err(WooError::Config {
                reason: problem.to_owned(),
            });
        }
        let http = http_client(&settings)?;
        let consumer = Consumer {
            key: settings.consumer_key,
            secret: settings.consumer_secret,
        };
        let site = Site::new(&settings.base_url, settings.auth, consumer)?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                site,
                retry: settings.retry,
                pacer: Pacer::new(settings.pacing, clock),
                sleeper,
                rng: Mutex::new(ChaCha8Rng::from_entropy()),
                counters: Counters::default(),
            }),
        })
    }

    /// `GET {base}/wp-json/wc/v3{path}?{query}`; `operation` names the call in errors and
    /// logs ("products page"). Lists go comma-separated ([`comma_list`]).
    pub async fn get<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Listing<T>, WooError> {
        let call = Call {
            operation,
            method: Method::GET,
            path,
            query,
            body: None,
        };
        let (body, headers) = self.exchange(&call).await?;
        Ok(Listing {
            body,
            total: header_u64(&headers, "x-wp-total"),
            total_pages: header_u64(&headers, "x-wp-totalpages"),
        })
    }

    /// `POST` a JSON body (batch writes). Retried like GETs: the daemon only POSTs
    /// idempotent updates.
    pub async fn post<B: Serialize + ?Sized + Sync, T: DeserializeOwned>(
        &self,
        operation: &'static str,
        path: &str,
        body: &B,
    ) -> Result<T, WooError> {
        let payload = serde_json::to_vec(body).map_err(|e| WooError::Malformed {
            operation,
            attempts: 0,
            reason: format!("could not encode the request body: {e}"),
        })?;
        let call = Call {
            operation,
            method: Method::POST,
            path,
            query: &[],
            body: Some(&payload),
        };
        self.exchange(&call).await.map(|(value, _)| value)
    }

    /// Counters since creation, with the pacer's current rate.
    #[must_use]
    pub fn stats(&self) -> ClientStats {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        let counters = &self.inner.counters;
        let pacer = self.inner.pacer.stats();
        ClientStats {
            requests: load(&counters.requests),
            retries: load(&counters.retries),
            rate_limited: load(&counters.rate_limited),
            unavailable: load(&counters.unavailable),
            server_errors: load(&counters.server_errors),
            current_rate: pacer.current_rate,
            configured_rate: pacer.configured_rate,
            pacing_wait: pacer.waited,
            rate_cuts: pacer.cuts,
        }
    }

    /// The authentication method in use, `auto` resolved.
    #[must_use]
    pub fn auth_method(&self) -> AuthMethod {
        self.inner.site.auth()
    }

    /// The sleeper every wait goes through.
    #[must_use]
    pub fn sleeper(&self) -> &S {
        &self.inner.sleeper
    }
}

fn http_client(settings: &ClientSettings) -> Result<reqwest::Client, WooError> {
    let config = |reason: String| WooError::Config { reason };
    let mut builder = reqwest::Client::builder()
        .timeout(settings.timeout)
        .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("upsell-sync/", env!("CARGO_PKG_VERSION")));
    if let Some(pem) = &settings.root_certificate_pem {
        // A bundle is accepted too; text without any certificate would otherwise be
        // silently ignored.
        let certificates = reqwest::Certificate::from_pem_bundle(pem)
            .map_err(|e| config(format!("root_certificate_pem is not PEM: {e}")))?;
        if certificates.is_empty() {
            return Err(config(
                "root_certificate_pem holds no -----BEGIN CERTIFICATE----- block".to_owned(),
            ));
        }
        for certificate in certificates {
            builder = builder.add_root_certificate(certificate);
        }
    }
    builder
        .build()
        .map_err(|e| config(format!("cannot build the HTTP client: {}", describe(e))))
}

#[cfg(test)]
mod tests;
