//! Webhook routes: `GET /webhooks[/{id}]`, `POST /webhooks` (answers 201 after pinging
//! the delivery URL synchronously, as WooCommerce does inside the creating request),
//! `PUT|POST|PATCH /webhooks/{id}` (a new delivery URL is pinged again) and
//! `DELETE /webhooks/{id}?force=true`. The secret is write-only; without one a random
//! 50-character secret nobody can read back is generated.

use rand::distributions::Alphanumeric;
use rand::Rng;
use serde_json::{Map, Value};

use super::delivery::{handle_webhook, ping};
use super::hooks::TOPICS;
use super::paging;
use super::product_write::parse_body;
use super::products::{finish, Req};
use super::query::{parse, Collection};
use super::records::SimWooWebhook;
use super::respond::{Answer, ApiError};
use super::shared::{read, Shared};

const STATUSES: [&str; 3] = ["active", "paused", "disabled"];

fn invalid_id() -> ApiError {
    ApiError::new(404, "woocommerce_rest_webhook_invalid_id", "Invalid ID.")
}

/// `GET /webhooks` (`status` filters by webhook status).
pub(crate) fn list(shared: &Shared, req: &Req<'_>) -> Result<Answer, ApiError> {
    let status = req
        .param("status")
        .filter(|s| *s != "all")
        .map(str::to_owned);
    let params: Vec<(String, String)> = req
        .params
        .iter()
        .filter(|(k, _)| k != "status")
        .cloned()
        .collect();
    let query = parse(
        &params,
        Collection::Variations,
        shared.settings.site_utc_offset_hours,
    )?;
    let data = read(&shared.data);
    let mut items: Vec<&SimWooWebhook> = data
        .hooks
        .webhooks
        .values()
        .filter(|w| status.as_ref().is_none_or(|s| *s == w.status))
        .collect();
    if query.descending {
        items.reverse();
    }
    let (page, pages) = paging::page(&items, &query);
    let view = shared.view(&data);
    let body = page.iter().map(|w| finish(view.webhook(w), req)).collect();
    let url = view.rest_url("/wc/v3/webhooks");
    Ok(paging::answer(
        body,
        items.len(),
        pages,
        &query,
        &url,
        req.params,
    ))
}

/// `GET /webhooks/{id}`.
pub(crate) fn get(shared: &Shared, id: u64, req: &Req<'_>) -> Result<Answer, ApiError> {
    let data = read(&shared.data);
    let webhook = data.hooks.webhooks.get(&id).ok_or_else(invalid_id)?;
    Ok(Answer::ok(finish(shared.view(&data).webhook(webhook), req)))
}

/// `POST /webhooks`.
pub(crate) async fn create(shared: &Shared, req: &Req<'_>) -> Result<Answer, ApiError> {
    let body = parse_body(req.body)?;
    let topic = text(&body, "topic").filter(|t| TOPICS.contains(&t.as_str()));
    let Some(topic) = topic else {
        return Err(ApiError::new(
            400,
            "woocommerce_rest_webhook_invalid_topic",
            "Webhook topic is required and must be valid.",
        ));
    };
    let url = valid_url(&body)?.unwrap_or_default();
    if url.is_empty() {
        return Err(bad_url());
    }
    let status = status_of(&body)?.unwrap_or_else(|| "active".to_owned());
    let secret = text(&body, "secret").unwrap_or_else(random_secret);
    let now = shared.now();
    let mut webhook = handle_webhook(&topic, &url, &secret, now);
    webhook.ping_ok = false;
    webhook.status = status;
    if let Some(name) = text(&body, "name") {
        webhook.name = name;
    }
    let active = webhook.status == "active";
    let id = shared.write(|data| data.hooks.register(webhook));
    if active {
        ping(shared, id).await;
    }
    let data = read(&shared.data);
    let view = shared.view(&data);
    let item = data
        .hooks
        .webhooks
        .get(&id)
        .map(|w| view.webhook(w))
        .unwrap_or_default();
    let location = view.rest_url(&format!("/wc/v3/webhooks/{id}"));
    Ok(Answer::created(finish(item, req), location))
}

/// `PUT|POST|PATCH /webhooks/{id}`.
pub(crate) async fn update(shared: &Shared, id: u64, req: &Req<'_>) -> Result<Answer, ApiError> {
    let body = parse_body(req.body)?;
    let url = valid_url(&body)?;
    let status = status_of(&body)?;
    let now = shared.now();
    let repinging = shared.write(|data| {
        let webhook = data.hooks.webhooks.get_mut(&id).ok_or_else(invalid_id)?;
        if let Some(name) = text(&body, "name") {
            webhook.name = name;
        }
        if let Some(secret) = text(&body, "secret") {
            webhook.secret = secret;
        }
        if let Some(topic) = text(&body, "topic").filter(|t| TOPICS.contains(&t.as_str())) {
            webhook.topic = topic;
        }
        if let Some(status) = status {
            webhook.status = status;
        }
        let moved = url.as_ref().is_some_and(|u| *u != webhook.delivery_url);
        if let Some(url) = url {
            webhook.delivery_url = url;
        }
        if moved {
            webhook.ping_ok = false;
        }
        webhook.date_modified_gmt = Some(now);
        Ok::<_, ApiError>(!webhook.ping_ok && webhook.status == "active")
    })?;
    if repinging {
        ping(shared, id).await;
    }
    get(shared, id, req)
}

/// `DELETE /webhooks/{id}`: only with `force=true` (webhooks have no trash).
pub(crate) fn delete(shared: &Shared, id: u64, req: &Req<'_>) -> Result<Answer, ApiError> {
    if !req.flag("force") {
        return Err(ApiError::new(
            501,
            "woocommerce_rest_trash_not_supported",
            "Webhooks do not support trashing.",
        ));
    }
    let answer = get(shared, id, req)?;
    shared.write(|data| data.hooks.webhooks.remove(&id));
    Ok(answer)
}

fn text(body: &Map<String, Value>, name: &str) -> Option<String> {
    body.get(name).and_then(Value::as_str).map(str::to_owned)
}

fn bad_url() -> ApiError {
    ApiError::new(
        400,
        "woocommerce_rest_webhook_invalid_delivery_url",
        "Webhook delivery URL must be a valid URL starting with http:// or https://.",
    )
}

/// The `delivery_url` sent, if any; it must be an http(s) URL.
fn valid_url(body: &Map<String, Value>) -> Result<Option<String>, ApiError> {
    match text(body, "delivery_url") {
        None => Ok(None),
        Some(url) if url.starts_with("http://") || url.starts_with("https://") => Ok(Some(url)),
        Some(_) => Err(bad_url()),
    }
}

fn status_of(body: &Map<String, Value>) -> Result<Option<String>, ApiError> {
    match body.get("status") {
        None => Ok(None),
        Some(Value::String(s)) if STATUSES.contains(&s.as_str()) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::invalid_param(
            "status",
            "status is not one of active, paused, and disabled.".to_owned(),
            "rest_not_in_enum",
            Value::Null,
        )),
    }
}

fn random_secret() -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(50)
        .map(char::from)
        .collect()
}
