//! Request variables and field arguments as JSON.
//!
//! Variables are coerced against their declared types with Shopify's error shape
//! (`Variable $x of type T was provided invalid value`, code `INVALID_VARIABLE`, with
//! `problems`); defaults of variables, arguments and input-object fields are applied;
//! an omitted input field stays absent while an explicit `null` stays `null`, which
//! `metafieldsSet`'s `compareDigest` depends on.

use apollo_compiler::ast::{self, DirectiveList, Type};
use apollo_compiler::executable::{Field, Operation};
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::{ExecutableDocument, Name};
use std::fmt::Write as _;

use serde_json::{json, Map, Value};

use super::document::{location, schema};

/// A problem found while coercing a variable: where inside it, and what.
struct Problem {
    path: Vec<Value>,
    explanation: String,
}

/// The operation's variables, coerced and with defaults; or the request error.
pub(crate) fn coerce_variables(
    doc: &ExecutableDocument,
    op: &Operation,
    provided: &Map<String, Value>,
) -> Result<Map<String, Value>, Value> {
    let mut out = Map::new();
    for definition in &op.variables {
        let name = definition.name.as_str();
        let mut problems = Vec::new();
        match provided.get(name) {
            Some(value) => {
                let coerced = coerce(&definition.ty, value, &mut Vec::new(), &mut problems);
                out.insert(name.to_owned(), coerced);
            }
            None => match &definition.default_value {
                Some(default) => {
                    out.insert(
                        name.to_owned(),
                        literal(default, &Map::new()).unwrap_or(Value::Null),
                    );
                }
                None if definition.ty.is_non_null() => problems.push(Problem {
                    path: Vec::new(),
                    explanation: "Expected value to not be null".to_owned(),
                }),
                None => {}
            },
        }
        if let Some(first) = problems.first() {
            let mut message = format!(
                "Variable ${name} of type {} was provided invalid value",
                definition.ty
            );
            if !first.path.is_empty() {
                let at: Vec<String> = first.path.iter().map(path_text).collect();
                let _ = write!(message, " for {} ({})", at.join("."), first.explanation);
            }
            let problems: Vec<Value> = problems
                .iter()
                .map(|p| json!({"path": p.path, "explanation": p.explanation}))
                .collect();
            let mut error = json!({
                "message": message,
                "extensions": {
                    "code": "INVALID_VARIABLE",
                    "value": provided.get(name).cloned().unwrap_or(Value::Null),
                    "problems": problems,
                },
            });
            if let Some(at) = location(doc, definition.location()) {
                error["locations"] = at;
            }
            return Err(error);
        }
    }
    Ok(out)
}

fn path_text(segment: &Value) -> String {
    match segment {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn problem(problems: &mut Vec<Problem>, path: &[Value], explanation: String) {
    problems.push(Problem {
        path: path.to_vec(),
        explanation,
    });
}

/// Coerces one input value to `ty`, recording problems.
fn coerce(ty: &Type, value: &Value, path: &mut Vec<Value>, problems: &mut Vec<Problem>) -> Value {
    if value.is_null() {
        if ty.is_non_null() {
            problem(problems, path, "Expected value to not be null".to_owned());
        }
        return Value::Null;
    }
    match ty {
        Type::List(inner) | Type::NonNullList(inner) => match value {
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        path.push(json!(i));
                        let v = coerce(inner, item, path, problems);
                        path.pop();
                        v
                    })
                    .collect(),
            ),
            single => Value::Array(vec![coerce(inner, single, path, problems)]),
        },
        Type::Named(name) | Type::NonNullNamed(name) => {
            coerce_named(name.as_str(), value, path, problems)
        }
    }
}

