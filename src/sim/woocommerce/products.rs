//! Product routes: `GET /products` (parents only, filtered, sorted, paged),
//! `GET /products/{id}` (a variation id works too and answers type `variation`),
//! `GET /products/{id}/variations[/{id}]`, `POST /products`, `PUT|POST|PATCH
//! /products/{id}` and `DELETE /products/{id}` (trash, or gone with `force=true`).

use serde_json::Value;

use super::fields;
use super::paging;
use super::product_write::{self, parse_body};
use super::query::{parse, Collection, ListQuery};
use super::records::{SimWooProduct, SimWooVariation};
use super::respond::{Answer, ApiError};
use super::schema::validate_product;
use super::shared::{read, Shared};

/// A request as the handlers see it.
pub(crate) struct Req<'a> {
    pub params: &'a [(String, String)],
    pub body: &'a [u8],
}

impl Req<'_> {
    /// A query parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether a boolean query parameter is set (`true`/`1`).
    pub fn flag(&self, name: &str) -> bool {
        self.param(name)
            .is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
    }
}

/// `_fields`, `include_meta` and `exclude_meta` applied to an answered item.
pub(crate) fn finish(mut item: Value, req: &Req<'_>) -> Value {
    if let Some(Value::Array(meta)) = item.get_mut("meta_data") {
        // As observed on 11.0.1, the list is not split: `a,b` matches no key at all.
        if let Some(include) = req.param("include_meta") {
            meta.retain(|m| m.get("key").and_then(Value::as_str) == Some(include));
        }
        if let Some(exclude) = req.param("exclude_meta") {
            meta.retain(|m| m.get("key").and_then(Value::as_str) != Some(exclude));
        }
    }
    match fields::requested(req.params) {
        Some(wanted) => fields::trim(item, &wanted),
        None => item,
    }
}

/// `GET /products`.
pub(crate) fn list(shared: &Shared, req: &Req<'_>) -> Result<Answer, ApiError> {
    let offset = shared.settings.site_utc_offset_hours;
    let query = parse(req.params, Collection::Products, offset)?;
    let data = read(&shared.data);
    let items: Vec<&SimWooProduct> = data
        .products
        .values()
        .filter(|p| product_matches(p, &query, offset))
        .collect();
    let view = shared.view(&data);
    let url = view.rest_url("/wc/v3/products");
    Ok(paging::listing(items, &query, &url, req.params, |p| {
        finish(view.product(p), req)
    }))
}

fn product_matches(p: &SimWooProduct, q: &ListQuery, offset: i32) -> bool {
    let status_ok = if q.status.is_empty() {
        p.status != "trash"
    } else {
        q.status.contains(&p.status)
    };
    status_ok
        && (q.include.is_empty() || q.include.contains(&p.id))
        && !q.exclude.contains(&p.id)
        && q.kind.as_ref().is_none_or(|k| *k == p.kind)
        && q.stock_status.as_ref().is_none_or(|s| *s == p.stock_status)
        && q.sku.as_ref().is_none_or(|s| *s == p.sku)
        && q.search
            .as_ref()
            .is_none_or(|s| p.name.to_lowercase().contains(&s.to_lowercase()))
        && dates_match(q, p.date_created_gmt, p.date_modified_gmt, offset)
}

/// Whether creation and modification dates pass every bound.
pub(crate) fn dates_match(
    q: &ListQuery,
    created: chrono::DateTime<chrono::Utc>,
    modified: chrono::DateTime<chrono::Utc>,
    offset: i32,
) -> bool {
    q.dates.iter().all(|(field, bound)| match field {
        super::query::DateField::Created => bound.admits(created, offset),
        super::query::DateField::Modified => bound.admits(modified, offset),
    })
}

/// `GET /products/{id}`.
pub(crate) fn get(shared: &Shared, id: u64, req: &Req<'_>) -> Result<Answer, ApiError> {
    let data = read(&shared.data);
    let item = shared
        .view(&data)
        .product_by_id(id)
        .ok_or_else(|| ApiError::product_invalid_id(404))?;
    Ok(Answer::ok(finish(item, req)))
}

