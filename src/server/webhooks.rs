//! `POST /webhooks/shopify/{shop}` and `POST /webhooks/woocommerce/{shop}`.
//!
//! Order of checks, each answered at once: unknown (or disabled) shop → 404; body
//! above the limit → 413; signature over the raw bytes (constant time) → 401 when it
//! fails, nothing stored; WooCommerce's unsigned creation ping → 200; a delivery id
//! seen before → 200, dropped; otherwise the delivery is queued in the shop's durable
//! job queue, flushed to disk (group commit) and answered 200. The pipeline does the
//! rest, so the platform's timeout (Shopify: 5 s) is never at risk.

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::Utc;
use sha2::{Digest, Sha256};

use super::{ServerState, ShopEndpoint};
use crate::platform::webhook_privacy;
use crate::platform::webhook_signature::{self, SignatureError};
use crate::platform::woocommerce::webhook::{classify, Delivery};
use crate::store::Enqueued;
use crate::sync::jobs::QueuedJob;

/// A handler's answer: status and a short plain-text reason.
type Answer = (StatusCode, String);

/// Shopify: `X-Shopify-Hmac-Sha256` with the app's client secret; deduplicated by
/// `X-Shopify-Event-Id` (identical on redeliveries), else `X-Shopify-Webhook-Id`.
pub async fn shopify(
    State(state): State<ServerState>,
    Path(shop): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    let (endpoint, body) = match admit(&state, &shop, "shopify", &headers, body).await {
        Ok(admitted) => admitted,
        Err(answer) => return answer,
    };
    let signature = header(&headers, "x-shopify-hmac-sha256").unwrap_or_default();
    if let Err(error) = verify(&endpoint, &body, signature) {
        return refuse(&state, &shop, &error);
    }
    let Some(topic) = header(&headers, "x-shopify-topic") else {
        return bad_request(&state, &shop, "missing X-Shopify-Topic header");
    };
    let delivery =
        header(&headers, "x-shopify-event-id").or_else(|| header(&headers, "x-shopify-webhook-id"));
    enqueue(&state, &shop, &endpoint, topic, delivery, body).await
}

/// WooCommerce: `X-WC-Webhook-Signature` with the webhook's secret; deduplicated by
/// `X-WC-Webhook-Delivery-ID` and the body (see [`woocommerce_delivery_key`]). The
/// creation ping carries no signature and must get 200.
pub async fn woocommerce(
    State(state): State<ServerState>,
    Path(shop): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    let (endpoint, body) = match admit(&state, &shop, "woocommerce", &headers, body).await {
        Ok(admitted) => admitted,
        Err(answer) => return answer,
    };
    let secret = endpoint
        .webhook_secret
        .as_ref()
        .map_or(&[][..], |s| s.expose().as_bytes());
    let content_type = header(&headers, "content-type");
    let signature = header(&headers, "x-wc-webhook-signature");
    match classify(secret, content_type, signature, &body) {
        Ok(Delivery::Ping { webhook_id }) => {
            tracing::info!(shop, webhook_id, "WooCommerce webhook ping");
            state.board.webhook(&shop, "ping");
            (StatusCode::OK, "pong".to_owned())
        }
        Ok(Delivery::Verified) => {
            let Some(topic) = header(&headers, "x-wc-webhook-topic") else {
                return bad_request(&state, &shop, "missing X-WC-Webhook-Topic header");
            };
            let delivery = header(&headers, "x-wc-webhook-delivery-id")
                .map(|id| woocommerce_delivery_key(id, &body));
            enqueue(&state, &shop, &endpoint, topic, delivery.as_deref(), body).await
        }
        Err(error) => refuse(&state, &shop, &error),
    }
}

