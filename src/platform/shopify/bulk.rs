//! Bulk operations: start a bulk query or mutation, poll it to the end, and stream its
//! JSONL result to a synchronous consumer (the store is synchronous) without ever
//! holding the file. Only the start and poll calls cost points; the work itself runs on
//! Shopify's side outside the bucket, which is why backfills go this way.

use std::future::Future;
use std::io::{BufRead, BufReader};
use std::time::Duration;

use futures_util::TryStreamExt;
use reqwest::header::RETRY_AFTER;
use tokio_util::io::{StreamReader, SyncIoBridge};

use super::client::{describe, with_attempts, ShopifyClient, ShopifyError, UserError};
use super::ops::{
    bulk_operation, bulk_operation_run_mutation, bulk_operation_run_query, staged_uploads_create,
    BulkOperation, BulkOperationRunMutation, BulkOperationRunQuery, StagedUploadsCreate,
};
use crate::platform::retry::{parse_retry_after, NetworkFailure, Retry, Sleeper};

/// Longest pause between two polls, however long the operation runs.
const MAX_POLL: Duration = Duration::from_secs(30);
/// Starts refused with `OPERATION_IN_PROGRESS`/`LIMIT_REACHED` are tried this often.
const START_ATTEMPTS: u32 = 5;

/// How a bulk operation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkOutcome {
    /// Its GID.
    pub id: String,
    /// Final status: `COMPLETED`, `FAILED`, `CANCELED` or `EXPIRED`.
    pub status: String,
    /// `TIMEOUT`, `INTERNAL_SERVER_ERROR`, `ACCESS_DENIED` when it failed.
    pub error_code: Option<String>,
    /// The complete result (`None` when nothing matched or it failed).
    pub url: Option<String>,
    /// What a failed run delivered before it stopped.
    pub partial_data_url: Option<String>,
    /// Objects written, roots and children.
    pub object_count: u64,
    /// When Shopify started it (its clock): the result holds every change before this.
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl BulkOutcome {
    /// Whether the whole result is there.
    #[must_use]
    pub fn is_complete(&self) -> bool {
        self.status == "COMPLETED"
    }

    /// The file to read: the full result, else the partial one.
    #[must_use]
    pub fn data_url(&self) -> Option<&str> {
        self.url.as_deref().or(self.partial_data_url.as_deref())
    }
}

/// Starts bulk query `query` (one of `ops::BULK_*_QUERY`) and polls it to its end,
/// pausing `poll` at first and up to [`MAX_POLL`] as it runs on.
pub async fn run_query<S: Sleeper>(
    client: &ShopifyClient<S>,
    query: &str,
    poll: Duration,
) -> Result<BulkOutcome, ShopifyError> {
    let mut attempt = 0;
    let id = loop {
        attempt += 1;
        let variables = bulk_operation_run_query::Variables {
            query: query.to_owned(),
        };
        let data = client.run::<BulkOperationRunQuery>(variables, 10).await?;
        let Some(started) = data.bulk_operation_run_query else {
            return Err(no_payload("BulkOperationRunQuery"));
        };
        let errors: Vec<UserError> = started
            .user_errors
            .into_iter()
            .map(|e| UserError::new(e.field, e.message, e.code.map(|c| format!("{c:?}"))))
            .collect();
        if let Some(operation) = started.bulk_operation.filter(|_| errors.is_empty()) {
            break operation.id;
        }
        if attempt >= START_ATTEMPTS || !errors.iter().any(is_busy) {
            return Err(ShopifyError::UserErrors {
                operation: "BulkOperationRunQuery",
                errors,
            });
        }
        tracing::info!("another bulk operation is running; waiting before starting ours");
        client.sleeper().sleep(MAX_POLL).await;
    };
    wait_for(client, id, poll).await
}

/// Polls bulk operation `id` until it is over.
pub async fn wait_for<S: Sleeper>(
    client: &ShopifyClient<S>,
    id: String,
    poll: Duration,
) -> Result<BulkOutcome, ShopifyError> {
    let mut pause = poll;
    loop {
        let variables = bulk_operation::Variables { id: id.clone() };
        let data = client.run::<BulkOperation>(variables, 1).await?;
        let Some(operation) = data.bulk_operation else {
            return Err(ShopifyError::Bulk {
                id,
                status: "UNKNOWN".to_owned(),
                error_code: Some("not found".to_owned()),
            });
        };
        let status = format!("{:?}", operation.status);
        if matches!(
            status.as_str(),
            "COMPLETED" | "FAILED" | "CANCELED" | "EXPIRED"
        ) {
            return Ok(BulkOutcome {
                id: operation.id,
                status,
                error_code: operation.error_code.map(|c| format!("{c:?}")),
                url: operation.url,
                partial_data_url: operation.partial_data_url,
                object_count: operation.object_count.parse().unwrap_or(0),
                created_at: chrono::DateTime::parse_from_rfc3339(&operation.created_at)
                    .ok()
                    .map(|t| t.with_timezone(&chrono::Utc)),
            });
        }
        client.sleeper().sleep(pause).await;
        pause = (pause * 2).min(MAX_POLL);
    }
}