/// `GET /products/{id}/variations`: a missing or non-variable parent lists nothing.
pub(crate) fn variations(shared: &Shared, parent: u64, req: &Req<'_>) -> Result<Answer, ApiError> {
    let offset = shared.settings.site_utc_offset_hours;
    let query = parse(req.params, Collection::Variations, offset)?;
    let data = read(&shared.data);
    let view = shared.view(&data);
    let url = view.rest_url(&format!("/wc/v3/products/{parent}/variations"));
    let Some(product) = data.products.get(&parent) else {
        return Ok(paging::answer(Vec::new(), 0, 0, &query, &url, req.params));
    };
    let items: Vec<&SimWooVariation> = product
        .variations
        .iter()
        .filter(|v| query.status.is_empty() || query.status.contains(&v.status))
        .filter(|v| query.include.is_empty() || query.include.contains(&v.id))
        .filter(|v| !query.exclude.contains(&v.id))
        .filter(|v| dates_match(&query, v.date_created_gmt, v.date_modified_gmt, offset))
        .collect();
    Ok(paging::listing(items, &query, &url, req.params, |v| {
        finish(view.variation(product, v), req)
    }))
}

/// `GET /products/{id}/variations/{variation_id}`.
pub(crate) fn variation(
    shared: &Shared,
    parent: u64,
    id: u64,
    req: &Req<'_>,
) -> Result<Answer, ApiError> {
    let data = read(&shared.data);
    let found = data.variation(id).filter(|(p, _)| p.id == parent);
    let Some((product, variation)) = found else {
        return Err(ApiError::new(
            404,
            "woocommerce_rest_product_variation_invalid_id",
            "Invalid ID.",
        ));
    };
    Ok(Answer::ok(finish(
        shared.view(&data).variation(product, variation),
        req,
    )))
}

/// `POST /products`.
pub(crate) fn create(shared: &Shared, req: &Req<'_>) -> Result<Answer, ApiError> {
    let body = parse_body(req.body)?;
    validate_product(&body)?;
    let now = shared.now();
    shared.write(|data| {
        let id = product_write::create(data, &body, now, true)?;
        let view = shared.view(data);
        let item = view.product_edit(id).unwrap_or(Value::Null);
        let location = view.rest_url(&format!("/wc/v3/products/{id}"));
        Ok(Answer::created(finish(item, req), location))
    })
}

/// `PUT|POST|PATCH /products/{id}`.
pub(crate) fn update(shared: &Shared, id: u64, req: &Req<'_>) -> Result<Answer, ApiError> {
    let body = parse_body(req.body)?;
    validate_product(&body)?;
    let now = shared.now();
    shared.write(|data| {
        product_write::update(data, id, &body, now, true)?;
        let item = shared.view(data).product_edit(id).unwrap_or(Value::Null);
        Ok(Answer::ok(finish(item, req)))
    })
}

/// `DELETE /products/{id}`: to the trash (answering the trashed product), or with
/// `force=true` gone (answering it as it was).
pub(crate) fn delete(shared: &Shared, id: u64, req: &Req<'_>) -> Result<Answer, ApiError> {
    let force = req.flag("force");
    let now = shared.now();
    shared.write(|data| {
        if !data.products.contains_key(&id) {
            return Err(ApiError::product_invalid_id(404));
        }
        if force {
            let item = shared.view(data).product_edit(id).unwrap_or(Value::Null);
            data.delete_product(id);
            return Ok(Answer::ok(finish(item, req)));
        }
        if !data.trash_product(id, now) {
            return Err(ApiError::new(
                410,
                "woocommerce_rest_already_trashed",
                "The product has already been deleted.",
            ));
        }
        let item = shared.view(data).product_edit(id).unwrap_or(Value::Null);
        Ok(Answer::ok(finish(item, req)))
    })
}
