//! One request, start to end: counted (and measured for `max_in_flight`), through the
//! host rate limit, then a queued fault, then WordPress: `/wp-json/…` (only with pretty
//! permalinks; otherwise the theme's HTML 404) or `/?rest_route=…` (served but never
//! authenticated, as on WooCommerce 11.0), authentication, the key's permission, route
//! matching and the handler. Headers follow the fixtures: logged-in answers carry
//! `Allow` and the no-cache headers, anonymous GETs `Vary: Origin`.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::response::Response;

use super::api::execute;
use super::auth::{auth_error, authenticate, set, Credentials, Identity};
use super::faults::{before, broken_body, Before, WooFault};
use super::products::Req;
use super::rate_limit::too_many;
use super::respond::{
    json_response, page_not_found, put, route_headers, vary_origin, Answer, ApiError,
};
use super::routes::Route;
use super::shared::{lock, Shared};
use crate::sim::plumbing::rewrite_body;

/// The largest request body read.
const MAX_BODY: usize = 32 << 20;

/// Where a request lands.
enum Target {
    /// Not the REST API: the theme's 404 page.
    Page,
    /// A REST route such as `/wc/v3/products`; `authenticate` is false for
    /// `?rest_route=` requests, which WooCommerce does not authenticate.
    Rest { route: String, authenticate: bool },
}

/// The axum handler for every request.
pub(crate) async fn serve(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let _in_flight = shared.enter();
    let (parts, body) = request.into_parts();
    let method = parts.method.as_str().to_owned();
    let path = parts.uri.path().to_owned();
    let params = query_params(parts.uri.query());
    let authorization = parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let target = locate(&shared, &path, &params);
    shared.count(|c| {
        c.requests += 1;
        if let Target::Rest { route, .. } = &target {
            if let Some(route) = Route::parse(route).filter(|r| r.allows(&method)) {
                *c.requests_by_route.entry(route.label(&method)).or_default() += 1;
            }
        }
    });
    if let Err(seconds) = take_token(&shared) {
        shared.count(|c| c.rate_limited += 1);
        return too_many(Some(seconds));
    }
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        return finish(
            &shared,
            Err(ApiError::new(
                413,
                "rest_request_too_large",
                "Request body too large.",
            )),
            false,
            false,
            None,
        );
    };
    let fault = pop_fault(&shared, &target, &method);
    if let Some(fault) = &fault {
        shared.count(|c| c.faults_injected += 1);
        match fault {
            WooFault::DeleteProductFirst(id) => {
                let _deleted = shared.write(|data| data.delete_product(*id).is_some());
            }
            WooFault::TrashOrderFirst(id) => {
                let now = shared.now();
                let _trashed = shared
                    .write(|data| data.edit_order(*id, now, |o| "trash".clone_into(&mut o.status)));
            }
            _ => {}
        }
        if let Before::Answer(response) = before(fault).await {
            return response;
        }
    }
    let call = Call {
        method: &method,
        path: &path,
        params: &params,
        authorization: authorization.as_deref(),
        body: &body,
    };
    let response = respond(&shared, &call, target).await;
    if response.status().as_u16() == 401 {
        shared.count(|c| c.unauthorized += 1);
    }
    match &fault {
        Some(WooFault::DropAfterExecute) => broken_body(b""),
        Some(WooFault::Rewrite(rewrite)) => rewrite_body(response, rewrite).await,
        _ => response,
    }
}

/// The first fault queued for any request or for this request's route.
fn pop_fault(shared: &Shared, target: &Target, method: &str) -> Option<WooFault> {
    let label = match target {
        Target::Rest { route, .. } => Route::parse(route)
            .filter(|r| r.allows(method))
            .map(|r| r.label(method)),
        Target::Page => None,
    };
    let mut queue = lock(&shared.faults);
    let index = queue
        .iter()
        .position(|(only, _)| only.is_none() || *only == label)?;
    queue.remove(index).map(|(_, fault)| fault)
}

/// Query parameters as PHP's `$_GET` holds them (decoded; a repeated key keeps its
/// first position and its last value).
fn query_params(query: Option<&str>) -> Vec<(String, String)> {
    let mut params = Vec::new();
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        set(&mut params, key.into_owned(), value.into_owned());
    }
    params
}

fn locate(shared: &Shared, path: &str, params: &[(String, String)]) -> Target {
    if let Some(rest) = path.strip_prefix("/wp-json") {
        if !shared.settings.pretty_permalinks || !(rest.is_empty() || rest.starts_with('/')) {
            return Target::Page;
        }
        return Target::Rest {
            route: rest.to_owned(),
            authenticate: rest.starts_with("/wc/") || rest.starts_with("/wc-"),
        };
    }
    let rest_route = params.iter().find(|(k, _)| k == "rest_route");
    match rest_route {
        Some((_, route)) if matches!(path, "/" | "" | "/index.php") => Target::Rest {
            route: route.clone(),
            authenticate: false,
        },
        _ => Target::Page,
    }
}

fn take_token(shared: &Shared) -> Result<(), u64> {
    let now = shared.instant();
    match lock(&shared.limiter).as_mut() {
        Some(bucket) => bucket.take(now),
        None => Ok(()),
    }
}

/// The parts of a request WordPress looks at.
struct Call<'a> {
    method: &'a str,
    path: &'a str,
    params: &'a [(String, String)],
    authorization: Option<&'a str>,
    body: &'a [u8],
}

async fn respond(shared: &Shared, call: &Call<'_>, target: Target) -> Response {
    let Target::Rest {
        route,
        authenticate: check,
    } = target
    else {
        return page_not_found(shared.base_url());
    };
    let get = call.method == "GET";
    let identity = if check {
        let credentials = Credentials {
            method: call.method,
            path: call.path,
            query: call.params,
            authorization: call.authorization,
        };
        match authenticate(shared, &credentials) {
            Ok(identity) => identity,
            Err(error) => return finish(shared, Err(error), false, get, None),
        }
    } else {
        Identity::Anonymous
    };
    let logged_in = identity == Identity::Key;
    if logged_in && !lock(&shared.permission).allows(call.method) {
        let what = if get || call.method == "HEAD" {
            "read"
        } else {
            "write"
        };
        let message = format!("The API key provided does not have {what} permissions.");
        return finish(shared, Err(auth_error(&message)), true, get, None);
    }
    let Some(route) = Route::parse(&route).filter(|r| r.allows(call.method)) else {
        return finish(shared, Err(ApiError::no_route()), logged_in, get, None);
    };
    let req = Req {
        params: call.params,
        body: call.body,
    };
    let result = execute(shared, route, call.method, identity, &req).await;
    finish(shared, result, logged_in, get, Some(route.allow()))
}

/// The JSON answer with the headers WordPress adds for this kind of request.
fn finish(
    shared: &Shared,
    result: Result<Answer, ApiError>,
    logged_in: bool,
    get: bool,
    allow: Option<&str>,
) -> Response {
    let answer = result.unwrap_or_else(|error| Answer {
        status: error.status,
        body: error.body,
        headers: Vec::new(),
    });
    let mut response = json_response(answer.status, &answer.body, shared.base_url());
    for (name, value) in &answer.headers {
        put(response.headers_mut(), name, value);
    }
    if logged_in {
        route_headers(&mut response, allow);
    } else if get {
        vary_origin(&mut response);
    }
    response
}
