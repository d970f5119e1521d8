//! `GET /shops/{shop}/rules` lists the merchant rules; the add form posts to
//! `/shops/{shop}/rules` and each remove button to `/shops/{shop}/rules/remove`, both
//! answered with a redirect back (303). `/rules` goes to the first shop's rules.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use super::{encode, error_page, first_shop, page, shop_names};
use crate::model::{ListKind, ProductId};
use crate::recommend::rules::Rule;
use crate::server::api::rules::{add_rule, remove_rule, views};
use crate::server::api::{shop, ApiError};
use crate::server::views::RuleView;
use crate::server::ServerState;

#[derive(Template)]
#[template(path = "rules.html")]
struct RulesPage {
    shops: Vec<String>,
    shop: String,
    rules: Vec<RuleView>,
    kinds: Vec<&'static str>,
    error: Option<String>,
}

/// An error to show after a refused add.
#[derive(Deserialize)]
pub struct Shown {
    error: Option<String>,
}

/// The add form: which rule, and the fields it needs.
#[derive(Deserialize)]
pub struct AddForm {
    rule: String,
    #[serde(default)]
    anchor: String,
    #[serde(default)]
    list: String,
    #[serde(default)]
    item: String,
    #[serde(default)]
    a: String,
    #[serde(default)]
    b: String,
    #[serde(default)]
    tag: String,
}

/// The remove button: the rule as JSON.
#[derive(Deserialize)]
pub struct RemoveForm {
    rule: String,
}

/// `GET /rules`: the first shop's rules.
pub async fn first(State(state): State<ServerState>) -> Response {
    first_shop(&state, "rules")
}

/// `GET /shops/{shop}/rules`.
pub async fn list(
    State(state): State<ServerState>,
    Path(name): Path<String>,
    Query(shown): Query<Shown>,
) -> Response {
    let rules = match shop(&state, &name).and_then(views) {
        Ok(rules) => rules,
        Err(error) => return error_page(&error),
    };
    page(&RulesPage {
        shops: shop_names(&state),
        shop: name,
        rules,
        kinds: ListKind::ALL.iter().map(|k| k.as_str()).collect(),
        error: shown.error,
    })
}

/// `POST /shops/{shop}/rules`.
pub async fn add(
    State(state): State<ServerState>,
    Path(name): Path<String>,
    Form(form): Form<AddForm>,
) -> Response {
    let endpoint = match shop(&state, &name) {
        Ok(endpoint) => endpoint,
        Err(error) => return error_page(&error),
    };
    let added = parse(&form).and_then(|rule| add_rule(endpoint, rule));
    back(&name, added.err())
}

/// `POST /shops/{shop}/rules/remove`.
pub async fn remove(
    State(state): State<ServerState>,
    Path(name): Path<String>,
    Form(form): Form<RemoveForm>,
) -> Response {
    let endpoint = match shop(&state, &name) {
        Ok(endpoint) => endpoint,
        Err(error) => return error_page(&error),
    };
    let removed = serde_json::from_str::<Rule>(&form.rule)
        .map_err(|e| ApiError::invalid(format!("rule: {e}")))
        .and_then(|rule| remove_rule(endpoint, &rule));
    back(&name, removed.err())
}

/// The rule the add form describes; the field that is missing or wrong is named.
fn parse(form: &AddForm) -> Result<Rule, ApiError> {
    let id = |field: &str, value: &str| {
        let value = value.trim();
        if value.is_empty() {
            Err(ApiError::invalid(format!(
                "{field}: required for this rule"
            )))
        } else {
            Ok(ProductId::new(value.to_owned()))
        }
    };
    match form.rule.as_str() {
        "pin" => Ok(Rule::Pin {
            anchor: id("anchor", &form.anchor)?,
            kind: ListKind::ALL
                .into_iter()
                .find(|k| k.as_str() == form.list)
                .ok_or_else(|| ApiError::invalid(format!("list: unknown list {:?}", form.list)))?,
            item: id("item", &form.item)?,
        }),
        "block_item" => Ok(Rule::BlockItem {
            item: id("item", &form.item)?,
        }),
        "block_pair" => Ok(Rule::BlockPair {
            a: id("a", &form.a)?,
            b: id("b", &form.b)?,
        }),
        "exclude_tag" => Ok(Rule::ExcludeTag {
            tag: form.tag.clone(),
        }),
        other => Err(ApiError::invalid(format!("rule: unknown rule {other:?}"))),
    }
}

/// 303 back to the rules page, with the error to show if there was one.
fn back(shop: &str, error: Option<ApiError>) -> Response {
    let mut to = format!("/shops/{}/rules", encode(shop));
    if let Some(error) = error {
        to.push_str("?error=");
        to.push_str(&encode(error.message()));
    }
    Redirect::to(&to).into_response()
}