/// The shop's endpoint and the body, or the answer that ends the request: 404 for a
/// shop that is not configured (or not on this platform), 413 above the body limit.
async fn admit(
    state: &ServerState,
    shop: &str,
    platform: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<(ShopEndpoint, Bytes), Answer> {
    let Some(endpoint) = state.shops.get(shop).filter(|e| e.platform == platform) else {
        tracing::warn!(shop, platform, "webhook for an unknown shop");
        return Err((
            StatusCode::NOT_FOUND,
            format!("no enabled {platform} shop named {shop:?} is configured"),
        ));
    };
    let declared = header(headers, "content-length").and_then(|v| v.parse::<usize>().ok());
    let too_large = || {
        state.board.webhook(shop, "too_large");
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body exceeds the limit of {} bytes", state.body_limit),
        )
    };
    if declared.is_some_and(|len| len > state.body_limit) {
        return Err(too_large());
    }
    match axum::body::to_bytes(body, state.body_limit).await {
        Ok(bytes) => Ok((endpoint.clone(), bytes)),
        Err(_) => Err(too_large()),
    }
}

fn verify(endpoint: &ShopEndpoint, body: &[u8], signature: &str) -> Result<(), SignatureError> {
    let secret = endpoint
        .webhook_secret
        .as_ref()
        .ok_or(SignatureError::NoSecret)?;
    webhook_signature::verify(secret.expose().as_bytes(), body, signature)
}

fn refuse(state: &ServerState, shop: &str, error: &SignatureError) -> Answer {
    tracing::warn!(shop, error = %error, "webhook refused");
    state.board.webhook(shop, "unauthorized");
    (StatusCode::UNAUTHORIZED, error.to_string())
}

fn bad_request(state: &ServerState, shop: &str, reason: &str) -> Answer {
    state.board.webhook(shop, "bad_request");
    (StatusCode::BAD_REQUEST, reason.to_owned())
}

/// Queues a verified delivery and answers once it is durable.
async fn enqueue(
    state: &ServerState,
    shop: &str,
    endpoint: &ShopEndpoint,
    topic: &str,
    delivery: Option<&str>,
    body: Bytes,
) -> Answer {
    let received_at = Utc::now();
    // Only hashed customer ids may reach the store, the queue included.
    let body = match &state.salt {
        Some(salt) => webhook_privacy::minimize(topic, &body, salt),
        None => body.to_vec(),
    };
    let job = QueuedJob {
        topic: topic.to_owned(),
        delivery_id: delivery.map(str::to_owned),
        received_at,
        body,
    };
    let queued = endpoint
        .store
        .enqueue_delivery(delivery, &job.encode(), received_at.timestamp());
    let failed = |error: String, needs_reopen: bool| {
        tracing::error!(shop, error, "could not queue a webhook");
        state.board.webhook(shop, "store_error");
        if needs_reopen {
            state.board.store_write_failed();
        }
        // A 5xx makes the platform deliver again later.
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "the delivery could not be stored; send it again later".to_owned(),
        )
    };
    match queued {
        Ok(Enqueued::Duplicate) => {
            state.board.webhook(shop, "duplicate");
            (
                StatusCode::OK,
                "duplicate delivery, already queued".to_owned(),
            )
        }
        Ok(Enqueued::Job(id)) => {
            if let Err(error) = state.flusher.flush().await {
                return failed(error.to_string(), error.needs_reopen());
            }
            endpoint.wake.notify_one();
            state.board.webhook(shop, "accepted");
            tracing::debug!(shop, topic, job = id, "webhook queued");
            (StatusCode::OK, "queued".to_owned())
        }
        Err(error) => failed(error.to_string(), error.needs_reopen()),
    }
}

/// WooCommerce's delivery id is `wp_hash(webhook id . time())`: the same for every
/// delivery of one webhook within a second, so alone it would drop distinct events as
/// duplicates. With a digest of the body it names one event: a repeat of the same
/// body in the same second is a true duplicate.
fn woocommerce_delivery_key(delivery_id: &str, body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    format!("{delivery_id}:{}", hex::encode(&digest[..16]))
}

/// A header's value as text, if present and readable.
fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}
