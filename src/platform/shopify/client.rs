//! The Admin GraphQL client: one per shop, cheap to clone, shared by every task of that
//! shop so they all pay from one [`CostBucket`].
//!
//! A call goes: reserve the query's requested cost (waiting *before* sending when the
//! mirror says the shop's bucket cannot pay), POST it with the pinned API version and the
//! token header, then read the answer. Cost reports teach the bucket. A THROTTLED answer
//! is waited out as Shopify says and sent again (and counted: it means our pacing was
//! wrong). Network failures, 429 and 5xx are retried with jittered exponential backoff
//! under the shared [`RetryPolicy`], honouring `Retry-After`. Everything else is a typed
//! [`ShopifyError`]; mutations' `userErrors` become [`ShopifyError::UserErrors`] in the
//! callers, which know each mutation's shape.
//!
//! Every operation we send is idempotent (reads; `metafieldsSet` overwrites;
//! `metafieldsDelete` of a missing metafield succeeds), so a request that may or may not
//! have reached Shopify is safe to repeat. Bulk-operation starts are the exception, and
//! their callers look for a running operation before starting another.

mod answer;
mod error;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use graphql_client::GraphQLQuery;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use reqwest::header::{HeaderMap, CONTENT_TYPE, RETRY_AFTER};

pub use answer::GraphQlError;
use answer::{classify, points, Envelope, ErrorKind};
pub use error::{ShopifyError, UserError};

use crate::config::Secret;
use crate::platform::lone_surrogates::replace_lone_surrogates;
use crate::platform::retry::{parse_retry_after, NetworkFailure, Retry, RetryPolicy, Sleeper};
use crate::platform::shopify::bucket::{BucketStats, CostBucket};

/// THROTTLED answers tolerated for one call before giving up: each is waited out as told,
/// so more than a few means another client drains the bucket faster than it refills.
const MAX_THROTTLED: u32 = 20;
/// The wait after THROTTLED when the answer gives no usable throttle status (Shopify's
/// advice for 429s without `Retry-After`).
const THROTTLED_FALLBACK_WAIT: Duration = Duration::from_secs(1);
/// How much of an unexpected body goes into an error message.
const EXCERPT: usize = 200;

/// Where and how to reach one shop.
#[derive(Clone, Debug)]
pub struct ClientSettings {
    /// `https://your-store.myshopify.com`, or a proxy / the simulated store.
    pub base_url: String,
    /// Pinned Admin API version, `YYYY-MM`.
    pub api_version: String,
    /// The Admin API access token.
    pub access_token: Secret,
    /// Timeout of one HTTP request (connect, send, answer).
    pub timeout: Duration,
    /// Retries of network failures, 429 and 5xx.
    pub retry: RetryPolicy,
}

impl ClientSettings {
    /// The GraphQL endpoint, `{base}/admin/api/{version}/graphql.json`.
    #[must_use]
    pub fn endpoint(&self) -> String {
        format!(
            "{}/admin/api/{}/graphql.json",
            self.base_url.trim_end_matches('/'),
            self.api_version
        )
    }
}

/// Counters for the sync status and metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ClientStats {
    /// HTTP requests sent (every attempt).
    pub requests: u64,
    /// Attempts repeated after a network failure, 429, 5xx or unreadable answer.
    pub retries: u64,
    /// THROTTLED answers (pacing misses).
    pub throttled: u64,
    /// The bucket mirror's own counters.
    pub bucket: BucketStats,
}

/// A Shopify Admin GraphQL client for one shop. Clones share the bucket and counters.
#[derive(Clone)]
pub struct ShopifyClient<S> {
    inner: Arc<Inner<S>>,
}

