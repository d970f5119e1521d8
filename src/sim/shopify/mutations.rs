//! The mutation root: each field runs in order under the shop's write lock and answers
//! a payload object, completed against the request's selection like any other object.
//! Used for HTTP requests and for every line of a bulk mutation. Metafield writes fire
//! products/update for their owners, as Shopify echoes them.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::bulk_query::{self, user_error};
use super::document::Prepared;
use super::exec::{Exec, Out, Propagate};
use super::ids;
use super::metafields;
use super::objects::{Ctx, FieldError, OVal, Obj, Owned, Val};
use super::shared::{lock, write, Shared};
use super::state::ShopData;
use super::values::field_args;
use super::{bulk_mutation, staged, webhooks};

/// Executes a mutation operation; returns the data and the errors.
pub(crate) fn execute(
    shared: &Arc<Shared>,
    prepared: &Prepared,
    vars: &Map<String, Value>,
) -> (Out, Vec<Value>) {
    let op = prepared.operation();
    let probe = Exec::new(&prepared.doc, vars);
    let roots = probe.collect(&[&op.selection_set], "Mutation");
    let mut errors = Vec::new();
    let mut out = Vec::new();
    let mut data = write(&shared.data);
    for (key, group) in roots {
        let field = group[0];
        if field.name == "__typename" {
            out.push((key.to_owned(), Out::Leaf(json!("Mutation"))));
            continue;
        }
        let args = field_args(field, vars);
        let now = shared.now();
        let result = dispatch(shared, &mut data, field.name.as_str(), &args, now);
        let cx = Ctx {
            data: &data,
            shared,
            now,
            bulk: false,
        };
        let mut exec = Exec::new(&prepared.doc, vars);
        let mut path = vec![json!(key)];
        let value = match result {
            Ok(owned) => exec.complete(
                &cx,
                field.ty(),
                Val::Obj(Obj::Owned(owned)),
                &group,
                &mut path,
            ),
            Err(error) => {
                exec.field_error(&error, field, &path);
                Ok(Out::Null)
            }
        };
        errors.append(&mut exec.errors);
        match value {
            Ok(v) => out.push((key.to_owned(), v)),
            Err(Propagate) => return (Out::Null, errors),
        }
    }
    (Out::Map(out), errors)
}

fn list<'v>(args: &'v Map<String, Value>, name: &str) -> &'v [Value] {
    args.get(name)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn text<'v>(args: &'v Map<String, Value>, name: &str) -> &'v str {
    args.get(name).and_then(Value::as_str).unwrap_or_default()
}

/// Runs one mutation root field.
fn dispatch(
    shared: &Arc<Shared>,
    data: &mut ShopData,
    name: &str,
    args: &Map<String, Value>,
    now: DateTime<Utc>,
) -> Result<Owned, FieldError> {
    match name {
        "metafieldsSet" | "metafieldsDelete" if !shared.has_scope("write_products") => {
            Err(FieldError::access_denied(name, "write_products"))
        }
        "metafieldsSet" => {
            let (payload, written) = metafields::set(data, list(args, "metafields"), now);
            shared.count(|c| {
                c.metafields_set_calls += 1;
                c.metafields_written += written as u64;
            });
            if written > 0 {
                webhooks::metafield_owners_updated(data, list(args, "metafields"), now);
            }
            Ok(payload)
        }
        "metafieldsDelete" => {
            let (payload, deleted) = metafields::delete(data, list(args, "metafields"));
            shared.count(|c| {
                c.metafields_delete_calls += 1;
                c.metafields_deleted += deleted as u64;
            });
            if deleted > 0 {
                webhooks::metafield_owners_updated(data, list(args, "metafields"), now);
            }
            Ok(payload)
        }
        "bulkOperationRunQuery" => {
            let group = args
                .get("groupObjects")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let payload = bulk_query::run(shared, text(args, "query"), group);
            count_bulk(shared, &payload);
            Ok(payload)
        }
        "bulkOperationRunMutation" => {
            let payload = bulk_mutation::run(
                shared,
                text(args, "mutation"),
                text(args, "stagedUploadPath"),
            );
            count_bulk(shared, &payload);
            Ok(payload)
        }
        "bulkOperationCancel" => Ok(cancel(shared, text(args, "id"))),
        "stagedUploadsCreate" => Ok(staged::create(shared, list(args, "input"))),
        _ => Err(FieldError::new(format!(
            "Field '{name}' is not supported by the simulator"
        ))),
    }
}

fn count_bulk(shared: &Shared, payload: &Owned) {
    let created = payload
        .fields
        .iter()
        .any(|(name, value)| *name == "bulkOperation" && matches!(value, OVal::Obj(_)));
    if created {
        shared.count(|c| c.bulk_operations += 1);
    }
}

fn cancel(shared: &Shared, id: &str) -> Owned {
    let result = match ids::parse_kind(id, "BulkOperation") {
        Some(num) => lock(&shared.bulk).cancel(num, shared),
        None => Err("Bulk operation does not exist".to_owned()),
    };
    let (operation, errors) = match result {
        Ok(operation) => (Some(operation), Vec::new()),
        Err(message) => {
            let error = Owned::new("UserError")
                .with("field", json!(["id"]))
                .with("message", json!(message));
            (None, vec![error])
        }
    };
    Owned::new("BulkOperationCancelPayload")
        .with("bulkOperation", operation)
        .with("userErrors", errors)
}

/// A `BulkMutationUserError` payload answer with no operation.
pub(crate) fn bulk_mutation_refusal(
    field: Option<&str>,
    message: impl Into<String>,
    code: &str,
) -> Owned {
    Owned::new("BulkOperationRunMutationPayload")
        .with("bulkOperation", OVal::Null)
        .with(
            "userErrors",
            vec![user_error(field, message, code, "BulkMutationUserError")],
        )
}
