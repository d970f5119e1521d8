//! Answers as WordPress sends them: JSON encoded like PHP's `json_encode` (`\/` for
//! slashes, `\uXXXX` for non-ASCII), `Content-Type: application/json; charset=UTF-8`
//! and the REST server's standard headers, WooCommerce-shaped errors, and the theme's
//! HTML "Page not found" when the REST routes do not exist.

use std::fmt::Write as _;

use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

/// Headers the REST server adds to every answer.
const CORS_EXPOSE: &str = "X-WP-Total, X-WP-TotalPages, Link";
const CORS_ALLOW: &str =
    "Authorization, X-WP-Nonce, Content-Disposition, Content-MD5, Content-Type";

/// A successful answer before the standard headers are added.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub body: Value,
    pub headers: Vec<(&'static str, String)>,
}

impl Answer {
    /// 200 with `body`.
    pub fn ok(body: Value) -> Self {
        Self {
            status: 200,
            body,
            headers: Vec::new(),
        }
    }

    /// 201 with `body` and `Location: location`.
    pub fn created(body: Value, location: String) -> Self {
        Self {
            status: 201,
            body,
            headers: vec![("location", location)],
        }
    }
}

/// An error answer: `{"code", "message", "data": {"status", …}}`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError {
    pub status: u16,
    pub body: Value,
}

/// One invalid parameter of a `rest_invalid_param` error.
pub(crate) struct ParamError {
    pub param: String,
    pub message: String,
    pub code: &'static str,
    pub data: Value,
}

impl ApiError {
    /// An error with `data.status` = `status`.
    pub fn new(status: u16, code: &str, message: &str) -> Self {
        Self {
            status,
            body: error_body(status, code, message),
        }
    }

    /// `rest_invalid_param` listing every bad parameter.
    pub fn invalid_params(errors: &[ParamError]) -> Self {
        let names: Vec<&str> = errors.iter().map(|e| e.param.as_str()).collect();
        let message = format!("Invalid parameter(s): {}", names.join(", "));
        let mut params = Map::new();
        let mut details = Map::new();
        for e in errors {
            params.insert(e.param.clone(), e.message.clone().into());
            details.insert(
                e.param.clone(),
                json!({"code": e.code, "message": e.message, "data": e.data}),
            );
        }
        Self {
            status: 400,
            body: json!({"code": "rest_invalid_param", "message": message,
                "data": {"status": 400, "params": params, "details": details}}),
        }
    }

    /// `rest_invalid_param` for one parameter.
    pub fn invalid_param(param: &str, message: String, code: &'static str, data: Value) -> Self {
        Self::invalid_params(&[ParamError {
            param: param.to_owned(),
            message,
            code,
            data,
        }])
    }

    /// `rest_no_route`.
    pub fn no_route() -> Self {
        Self::new(
            404,
            "rest_no_route",
            "No route was found matching the URL and request method.",
        )
    }

    /// `woocommerce_rest_product_invalid_id` (404 on read and delete, 400 on update).
    pub fn product_invalid_id(status: u16) -> Self {
        Self::new(status, "woocommerce_rest_product_invalid_id", "Invalid ID.")
    }

    /// `woocommerce_rest_shop_order_invalid_id`.
    pub fn order_invalid_id(status: u16) -> Self {
        Self::new(
            status,
            "woocommerce_rest_shop_order_invalid_id",
            "Invalid ID.",
        )
    }

    /// `rest_invalid_json` for a body that does not parse.
    pub fn invalid_json(detail: &str) -> Self {
        Self {
            status: 400,
            body: json!({"code": "rest_invalid_json", "message": "Invalid JSON body passed.",
                "data": {"status": 400, "json_error_code": 4, "json_error_message": detail}}),
        }
    }
}

/// The body of a WooCommerce error.
pub(crate) fn error_body(status: u16, code: &str, message: &str) -> Value {
    json!({"code": code, "message": message, "data": {"status": status}})
}

/// `value` encoded as PHP's `json_encode` does by default.
pub(crate) fn php_json(value: &Value) -> String {
    let plain = serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned());
    let mut out = String::with_capacity(plain.len() + plain.len() / 16);
    let mut units = [0u16; 2];
    for c in plain.chars() {
        if c == '/' {
            out.push_str("\\/");
        } else if c.is_ascii() {
            out.push(c);
        } else {
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        }
    }
    out
}

/// A JSON answer with the REST server's standard headers.
pub(crate) fn json_response(status: u16, body: &Value, base: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=UTF-8")],
        php_json(body),
    )
        .into_response();
    let headers = response.headers_mut();
    put(headers, "x-powered-by", "PHP/8.2.36");
    put(headers, "x-robots-tag", "noindex");
    put(
        headers,
        "link",
        &format!("<{base}/wp-json/>; rel=\"https://api.w.org/\""),
    );
    put(headers, "x-content-type-options", "nosniff");
    put(headers, "access-control-expose-headers", CORS_EXPOSE);
    put(headers, "access-control-allow-headers", CORS_ALLOW);
    response
}

/// Adds the headers of a request that reached a route as a logged-in user.
pub(crate) fn route_headers(response: &mut Response, allow: Option<&str>) {
    let headers = response.headers_mut();
    if let Some(allow) = allow {
        put(headers, "allow", allow);
    }
    put(headers, "expires", "Wed, 11 Jan 1984 05:00:00 GMT");
    put(
        headers,
        "cache-control",
        "no-cache, must-revalidate, max-age=0, no-store, private",
    );
}

/// Adds `Vary: Origin`, sent with authentication failures.
pub(crate) fn vary_origin(response: &mut Response) {
    put(response.headers_mut(), "vary", "Origin");
}

/// Sets a header (replacing), ignoring values that are not valid header text.
pub(crate) fn put(headers: &mut axum::http::HeaderMap, name: &'static str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(HeaderName::from_static(name), value);
    }
}

/// The theme's 404 page, which WordPress serves for `/wp-json/…` without pretty
/// permalinks.
pub(crate) fn page_not_found(base: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html>\n<html lang=\"en-US\">\n<head>\n<meta charset=\"UTF-8\" />\n\
<title>Page not found &#8211; Simulated Store</title>\n<link rel=\"https://api.w.org/\" href=\"{base}/?rest_route=/\" />\n\
</head>\n<body class=\"error404 wp-theme-twentytwentyfive\">\n<main><h1>Page not found</h1>\n\
<p>The page you are looking for doesn&#8217;t exist, or it has been moved.</p></main>\n</body>\n</html>\n"
    );
    let mut response = (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html; charset=UTF-8")],
        body,
    )
        .into_response();
    put(response.headers_mut(), "x-powered-by", "PHP/8.2.36");
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_encoded_like_php() {
        let value = json!({"href": "http://x/y", "symbol": "\u{20ac}", "n": 22.5});
        assert_eq!(
            php_json(&value),
            r#"{"href":"http:\/\/x\/y","n":22.5,"symbol":"\u20ac"}"#
        );
    }
}