struct Inner<S> {
    http: reqwest::Client,
    settings: ClientSettings,
    endpoint: String,
    bucket: CostBucket,
    sleeper: S,
    rng: Mutex<ChaCha8Rng>,
    /// Requested cost Shopify reported, per (operation, our estimate): later calls of the
    /// same shape reserve what Shopify really asks, whatever our estimate said.
    learned_cost: Mutex<HashMap<(&'static str, u32), u32>>,
    requests: AtomicU64,
    retries: AtomicU64,
    throttled: AtomicU64,
    version_warned: AtomicBool,
    /// The `X-Shopify-API-Version` of the last answer, for the sync status.
    answered_version: Mutex<Option<String>>,
}

impl<S: Sleeper> ShopifyClient<S> {
    /// A client for one shop. `bucket` is that shop's mirror, shared with any other client
    /// of the same shop; `sleeper` does every wait.
    pub fn new(
        settings: ClientSettings,
        bucket: CostBucket,
        sleeper: S,
    ) -> Result<Self, ShopifyError> {
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            // A bulk file download may take hours (its own timeout is a day), but a
            // connection that sends nothing for this long has stalled: fail and read
            // the file again rather than wait out the day.
            .read_timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("upsell-sync/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ShopifyError::Network {
                operation: "client",
                attempts: 0,
                reason: e.to_string(),
            })?;
        let endpoint = settings.endpoint();
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                endpoint,
                settings,
                bucket,
                sleeper,
                rng: Mutex::new(ChaCha8Rng::from_entropy()),
                learned_cost: Mutex::new(HashMap::new()),
                requests: AtomicU64::new(0),
                retries: AtomicU64::new(0),
                throttled: AtomicU64::new(0),
                version_warned: AtomicBool::new(false),
                answered_version: Mutex::new(None),
            }),
        })
    }

    /// The shared bucket mirror.
    #[must_use]
    pub fn bucket(&self) -> &CostBucket {
        &self.inner.bucket
    }

    /// The HTTP client, for bulk result downloads and staged uploads (not the Admin API).
    #[must_use]
    pub fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// The sleeper every wait goes through.
    #[must_use]
    pub fn sleeper(&self) -> &S {
        &self.inner.sleeper
    }

    /// The retry policy.
    #[must_use]
    pub fn retry_policy(&self) -> RetryPolicy {
        self.inner.settings.retry
    }

    /// The API version Shopify last answered with (`None` before the first answer); it
    /// differs from the pinned one when the pinned version left support.
    #[must_use]
    pub fn answered_version(&self) -> Option<String> {
        self.inner
            .answered_version
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Counters since creation.
    #[must_use]
    pub fn stats(&self) -> ClientStats {
        ClientStats {
            requests: self.inner.requests.load(Ordering::Relaxed),
            retries: self.inner.retries.load(Ordering::Relaxed),
            throttled: self.inner.throttled.load(Ordering::Relaxed),
            bucket: self.inner.bucket.stats(),
        }
    }

    /// A jittered backoff before retry number `failures` (≥ 1), or `None` when the policy
    /// gives up. Shared with the bulk download, which retries under the same policy.
    pub fn backoff(&self, failures: u32, retry: Retry) -> Option<Duration> {
        let mut rng = self
            .inner
            .rng
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        self.inner.settings.retry.decide(failures, retry, &mut *rng)
    }

    /// Sends operation `Q` and returns its typed data. `estimate` is our worst-case cost
    /// of these variables; once Shopify has told us the real requested cost of the same
    /// shape, that is reserved instead.
    pub async fn run<Q: GraphQLQuery>(
        &self,
        variables: Q::Variables,
        estimate: u32,
    ) -> Result<Q::ResponseData, ShopifyError> {
        self.run_as::<Q, Q::ResponseData>(variables, estimate).await
    }

    /// Like [`run`](Self::run), but reads `data` into `T` instead of the generated type:
    /// the pulls read products and orders into the wire types that bulk output shares.
    pub async fn run_as<Q: GraphQLQuery, T: serde::de::DeserializeOwned>(
        &self,
        variables: Q::Variables,
        estimate: u32,
    ) -> Result<T, ShopifyError> {
        let body = Q::build_query(variables);
        let operation = body.operation_name;
        let payload = serde_json::to_vec(&body).map_err(|e| ShopifyError::Malformed {
            operation,
            attempts: 0,
            reason: format!("could not encode the variables: {e}"),
        })?;
        let data = self.send(operation, &payload, estimate).await?;
        decode::<T>(operation, data.get())
    }

    /// The request loop of one call: pace, send, classify, retry.
    async fn send(
        &self,
        operation: &'static str,
        payload: &[u8],
        estimate: u32,
    ) -> Result<Box<serde_json::value::RawValue>, ShopifyError> {
        let mut failures = 0_u32;
        let mut throttled = 0_u32;
        let mut waited = Duration::ZERO;
        loop {
            let requested = self.requested_cost(operation, estimate);
            let reservation = self
                .inner
                .bucket
                .acquire(requested, &self.inner.sleeper)
                .await
                .map_err(|source| ShopifyError::Cost { operation, source })?;
            self.inner.requests.fetch_add(1, Ordering::Relaxed);
            let outcome = self.attempt(operation, payload).await;
            let failure = match outcome {
                Attempt::Answer { envelope, headers } => {
                    self.check_version(&headers);
                    let cost = envelope.extensions.as_ref().and_then(|e| e.cost);
                    match classify(envelope.errors.as_ref()) {
                        ErrorKind::Throttled => {
                            let wait = if let Some(cost) = cost {
                                // The query may cost more than we reserved: learn it, so
                                // the next reservation waits for the right amount.
                                let requested = points(cost.requested_query_cost);
                                self.learn_cost(operation, estimate, requested);
                                reservation.throttled(cost.throttle_status)
                            } else {
                                drop(reservation);
                                THROTTLED_FALLBACK_WAIT
                            };
                            // A status claiming enough points for a throttled query is
                            // not usable either: never retry at once, in a hot loop.
                            let wait = if wait.is_zero() {
                                THROTTLED_FALLBACK_WAIT
                            } else {
                                wait
                            };
                            throttled += 1;
                            self.inner.throttled.fetch_add(1, Ordering::Relaxed);
                            tracing::warn!(
                                operation,
                                ?wait,
                                "Shopify answered THROTTLED; waiting it out"
                            );
                            if throttled > MAX_THROTTLED {
                                return Err(ShopifyError::Throttled {
                                    operation,
                                    attempts: throttled,
                                    waited,
                                });
                            }
                            waited += wait;
                            self.inner.sleeper.sleep(wait).await;
                            continue;
                        }
                        kind => {
                            if let Some(cost) = cost {
                                self.learn_cost(
                                    operation,
                                    estimate,
                                    points(cost.requested_query_cost),
                                );
                                reservation
                                    .observe(cost.throttle_status, points(cost.actual_query_cost));
                            }
                            match kind {
                                ErrorKind::None => {
                                    return envelope.data.ok_or_else(|| ShopifyError::Malformed {
                                        operation,
                                        attempts: failures + 1,
                                        reason: "the answer has neither data nor errors".to_owned(),
                                    });
                                }
                                ErrorKind::Transient(errors) => Failure::Retryable(
                                    Retry::Yes(None),
                                    ShopifyError::GraphQl { operation, errors },
                                ),
                                ErrorKind::Permanent(errors) => {
                                    return Err(ShopifyError::GraphQl { operation, errors });
                                }
                                ErrorKind::Throttled => unreachable!("handled above"),
                            }
                        }
                    }
                }
                Attempt::Failed(failure) => failure,
            };
            failures += 1;
            let (retry, error) = match failure {
                Failure::Retryable(retry, error) => (retry, error),
                Failure::Fatal(error) => return Err(error),
            };
            let Some(wait) = self.backoff(failures, retry) else {
                return Err(with_attempts(error, failures));
            };
            self.inner.retries.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(operation, attempt = failures, ?wait, error = %error, "retrying Shopify call");
            self.inner.sleeper.sleep(wait).await;
        }
    }

    /// One HTTP exchange, reduced to an answer to read or a failure to decide on.
    async fn attempt(&self, operation: &'static str, payload: &[u8]) -> Attempt {
        let request = self
            .inner
            .http
            .post(&self.inner.endpoint)
            .header(CONTENT_TYPE, "application/json")
            .header(
                "X-Shopify-Access-Token",
                self.inner.settings.access_token.expose(),
            )
            .body(payload.to_vec());
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => return network_failure(operation, &e),
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = match response.bytes().await {
            Ok(bytes) => bytes,
            Err(e) => return network_failure(operation, &e),
        };
        if status == 401 || status == 403 {
            return Attempt::Failed(Failure::Fatal(ShopifyError::Unauthorized {
                operation,
                status,
            }));
        }
        let parsed = serde_json::from_slice::<Envelope>(&replace_lone_surrogates(&bytes));
        if status != 200 {
            // A 200-shaped THROTTLED body may come with 429: read it like a 200.
            if let Ok(envelope) = parsed {
                if status == 429 && classify(envelope.errors.as_ref()) == ErrorKind::Throttled {
                    return Attempt::Answer { envelope, headers };
                }
            }
            let retry_after = headers
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(parse_retry_after);
            let error = ShopifyError::Http {
                operation,
                status,
                attempts: 1,
                excerpt: excerpt(&bytes),
            };
            return Attempt::Failed(match Retry::for_status(status, retry_after) {
                Retry::No => Failure::Fatal(error),
                retry @ Retry::Yes(_) => Failure::Retryable(retry, error),
            });
        }
        match parsed {
            Ok(envelope) => Attempt::Answer { envelope, headers },
            Err(e) => Attempt::Failed(Failure::Retryable(
                Retry::Yes(None),
                ShopifyError::Malformed {
                    operation,
                    attempts: 1,
                    reason: format!("{e}: {}", excerpt(&bytes)),
                },
            )),
        }
    }

    fn requested_cost(&self, operation: &'static str, estimate: u32) -> u32 {
        let learned = self
            .inner
            .learned_cost
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        learned
            .get(&(operation, estimate))
            .copied()
            .unwrap_or(estimate)
    }

    fn learn_cost(&self, operation: &'static str, estimate: u32, requested: u32) {
        if requested == 0 {
            return;
        }
        let mut learned = self
            .inner
            .learned_cost
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let previous = learned.insert((operation, estimate), requested);
        if previous.is_none() && requested > estimate {
            tracing::debug!(
                operation,
                estimate,
                requested,
                "Shopify asks more points than we estimated"
            );
        }
    }

    /// Warns once when Shopify answered with another API version than the pinned one (the
    /// pinned version left support and requests "fell forward").
    fn check_version(&self, headers: &HeaderMap) {
        let Some(answered) = headers
            .get("x-shopify-api-version")
            .and_then(|v| v.to_str().ok())
        else {
            return;
        };
        *self
            .inner
            .answered_version
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(answered.to_owned());
        let pinned = &self.inner.settings.api_version;
        if answered != pinned && !self.inner.version_warned.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                pinned = %pinned,
                answered,
                "Shopify answered with another API version than the pinned one; \
                 the pinned version is probably out of support: update api_version"
            );
        }
    }
}

