//! `POST /products/batch` (reference §8): up to 100 items across `create`, `update` and
//! `delete` (more is 413 before anything runs); items run in that order, each
//! answered in request order by the full product or a per-item error; only non-empty
//! lists sent come back (nothing at all is `[]`, PHP's empty array). Items skip schema
//! validation, deletes are permanent, and each item fires its own webhook.

use serde_json::{json, Map, Value};

use super::meta::as_id;
use super::product_write::{self, parse_body};
use super::products::{finish, Req};
use super::respond::{Answer, ApiError};
use super::shared::{lock, Shared};
use super::state::ShopData;

/// The largest number of items per request.
const LIMIT: usize = 100;

/// `POST|PUT|PATCH /products/batch`.
pub(crate) fn batch(shared: &Shared, req: &Req<'_>) -> Result<Answer, ApiError> {
    let body = parse_body(req.body)?;
    let list = |name: &str| match body.get(name) {
        Some(Value::Array(items)) if !items.is_empty() => Some(items.clone()),
        _ => None,
    };
    let (create, update, delete) = (list("create"), list("update"), list("delete"));
    let count = [&create, &update, &delete]
        .iter()
        .map(|l| l.as_ref().map_or(0, Vec::len))
        .sum::<usize>();
    if count > LIMIT {
        return Err(ApiError::new(
            413,
            "woocommerce_rest_request_entity_too_large",
            &format!("Unable to accept more than {LIMIT} items for this request."),
        ));
    }
    let now = shared.now();
    let (answer, applied) = shared.write(|data| {
        let mut run = Run {
            shared,
            req,
            data,
            now,
            applied: 0,
            unchanged: 0,
        };
        let mut answer = Map::new();
        if let Some(items) = create {
            answer.insert(
                "create".into(),
                items.iter().map(|i| run.create(i)).collect(),
            );
        }
        if let Some(items) = update {
            answer.insert(
                "update".into(),
                items.iter().map(|i| run.update(i)).collect(),
            );
        }
        if let Some(items) = delete {
            answer.insert(
                "delete".into(),
                items.iter().map(|i| run.delete(i)).collect(),
            );
        }
        (answer, (run.applied, run.unchanged))
    });
    let (applied, unchanged) = applied;
    shared.count(|c| {
        c.batch_calls += 1;
        c.batch_items += applied;
        c.unchanged_updates += unchanged;
    });
    let body = if answer.is_empty() {
        json!([])
    } else {
        Value::Object(answer)
    };
    Ok(Answer::ok(body))
}

/// One batch under the write lock.
struct Run<'a> {
    shared: &'a Shared,
    req: &'a Req<'a>,
    data: &'a mut ShopData,
    now: chrono::DateTime<chrono::Utc>,
    applied: u64,
    /// Updates that changed nothing but the modification date: a client that writes
    /// only what changed never sends one.
    unchanged: u64,
}

impl Run<'_> {
    fn item(&self, id: u64) -> Value {
        let item = self
            .shared
            .view(self.data)
            .product_edit(id)
            .unwrap_or(Value::Null);
        finish(item, self.req)
    }

    fn create(&mut self, item: &Value) -> Value {
        let body = item.as_object().cloned().unwrap_or_default();
        match product_write::create(self.data, &body, self.now, false) {
            Ok(id) => {
                self.applied += 1;
                self.item(id)
            }
            Err(error) => item_error(0, &error),
        }
    }

    fn update(&mut self, item: &Value) -> Value {
        let body = item.as_object().cloned().unwrap_or_default();
        let id = body.get("id").and_then(as_id).unwrap_or(0);
        if let Some(error) = self.refusal(id) {
            return item_error(id, &error);
        }
        let before = self.content(id);
        match product_write::update(self.data, id, &body, self.now, false) {
            Ok(()) => {
                self.applied += 1;
                if self.content(id) == before {
                    self.unchanged += 1;
                }
                self.item(id)
            }
            Err(error) => item_error(id, &error),
        }
    }

    /// Product `id` as the edit view shows it, without its modification dates.
    fn content(&self, id: u64) -> Value {
        let mut view = self
            .shared
            .view(self.data)
            .product_edit(id)
            .unwrap_or(Value::Null);
        if let Some(fields) = view.as_object_mut() {
            fields.remove("date_modified");
            fields.remove("date_modified_gmt");
        }
        view
    }

    /// A refusal queued by the test for product `id`, if any.
    fn refusal(&self, id: u64) -> Option<ApiError> {
        let mut refused = lock(&self.shared.refused_items);
        let status = refused.get_mut(&id)?.pop_front()?;
        Some(if status >= 500 {
            ApiError::new(
                status,
                "db_update_error",
                "Could not update the product in the database.",
            )
        } else {
            ApiError::new(
                status,
                "woocommerce_rest_cannot_edit",
                "Sorry, you are not allowed to edit this resource.",
            )
        })
    }

    fn delete(&mut self, item: &Value) -> Value {
        let id = as_id(item).unwrap_or(0);
        if !self.data.products.contains_key(&id) {
            return item_error(id, &ApiError::product_invalid_id(404));
        }
        let answer = self.item(id);
        self.data.delete_product(id);
        self.applied += 1;
        answer
    }
}

/// `{"id": id, "error": {"code", "message", "data"}}`.
fn item_error(id: u64, error: &ApiError) -> Value {
    json!({"id": id, "error": error.body})
}
