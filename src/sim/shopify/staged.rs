//! Staged uploads: `stagedUploadsCreate` hands out a POST target on this server (in
//! place of Google Cloud Storage) with the form parameters Shopify returns, and the
//! upload route accepts a multipart form like GCS does: every parameter as a field,
//! `file` last, answered `201` with an XML `PostResponse`. The `key` parameter is the
//! `stagedUploadPath` a bulk mutation then reads.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Multipart, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::faults::{Fault, STAGED_UPLOAD};
use super::ids::SHOP_ID;
use super::objects::Owned;
use super::shared::{lock, Shared};
use crate::sim::plumbing::broken_body;

/// The largest bulk mutation variables file (100 MB).
pub(crate) const MAX_UPLOAD_BYTES: u64 = 100 * 1024 * 1024;
/// Form fields GCS requires before the file.
const REQUIRED: [&str; 9] = [
    "key",
    "Content-Type",
    "success_action_status",
    "acl",
    "policy",
    "x-goog-credential",
    "x-goog-algorithm",
    "x-goog-date",
    "x-goog-signature",
];

/// Upload targets handed out, and the file stored for each once uploaded.
#[derive(Debug, Default)]
pub(crate) struct StagedRegistry {
    targets: HashMap<String, Option<PathBuf>>,
    next: u64,
}

impl StagedRegistry {
    /// The stored file of an uploaded target.
    pub fn uploaded(&self, key: &str) -> Option<PathBuf> {
        self.targets.get(key).cloned().flatten()
    }
}

/// A random version-4 UUID.
pub(crate) fn uuid() -> String {
    let n: u128 = rand::random();
    let hex = format!("{n:032x}");
    format!(
        "{}-{}-4{}-a{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..]
    )
}

/// `stagedUploadsCreate`: one POST target per input.
pub(crate) fn create(shared: &Shared, inputs: &[Value]) -> Owned {
    let url = format!("{}/staged-uploads/", shared.base_url());
    let now = shared.now();
    let mut registry = lock(&shared.staged);
    let mut targets = Vec::new();
    for input in inputs {
        let text = |name: &str| input.get(name).and_then(Value::as_str).unwrap_or_default();
        let filename = text("filename").replace('/', "_");
        let key = format!("tmp/{SHOP_ID}/bulk/{}/{filename}", uuid());
        registry.targets.insert(key.clone(), None);
        registry.next += 1;
        let date = now.format("%Y%m%dT%H%M%SZ").to_string();
        let policy = STANDARD.encode(
            json!({"conditions": [{"key": key}, {"acl": "private"}], "expiration": now.to_rfc3339()}).to_string(),
        );
        let parameters: Vec<Owned> = [
            ("Content-Type", text("mimeType").to_owned()),
            ("success_action_status", "201".to_owned()),
            ("acl", "private".to_owned()),
            ("key", key.clone()),
            ("x-goog-date", date.clone()),
            ("x-goog-credential", format!("merchant-assets@simulated.iam.gserviceaccount.com/{}/auto/storage/goog4_request", &date[..8])),
            ("x-goog-algorithm", "GOOG4-RSA-SHA256".to_owned()),
            ("x-goog-signature", hex::encode(Sha256::digest(key.as_bytes()))),
            ("policy", policy),
        ]
        .into_iter()
        .map(|(name, value)| Owned::new("StagedUploadParameter").with("name", json!(name)).with("value", json!(value)))
        .collect();
        targets.push(
            Owned::new("StagedMediaUploadTarget")
                .with("url", json!(url))
                .with("resourceUrl", json!(url))
                .with("parameters", parameters),
        );
    }
    drop(registry);
    shared.count(|c| c.staged_targets += inputs.len() as u64);
    Owned::new("StagedUploadsCreatePayload")
        .with("stagedTargets", targets)
        .with("userErrors", Vec::<Owned>::new())
}

/// An error status as the storage service answers it for a transient failure (an
/// injected fault, on an upload or a result file download).
pub(crate) fn storage_error(code: u16) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let name = status
        .canonical_reason()
        .unwrap_or("InternalError")
        .replace(' ', "");
    xml_error(
        status,
        &name,
        "We encountered an internal error. Please try again.",
    )
}

/// The storage service's answer for a file it does not hold.
pub(crate) fn no_such_key() -> Response {
    let message = "The specified key does not exist.";
    xml_error(StatusCode::NOT_FOUND, "NoSuchKey", message)
}