/// What one HTTP exchange gave.
enum Attempt {
    Answer {
        envelope: Envelope,
        headers: HeaderMap,
    },
    Failed(Failure),
}

/// A failed exchange and whether it is worth another try.
enum Failure {
    Retryable(Retry, ShopifyError),
    Fatal(ShopifyError),
}

fn network_failure(operation: &'static str, error: &reqwest::Error) -> Attempt {
    let reason = describe(error);
    let error_value = ShopifyError::Network {
        operation,
        attempts: 1,
        reason,
    };
    match Retry::for_network(NetworkFailure::of(error)) {
        Retry::No => Attempt::Failed(Failure::Fatal(error_value)),
        retry @ Retry::Yes(_) => Attempt::Failed(Failure::Retryable(retry, error_value)),
    }
}

/// A network failure with its causes, the endpoint URL replaced (a proxy URL may carry
/// credentials).
pub(super) fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    if let Some(url) = error.url() {
        text = text.replace(url.as_str(), "<endpoint>");
    }
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// `error` as the last of `attempts` attempts.
pub(super) fn with_attempts(error: ShopifyError, attempts: u32) -> ShopifyError {
    match error {
        ShopifyError::Http {
            operation,
            status,
            excerpt,
            ..
        } => ShopifyError::Http {
            operation,
            status,
            attempts,
            excerpt,
        },
        ShopifyError::Network {
            operation, reason, ..
        } => ShopifyError::Network {
            operation,
            attempts,
            reason,
        },
        ShopifyError::Malformed {
            operation, reason, ..
        } => ShopifyError::Malformed {
            operation,
            attempts,
            reason,
        },
        other => other,
    }
}

/// Reads `data` into the operation's type, naming the field that did not fit.
fn decode<T: serde::de::DeserializeOwned>(
    operation: &'static str,
    data: &str,
) -> Result<T, ShopifyError> {
    let mut deserializer = serde_json::Deserializer::from_str(data);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|e| ShopifyError::Malformed {
        operation,
        attempts: 1,
        reason: format!("field `{}`: {}", e.path(), e.inner()),
    })
}

fn excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut cut: String = text.chars().take(EXCERPT).collect();
    if text.chars().count() > EXCERPT {
        cut.push('…');
    }
    cut
}