/// Streams the file at `url` into `consume`, which runs on a blocking thread and reads
/// it as a [`BufRead`]; the result URLs are signed, so no token is sent. The file is
/// read again from the start, under the client's retry policy, when the download fails
/// (an error status, a connection reset or stalled mid-file) or `consume` answers
/// [`Interrupted`] (a read error it met mid-file): readers must make a repeat harmless.
pub async fn download<S, F, T>(
    client: &ShopifyClient<S>,
    url: &str,
    consume: F,
) -> Result<T, ShopifyError>
where
    S: Sleeper,
    F: Fn(&mut dyn BufRead) -> Result<T, Interrupted> + Clone + Send + 'static,
    T: Send + 'static,
{
    with_retries(client, DOWNLOAD, || async {
        match download_once(client, url, consume.clone()).await? {
            Ok(read) => Ok(read),
            Err(Interrupted(reason)) => Err((network(DOWNLOAD, reason), Retry::Yes(None))),
        }
    })
    .await
}

/// Runs `attempt` until it succeeds or the client's retry policy gives up, waiting its
/// backoff (at least a `Retry-After`) between attempts. For the calls outside the Admin
/// API (downloads, staged uploads), which the client's own loop does not cover.
async fn with_retries<S, T, F, Fut>(
    client: &ShopifyClient<S>,
    operation: &'static str,
    mut attempt: F,
) -> Result<T, ShopifyError>
where
    S: Sleeper,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, (ShopifyError, Retry)>>,
{
    let mut failures = 0;
    loop {
        let (problem, retry) = match attempt().await {
            Ok(done) => return Ok(done),
            Err(failed) => failed,
        };
        failures += 1;
        let Some(wait) = client.backoff(failures, retry) else {
            return Err(with_attempts(problem, failures));
        };
        tracing::warn!(error = %problem, ?wait, "{operation} failed; trying again");
        client.sleeper().sleep(wait).await;
    }
}

/// A bulk file cut off by a read error after `consume` had read part of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interrupted(pub String);

/// One download: what `consume` made of it, or the failure and whether to try again.
async fn download_once<S, F, T>(
    client: &ShopifyClient<S>,
    url: &str,
    consume: F,
) -> Result<Result<T, Interrupted>, (ShopifyError, Retry)>
where
    S: Sleeper,
    F: FnOnce(&mut dyn BufRead) -> Result<T, Interrupted> + Send + 'static,
    T: Send + 'static,
{
    let response = client
        .http()
        .get(url)
        .timeout(Duration::from_secs(24 * 3600))
        .send()
        .await
        .map_err(|e| sending_failed(DOWNLOAD, &e))?;
    refused(DOWNLOAD, &response)?;
    let stream = response.bytes_stream().map_err(std::io::Error::other);
    let reader = SyncIoBridge::new(StreamReader::new(stream));
    tokio::task::spawn_blocking(move || {
        let mut buffered = BufReader::with_capacity(1 << 16, reader);
        consume(&mut buffered)
    })
    .await
    .map_err(|e| {
        let failure = network(DOWNLOAD, format!("the reader thread failed: {e}"));
        (failure, Retry::No)
    })
}

/// One upload of `file` to a staged target as a form: its fields, then the file (the
/// storage service ignores fields after it).
async fn upload_once<S: Sleeper>(
    client: &ShopifyClient<S>,
    url: &str,
    fields: &[(String, String)],
    file: Vec<u8>,
) -> Result<(), (ShopifyError, Retry)> {
    let mut form = reqwest::multipart::Form::new();
    for (name, value) in fields {
        form = form.text(name.clone(), value.clone());
    }
    let part = reqwest::multipart::Part::bytes(file)
        .file_name("recommendations.jsonl")
        .mime_str("text/jsonl")
        .map_err(|e| (no_payload_reason(UPLOAD, &e.to_string()), Retry::No))?;
    let response = client
        .http()
        .post(url)
        .multipart(form.part("file", part))
        .send()
        .await
        .map_err(|e| sending_failed(UPLOAD, &e))?;
    refused(UPLOAD, &response)
}