/// A GCS-style XML error.
fn xml_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = format!(
        "<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code><Message>{message}</Message></Error>"
    );
    (
        status,
        [(header::CONTENT_TYPE, "application/xml; charset=UTF-8")],
        body,
    )
        .into_response()
}

/// The POST target: stores the `file` field of a multipart form, streamed to disk.
/// A fault queued under [`STAGED_UPLOAD`] answers an upload with [`Fault::Status`] (an
/// XML error as GCS sends) or [`Fault::CloseConnection`], storing nothing.
pub(crate) async fn upload(State(shared): State<Arc<Shared>>, mut form: Multipart) -> Response {
    let fault = lock(&shared.faults).pop_only(STAGED_UPLOAD);
    if fault.is_some() {
        shared.count(|c| c.faults_injected += 1);
    }
    match fault {
        Some(Fault::Status(code)) => return storage_error(code),
        Some(Fault::CloseConnection) => return broken_body(Bytes::new(), "application/xml"),
        _ => {}
    }
    let mut fields: HashMap<String, String> = HashMap::new();
    let mut stored: Option<(String, PathBuf, String)> = None;
    loop {
        let mut field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return xml_error(StatusCode::BAD_REQUEST, "InvalidArgument", &e.body_text()),
        };
        if stored.is_some() {
            return xml_error(
                StatusCode::BAD_REQUEST,
                "InvalidArgument",
                "The file field must be the last field of the form.",
            );
        }
        let name = field.name().unwrap_or_default().to_owned();
        if name != "file" {
            match field.text().await {
                Ok(text) => fields.insert(name, text),
                Err(e) => {
                    return xml_error(StatusCode::BAD_REQUEST, "InvalidArgument", &e.body_text())
                }
            };
            continue;
        }
        if let Some(missing) = REQUIRED.iter().find(|r| !fields.contains_key(**r)) {
            let message =
                format!("Missing form field: {missing}. Every parameter must precede the file.");
            return xml_error(StatusCode::BAD_REQUEST, "InvalidArgument", &message);
        }
        let key = fields.get("key").cloned().unwrap_or_default();
        if !lock(&shared.staged).targets.contains_key(&key) {
            return xml_error(
                StatusCode::FORBIDDEN,
                "AccessDenied",
                "Invalid policy document or request key.",
            );
        }
        let path = shared.dir.path().join(format!(
            "staged-{}.jsonl",
            hex::encode(Sha256::digest(key.as_bytes()))
        ));
        let Ok(mut file) = tokio::fs::File::create(&path).await else {
            return xml_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalError",
                "Could not store the file.",
            );
        };
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    size += chunk.len() as u64;
                    if size > MAX_UPLOAD_BYTES {
                        return xml_error(StatusCode::BAD_REQUEST, "EntityTooLarge", "Your proposed upload is larger than the maximum object size specified in your Policy Document.");
                    }
                    hasher.update(&chunk);
                    if file.write_all(&chunk).await.is_err() {
                        return xml_error(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            "InternalError",
                            "Could not store the file.",
                        );
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    return xml_error(StatusCode::BAD_REQUEST, "InvalidArgument", &e.body_text())
                }
            }
        }
        if file.flush().await.is_err() {
            return xml_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalError",
                "Could not store the file.",
            );
        }
        stored = Some((key, path, hex::encode(&hasher.finalize()[..16])));
    }
    let Some((key, path, etag)) = stored else {
        return xml_error(
            StatusCode::BAD_REQUEST,
            "InvalidArgument",
            "The form has no file field.",
        );
    };
    lock(&shared.staged).targets.insert(key.clone(), Some(path));
    shared.count(|c| c.staged_uploads += 1);
    if fields.get("success_action_status").map(String::as_str) != Some("201") {
        return StatusCode::NO_CONTENT.into_response();
    }
    let base = shared.base_url();
    let body = format!(
        "<?xml version='1.0' encoding='UTF-8'?><PostResponse><Location>{base}/staged-uploads/{key}</Location><Bucket>shopify-staged-uploads</Bucket><Key>{key}</Key><ETag>\"{etag}\"</ETag></PostResponse>"
    );
    (
        StatusCode::CREATED,
        [(header::CONTENT_TYPE, "application/xml; charset=UTF-8")],
        body,
    )
        .into_response()
}
