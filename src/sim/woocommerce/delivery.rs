//! Sending webhook deliveries and pings as WooCommerce's Hookshot does (reference §11,
//! fixtures `webhook_delivery_*`): POST of the resource's REST representation built
//! *at delivery time* (a product deleted meanwhile is the REST error object; `deleted`
//! topics carry `{"id": N}`), encoded like PHP (`\/`), signed with base64
//! HMAC-SHA256 of the raw body under the webhook's secret, with the `X-WC-Webhook-*`
//! headers. No retries; a 2xx/3xx answer resets the failure count, failures
//! eventually disable the webhook. Pings are form bodies `webhook_id=N` without
//! `X-WC-*` headers; until one is answered 200 it is re-sent after every delivery.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use sha2::{Digest, Sha256};
use tokio::sync::watch;

use crate::platform::webhook_signature::sign;

use super::records::SimWooWebhook;
use super::respond::php_json;
use super::shared::{read, Shared};

/// `User-Agent` of every delivery.
pub(crate) const USER_AGENT: &str = "WooCommerce/11.0.1 Hookshot (WordPress/7.0.4)";

/// The queue runner: waits for queued deliveries, lets `webhook_delay` pass (so rapid
/// changes coalesce), then sends them, until `stop` fires.
pub(crate) async fn run(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            () = shared.webhook_wake.notified() => {}
            _ = stop.changed() => return,
        }
        tokio::select! {
            () = tokio::time::sleep(shared.settings.webhook_delay) => {}
            _ = stop.changed() => return,
        }
        if !shared.webhooks_held.load(Ordering::SeqCst) {
            flush(&shared).await;
        }
    }
}

/// Sends every pending delivery now; returns how many were sent.
pub(crate) async fn flush(shared: &Shared) -> usize {
    let pending = shared.write(|data| data.hooks.take_pending());
    let mut sent = 0;
    for item in pending {
        if deliver(shared, item.webhook, item.resource).await.is_some() {
            sent += 1;
        }
    }
    sent
}

/// Sends one delivery of `resource` to webhook `id` (if it exists and is active);
/// returns the receiver's status, or 0 for a transport failure.
pub(crate) async fn deliver(shared: &Shared, id: u64, resource: u64) -> Option<u16> {
    let (webhook, raw) = {
        let data = read(&shared.data);
        let webhook = data.hooks.webhooks.get(&id)?.clone();
        if webhook.status != "active" {
            return None;
        }
        let body = payload(shared, &data, &webhook.topic, resource);
        (webhook, body)
    };
    let (resource_name, event) = webhook
        .topic
        .split_once('.')
        .unwrap_or((&webhook.topic, ""));
    let signature = sign(webhook.secret.as_bytes(), raw.as_bytes());
    let now = shared.now();
    let request = shared
        .http
        .post(&webhook.delivery_url)
        .header("user-agent", USER_AGENT)
        .header("content-type", "application/json")
        .header("x-wc-webhook-source", format!("{}/", shared.base_url()))
        .header("x-wc-webhook-topic", &webhook.topic)
        .header("x-wc-webhook-resource", resource_name)
        .header("x-wc-webhook-event", event)
        .header("x-wc-webhook-signature", signature)
        .header("x-wc-webhook-id", webhook.id.to_string())
        .header(
            "x-wc-webhook-delivery-id",
            delivery_id(webhook.id, now.timestamp()),
        )
        .body(raw);
    shared.count(|c| c.webhook_deliveries += 1);
    let status = request.send().await.map_or(0, |r| r.status().as_u16());
    let success = (200..=302).contains(&status);
    shared.write(|data| data.hooks.record_outcome(id, success, now));
    if !webhook.ping_ok {
        ping(shared, id).await;
    }
    Some(status)
}

/// The raw body a delivery carries for `resource` on `topic`.
fn payload(shared: &Shared, data: &super::state::ShopData, topic: &str, resource: u64) -> String {
    if topic.ends_with(".deleted") {
        return format!("{{\"id\":{resource}}}");
    }
    let view = shared.view(data);
    let found = if topic.starts_with("order.") {
        data.orders.get(&resource).map(|o| view.order(o))
    } else {
        view.product_by_id(resource)
    };
    if let Some(body) = found {
        return php_json(&body);
    }
    let code = if topic.starts_with("order.") {
        "woocommerce_rest_shop_order_invalid_id"
    } else {
        "woocommerce_rest_product_invalid_id"
    };
    // Written by hand to keep WooCommerce's member order (code, message, data).
    format!("{{\"code\":\"{code}\",\"message\":\"Invalid ID.\",\"data\":{{\"status\":404}}}}")
}

/// Pings webhook `id` (form body `webhook_id=N`); true if answered exactly 200.
pub(crate) async fn ping(shared: &Shared, id: u64) -> bool {
    let url = {
        let data = read(&shared.data);
        let Some(webhook) = data.hooks.webhooks.get(&id) else {
            return false;
        };
        webhook.delivery_url.clone()
    };
    let sent = shared
        .http
        .post(&url)
        .header("user-agent", USER_AGENT)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("webhook_id={id}"))
        .send()
        .await;
    let ok = sent.is_ok_and(|r| r.status().as_u16() == 200);
    shared.count(|c| c.webhook_pings += 1);
    shared.write(|data| {
        if let Some(webhook) = data.hooks.webhooks.get_mut(&id) {
            webhook.ping_ok |= ok;
        }
    });
    ok
}

/// 32 hex digits from the webhook and the time, as `wp_hash(id . time)` gives.
fn delivery_id(webhook: u64, timestamp: i64) -> String {
    let digest = Sha256::digest(format!("{webhook}{timestamp}").as_bytes());
    hex::encode(&digest[..16])
}

/// A fresh webhook as registered by the test handle (already pinged).
pub(crate) fn handle_webhook(
    topic: &str,
    delivery_url: &str,
    secret: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> SimWooWebhook {
    SimWooWebhook {
        id: 0,
        name: format!(
            "Webhook created on {}",
            now.format("%B %-d, %Y @ %-I:%M %p")
        ),
        status: "active".to_owned(),
        topic: topic.to_owned(),
        delivery_url: delivery_url.to_owned(),
        secret: secret.to_owned(),
        failure_count: 0,
        ping_ok: true,
        date_created_gmt: now,
        date_modified_gmt: None,
    }
}