const DOWNLOAD: &str = "bulk result download";
const UPLOAD: &str = "staged upload";

fn network(operation: &'static str, reason: String) -> ShopifyError {
    ShopifyError::Network {
        operation,
        attempts: 1,
        reason,
    }
}

/// A request that got no answer, and whether that is worth another try.
fn sending_failed(operation: &'static str, error: &reqwest::Error) -> (ShopifyError, Retry) {
    let retry = Retry::for_network(NetworkFailure::of(error));
    (network(operation, describe(error)), retry)
}

/// An answer that is not a success, with its status and `Retry-After`.
fn refused(
    operation: &'static str,
    response: &reqwest::Response,
) -> Result<(), (ShopifyError, Retry)> {
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after);
    let failure = ShopifyError::Http {
        operation,
        status: status.as_u16(),
        attempts: 1,
        excerpt: String::new(),
    };
    Err((failure, Retry::for_status(status.as_u16(), retry_after)))
}

/// Starts a bulk mutation: uploads `jsonl` (one line of variables per execution of
/// `mutation`) to a staged target and runs it. Returns the operation id.
pub async fn start_mutation<S: Sleeper>(
    client: &ShopifyClient<S>,
    mutation: &str,
    jsonl: Vec<u8>,
) -> Result<String, ShopifyError> {
    let input = staged_uploads_create::StagedUploadInput {
        resource:
            staged_uploads_create::StagedUploadTargetGenerateUploadResource::BULK_MUTATION_VARIABLES,
        filename: "recommendations.jsonl".to_owned(),
        mime_type: "text/jsonl".to_owned(),
        http_method: Some(staged_uploads_create::StagedUploadHttpMethodType::POST),
        file_size: None,
    };
    let data = client
        .run::<StagedUploadsCreate>(staged_uploads_create::Variables { input: vec![input] }, 10)
        .await?;
    let Some(created) = data.staged_uploads_create else {
        return Err(no_payload("StagedUploadsCreate"));
    };
    if !created.user_errors.is_empty() {
        let errors = created
            .user_errors
            .into_iter()
            .map(|e| UserError::new(e.field, e.message, None))
            .collect();
        return Err(ShopifyError::UserErrors {
            operation: "StagedUploadsCreate",
            errors,
        });
    }
    let target = created
        .staged_targets
        .and_then(|t| t.into_iter().next())
        .ok_or_else(|| no_payload("StagedUploadsCreate"))?;
    let url = target
        .url
        .ok_or_else(|| no_payload("StagedUploadsCreate"))?;
    let fields: Vec<(String, String)> = target
        .parameters
        .into_iter()
        .map(|p| (p.name, p.value))
        .collect();
    let key = fields
        .iter()
        .find(|(name, _)| name == "key")
        .map(|(_, value)| value.clone())
        .ok_or_else(|| no_payload("StagedUploadsCreate (no `key` parameter)"))?;
    with_retries(client, UPLOAD, || {
        upload_once(client, &url, &fields, jsonl.clone())
    })
    .await?;
    let variables = bulk_operation_run_mutation::Variables {
        mutation: mutation.to_owned(),
        staged_upload_path: key,
        client_identifier: Some("upsell-sync push".to_owned()),
    };
    let data = client
        .run::<BulkOperationRunMutation>(variables, 10)
        .await?;
    let started = data
        .bulk_operation_run_mutation
        .ok_or_else(|| no_payload("BulkOperationRunMutation"))?;
    if let Some(operation) = started
        .bulk_operation
        .filter(|_| started.user_errors.is_empty())
    {
        return Ok(operation.id);
    }
    let errors = started
        .user_errors
        .into_iter()
        .map(|e| UserError::new(e.field, e.message, e.code.map(|c| format!("{c:?}"))))
        .collect();
    Err(ShopifyError::UserErrors {
        operation: "BulkOperationRunMutation",
        errors,
    })
}

fn is_busy(error: &UserError) -> bool {
    matches!(
        error.code.as_deref(),
        Some("OPERATION_IN_PROGRESS" | "LIMIT_REACHED")
    )
}

fn no_payload(operation: &'static str) -> ShopifyError {
    ShopifyError::Malformed {
        operation,
        attempts: 1,
        reason: "the mutation answered without its payload".to_owned(),
    }
}

fn no_payload_reason(operation: &'static str, reason: &str) -> ShopifyError {
    ShopifyError::Malformed {
        operation,
        attempts: 1,
        reason: reason.to_owned(),
    }
}
