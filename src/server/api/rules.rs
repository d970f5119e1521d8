//! Merchant rules: `GET /api/v1/shops/{shop}/rules`, `POST` one rule to add it,
//! `DELETE` with the rule as the body to remove it. A change is stored at once and a
//! recompute is queued, so the lists follow within seconds.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;

use super::{shop, ApiError};
use crate::model::ProductId;
use crate::recommend::rules::Rule;
use crate::server::views::RuleView;
use crate::server::{ServerState, ShopEndpoint};
use crate::sync::jobs::{QueuedJob, RULES_CHANGED};

/// The most items a `max_length` rule may allow.
const MAX_LIST_LENGTH: usize = 100;

/// `GET /api/v1/shops/{shop}/rules`.
pub async fn list(
    State(state): State<ServerState>,
    Path(name): Path<String>,
) -> Result<Json<Vec<RuleView>>, ApiError> {
    let endpoint = shop(&state, &name)?;
    Ok(Json(views(endpoint)?))
}

/// `POST /api/v1/shops/{shop}/rules` with one rule: 201 with every rule, or 200 when
/// it was already there.
pub async fn add(
    State(state): State<ServerState>,
    Path(name): Path<String>,
    Json(rule): Json<Rule>,
) -> Result<(StatusCode, Json<Vec<RuleView>>), ApiError> {
    let endpoint = shop(&state, &name)?;
    let added = add_rule(endpoint, rule)?;
    let status = if added {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(views(endpoint)?)))
}

/// `DELETE /api/v1/shops/{shop}/rules` with the rule to remove: every rule left, or
/// 404 when it was not there.
pub async fn remove(
    State(state): State<ServerState>,
    Path(name): Path<String>,
    Json(rule): Json<Rule>,
) -> Result<Json<Vec<RuleView>>, ApiError> {
    let endpoint = shop(&state, &name)?;
    if !remove_rule(endpoint, &rule)? {
        return Err(ApiError::not_found("no such rule"));
    }
    Ok(Json(views(endpoint)?))
}

/// Every rule of the shop, in words.
pub fn views(endpoint: &ShopEndpoint) -> Result<Vec<RuleView>, ApiError> {
    let rules = endpoint.store.rules()?;
    Ok(rules
        .iter()
        .map(|rule| RuleView::new(&endpoint.store, rule))
        .collect())
}

/// Checks, stores and schedules a recompute; `false` when the rule was already there.
pub fn add_rule(endpoint: &ShopEndpoint, rule: Rule) -> Result<bool, ApiError> {
    let rule = validate(endpoint, rule)?;
    let mut rules = endpoint.store.rules()?;
    let added = rules.add(rule);
    if added {
        endpoint.store.set_rules(&rules)?;
        recompute_soon(endpoint)?;
    }
    Ok(added)
}

/// Removes and schedules a recompute; `false` when the rule was not there.
pub fn remove_rule(endpoint: &ShopEndpoint, rule: &Rule) -> Result<bool, ApiError> {
    let mut rules = endpoint.store.rules()?;
    let removed = rules.remove(rule);
    if removed {
        endpoint.store.set_rules(&rules)?;
        recompute_soon(endpoint)?;
    }
    Ok(removed)
}

/// A rule naming products the store does not have, or an empty tag, is refused with
/// the field named; tags are trimmed.
fn validate(endpoint: &ShopEndpoint, rule: Rule) -> Result<Rule, ApiError> {
    let known = |field: &str, id: &ProductId| -> Result<(), ApiError> {
        if id.as_str().trim().is_empty() {
            return Err(ApiError::invalid(format!(
                "{field}: a product id is required"
            )));
        }
        match endpoint.store.get_product(id)? {
            Some(_) => Ok(()),
            None => Err(ApiError::invalid(format!(
                "{field}: the shop has no product {:?}",
                id.as_str()
            ))),
        }
    };
    match &rule {
        Rule::Pin { anchor, item, .. } => {
            known("anchor", anchor)?;
            known("item", item)?;
            if anchor == item {
                return Err(ApiError::invalid(
                    "item: a product cannot be pinned on itself",
                ));
            }
        }
        Rule::BlockItem { item } => known("item", item)?,
        Rule::BlockPair { a, b } => {
            known("a", a)?;
            known("b", b)?;
        }
        Rule::ExcludeTag { tag } => {
            let tag = tag.trim();
            if tag.is_empty() {
                return Err(ApiError::invalid("tag: must not be empty"));
            }
            return Ok(Rule::ExcludeTag {
                tag: tag.to_owned(),
            });
        }
        Rule::MaxLength { length, .. } => {
            if *length > MAX_LIST_LENGTH {
                return Err(ApiError::invalid(format!(
                    "length: at most {MAX_LIST_LENGTH}"
                )));
            }
        }
    }
    Ok(rule)
}

/// Queues a recompute job for the shop's pipeline, durably, and wakes it.
fn recompute_soon(endpoint: &ShopEndpoint) -> Result<(), ApiError> {
    let job = QueuedJob {
        topic: RULES_CHANGED.to_owned(),
        delivery_id: None,
        received_at: Utc::now(),
        body: Vec::new(),
    };
    endpoint.store.push_job(&job.encode())?;
    endpoint.store.flush()?;
    endpoint.wake.notify_one();
    Ok(())
}
