//! Reading one HTTP answer of the Admin GraphQL endpoint into what the request loop
//! decides on: data, the cost report, and Shopify's errors sorted by what to do next.

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::platform::shopify::bucket::ThrottleStatus;

/// The JSON envelope of every answer. `data` stays raw until the caller's type reads it,
/// so a decoding error can name the field; `errors` is a list on GraphQL errors but a
/// bare string on some HTTP-level refusals (401), hence `serde_json::Value`.
#[derive(Debug, Deserialize)]
pub(super) struct Envelope {
    #[serde(default)]
    pub data: Option<Box<RawValue>>,
    #[serde(default)]
    pub errors: Option<serde_json::Value>,
    #[serde(default)]
    pub extensions: Option<Extensions>,
}

/// `extensions` of an answer; only the cost report matters to us.
#[derive(Debug, Deserialize)]
pub(super) struct Extensions {
    #[serde(default)]
    pub cost: Option<CostReport>,
}

/// `extensions.cost`: `actualQueryCost` is null when the query did not run (THROTTLED).
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CostReport {
    #[serde(default)]
    pub requested_query_cost: Option<f64>,
    #[serde(default)]
    pub actual_query_cost: Option<f64>,
    pub throttle_status: ThrottleStatus,
}

/// One entry of a GraphQL `errors` list, reduced to what we report and decide on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphQlError {
    /// Human-readable message from Shopify.
    pub message: String,
    /// `extensions.code`, e.g. `THROTTLED`, `ACCESS_DENIED`, `MAX_COST_EXCEEDED`.
    pub code: Option<String>,
    /// Where in the answer it applies, joined with dots (`products.nodes.0.title`).
    pub path: Option<String>,
}

impl std::fmt::Display for GraphQlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)?;
        if let Some(code) = &self.code {
            write!(f, " ({code})")?;
        }
        if let Some(path) = &self.path {
            write!(f, " at {path}")?;
        }
        Ok(())
    }
}

/// What the `errors` of an answer ask of us.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum ErrorKind {
    /// No errors.
    None,
    /// The bucket could not pay: wait and send again (the query did not run).
    Throttled,
    /// Shopify failed internally: worth a retry with backoff.
    Transient(Vec<GraphQlError>),
    /// Our query, token or scopes are wrong: retrying cannot help.
    Permanent(Vec<GraphQlError>),
}

/// Sorts the `errors` member of an answer.
pub(super) fn classify(errors: Option<&serde_json::Value>) -> ErrorKind {
    let list = match errors {
        None | Some(serde_json::Value::Null) => return ErrorKind::None,
        Some(serde_json::Value::Array(list)) if list.is_empty() => return ErrorKind::None,
        Some(serde_json::Value::Array(list)) => list.iter().map(read_error).collect::<Vec<_>>(),
        Some(other) => vec![GraphQlError {
            message: other
                .as_str()
                .map_or_else(|| other.to_string(), str::to_owned),
            code: None,
            path: None,
        }],
    };
    let code_is = |wanted: &str| list.iter().any(|e| e.code.as_deref() == Some(wanted));
    if code_is("THROTTLED") {
        ErrorKind::Throttled
    } else if code_is("INTERNAL_SERVER_ERROR") {
        ErrorKind::Transient(list)
    } else {
        ErrorKind::Permanent(list)
    }
}

fn read_error(value: &serde_json::Value) -> GraphQlError {
    let message = value
        .get("message")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("(no message)")
        .to_owned();
    let code = value
        .pointer("/extensions/code")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned);
    let path = value
        .get("path")
        .and_then(serde_json::Value::as_array)
        .map(|parts| {
            parts
                .iter()
                .map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_owned))
                .collect::<Vec<_>>()
                .join(".")
        });
    GraphQlError {
        message,
        code,
        path,
    }
}

/// Points as Shopify reports them (floats in JSON) as whole points for the bucket.
pub(super) fn points(value: Option<f64>) -> u32 {
    value
        .filter(|v| v.is_finite() && *v >= 0.0)
        .map_or(0, |v| v.round().min(f64::from(u32::MAX)) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn throttled_is_recognised_by_its_code_not_its_message() {
        let errors = json!([{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]);
        assert_eq!(classify(Some(&errors)), ErrorKind::Throttled);
        let other = json!([{"message": "Throttled", "extensions": {"code": "ACCESS_DENIED"}}]);
        assert!(matches!(classify(Some(&other)), ErrorKind::Permanent(_)));
    }

    #[test]
    fn internal_errors_are_transient_and_others_permanent() {
        let internal =
            json!([{"message": "boom", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]);
        assert!(matches!(classify(Some(&internal)), ErrorKind::Transient(_)));
        let unknown = json!([{"message": "Field 'x' doesn't exist on type 'Product'",
            "path": ["query", "products", 0], "extensions": {"code": "undefinedField"}}]);
        let ErrorKind::Permanent(list) = classify(Some(&unknown)) else {
            panic!("expected a permanent error");
        };
        assert_eq!(list[0].path.as_deref(), Some("query.products.0"));
        assert_eq!(list[0].code.as_deref(), Some("undefinedField"));
    }

    #[test]
    fn a_bare_string_error_is_kept_as_the_message() {
        let errors = json!("[API] Invalid API key or access token");
        let ErrorKind::Permanent(list) = classify(Some(&errors)) else {
            panic!("expected a permanent error");
        };
        assert_eq!(list[0].message, "[API] Invalid API key or access token");
        assert_eq!(classify(Some(&json!([]))), ErrorKind::None);
        assert_eq!(classify(None), ErrorKind::None);
    }

    #[test]
    fn the_throttled_envelope_parses_with_a_null_actual_cost() {
        let body = r#"{"errors":[{"message":"Throttled","extensions":{"code":"THROTTLED"}}],
            "extensions":{"cost":{"requestedQueryCost":752,"actualQueryCost":null,
            "throttleStatus":{"maximumAvailable":2000.0,"currentlyAvailable":66,"restoreRate":100.0}}}}"#;
        let envelope: Envelope = serde_json::from_str(body).expect("parses");
        let cost = envelope.extensions.and_then(|e| e.cost).expect("cost");
        assert_eq!(points(cost.requested_query_cost), 752);
        assert_eq!(cost.actual_query_cost, None);
        assert!((cost.throttle_status.currently_available - 66.0).abs() < 1e-9);
    }
}