fn coerce_named(
    name: &str,
    value: &Value,
    path: &mut Vec<Value>,
    problems: &mut Vec<Problem>,
) -> Value {
    let bad = |problems: &mut Vec<Problem>, path: &[Value]| {
        problem(
            problems,
            path,
            format!("Could not coerce value {value} to {name}"),
        );
        Value::Null
    };
    match schema().types.get(name) {
        Some(ExtendedType::Scalar(_)) => match (name, value) {
            ("Int", Value::Number(n)) if n.as_i64().is_some_and(|i| i32::try_from(i).is_ok()) => {
                value.clone()
            }
            ("Float", Value::Number(_)) | ("Boolean", Value::Bool(_)) => value.clone(),
            ("ID", Value::Number(n)) if n.is_i64() || n.is_u64() => Value::String(n.to_string()),
            ("UnsignedInt64", Value::Number(n)) if n.is_u64() => Value::String(n.to_string()),
            ("Int" | "Float" | "Boolean", _) => bad(problems, path),
            (_, Value::String(_)) => value.clone(),
            _ => bad(problems, path),
        },
        Some(ExtendedType::Enum(e)) => match value.as_str() {
            Some(s) if e.values.contains_key(s) => value.clone(),
            _ => {
                let allowed: Vec<&str> = e.values.keys().map(Name::as_str).collect();
                problem(
                    problems,
                    path,
                    format!("Expected {value} to be one of: {}", allowed.join(", ")),
                );
                Value::Null
            }
        },
        Some(ExtendedType::InputObject(input)) => {
            let Value::Object(fields) = value else {
                return bad(problems, path);
            };
            let mut out = Map::new();
            for (field_name, definition) in &input.fields {
                path.push(json!(field_name.as_str()));
                match fields.get(field_name.as_str()) {
                    Some(v) => {
                        out.insert(
                            field_name.to_string(),
                            coerce(&definition.ty, v, path, problems),
                        );
                    }
                    None => match &definition.default_value {
                        Some(default) => {
                            out.insert(
                                field_name.to_string(),
                                literal(default, &Map::new()).unwrap_or(Value::Null),
                            );
                        }
                        None if definition.ty.is_non_null() => {
                            problem(problems, path, "Expected value to not be null".to_owned());
                        }
                        None => {}
                    },
                }
                path.pop();
            }
            for key in fields
                .keys()
                .filter(|k| !input.fields.contains_key(k.as_str()))
            {
                path.push(json!(key));
                problem(problems, path, format!("Field is not defined on {name}"));
                path.pop();
            }
            Value::Object(out)
        }
        _ => bad(problems, path),
    }
}

/// A literal value with variables substituted; `None` for an unset variable.
pub(crate) fn literal(value: &ast::Value, vars: &Map<String, Value>) -> Option<Value> {
    Some(match value {
        ast::Value::Null => Value::Null,
        ast::Value::Enum(name) => Value::String(name.to_string()),
        ast::Value::Variable(name) => return vars.get(name.as_str()).cloned(),
        ast::Value::String(s) => Value::String(s.clone()),
        ast::Value::Float(f) => f.try_to_f64().ok().map_or(Value::Null, |f| json!(f)),
        ast::Value::Int(i) => i.as_str().parse::<i64>().map_or_else(
            |_| json!(i.as_str().parse::<f64>().unwrap_or(0.0)),
            |n| json!(n),
        ),
        ast::Value::Boolean(b) => Value::Bool(*b),
        ast::Value::List(items) => Value::Array(
            items
                .iter()
                .map(|item| literal(item, vars).unwrap_or(Value::Null))
                .collect(),
        ),
        ast::Value::Object(fields) => Value::Object(
            fields
                .iter()
                .filter_map(|(name, v)| Some((name.to_string(), literal(v, vars)?)))
                .collect(),
        ),
    })
}

/// A field's arguments: given values (variables substituted), else schema defaults.
pub(crate) fn field_args(field: &Field, vars: &Map<String, Value>) -> Map<String, Value> {
    let mut args = Map::new();
    for definition in &field.definition.arguments {
        let given = field
            .arguments
            .iter()
            .find(|a| a.name == definition.name)
            .and_then(|a| literal(&a.value, vars));
        let value = given.or_else(|| {
            definition
                .default_value
                .as_ref()
                .and_then(|d| literal(d, &Map::new()))
        });
        if let Some(value) = value {
            args.insert(definition.name.to_string(), value);
        }
    }
    args
}

/// Whether `@skip(if: true)` or `@include(if: false)` drops a selection.
pub(crate) fn skipped(directives: &DirectiveList, vars: &Map<String, Value>) -> bool {
    let condition = |name: &str| {
        directives.get(name).and_then(|d| {
            d.arguments
                .iter()
                .find(|a| a.name == "if")
                .and_then(|a| literal(&a.value, vars))
                .and_then(|v| v.as_bool())
        })
    };
    condition("skip") == Some(true) || condition("include") == Some(false)
}
