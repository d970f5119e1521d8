//! The HTTP side: `POST /admin/api/{version}/graphql.json` (faults, auth, version
//! header, parsing, variables, cost limit, bucket, execution, refund),
//! `GET /bulk-results/{n}.jsonl` (bulk output streamed from disk; unauthenticated like
//! Shopify's signed URLs) and `POST /staged-uploads/` (the staged upload target).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Serialize;
use serde_json::{json, Map, Value};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::config::SimConfig;
use super::cost;
use super::document::{prepare, Prepared};
use super::exec::{Exec, Out};
use super::faults::{
    broken_body, invalid_json, malformed_json, status_response, too_many_requests,
    too_many_requests_without_hint, Fault,
};
use super::handle::SimState;
use super::mutations;
use super::objects::{Ctx, Obj};
use super::result_file;
use super::shared::{lock, read, Settings, Shared, IMAGE_PATH};
use super::staged::{upload, MAX_UPLOAD_BYTES};
use super::values::coerce_variables;
use super::webhooks::Setup;
use crate::sim::plumbing::rewrite_body;
use crate::sim::product_image;

/// How long a poll waits for a bulk worker that should finish on it.
const BULK_WAIT: Duration = Duration::from_secs(10);

/// A running simulated shop. Stops serving when dropped.
#[derive(Debug)]
pub struct SimShopify {
    base_url: String,
    state: SimState,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl SimShopify {
    /// Binds `config.addr` and serves the shop in a background task.
    pub async fn start(config: SimConfig) -> std::io::Result<Self> {
        let addr = config.addr;
        let webhooks = Setup::new(&config)?;
        let shared = Shared::new(config)?;
        read(&shared.data).outbox.configure(webhooks);
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        shared.set_base_url(base_url.clone());
        let app = router(shared.clone());
        let (shutdown, stop) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stop.await;
                })
                .await;
            if let Err(error) = served {
                tracing::error!(%error, "simulated Shopify stopped");
            }
        });
        Ok(Self {
            base_url,
            state: SimState { shared },
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT`.
    #[must_use]
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The GraphQL endpoint for API `version`.
    #[must_use]
    pub fn graphql_url(&self, version: &str) -> String {
        format!("{}/admin/api/{version}/graphql.json", self.base_url)
    }

    /// The handle for inspecting and changing the shop.
    #[must_use]
    pub fn state(&self) -> &SimState {
        &self.state
    }

    /// Stops serving and waits (briefly) for open requests to end.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
    }
}

impl Drop for SimShopify {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

fn router(shared: Arc<Shared>) -> Router {
    let upload_route =
        post(upload).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES as usize + (1 << 20)));
    Router::new()
        .route("/admin/api/{version}/graphql.json", post(graphql))
        .route("/bulk-results/{file}", get(result_file::bulk_result))
        .route(&format!("{IMAGE_PATH}{{file}}"), get(product_image::serve))
        .route("/staged-uploads/", upload_route.clone())
        .route("/staged-uploads", upload_route)
        .with_state(shared)
}

/// The version that answers a request for `requested`.
fn answer_version(settings: &Settings, requested: &str) -> String {
    if let Some(forced) = &settings.answer_version {
        return forced.clone();
    }
    if settings.api_versions.iter().any(|v| v == requested) {
        return requested.to_owned();
    }
    settings
        .api_versions
        .first()
        .cloned()
        .unwrap_or_else(|| requested.to_owned())
}

fn json_response(status: StatusCode, body: &impl Serialize) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        bytes,
    )
        .into_response()
}

async fn graphql(
    State(shared): State<Arc<Shared>>,
    Path(version): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    shared.count(|c| c.requests += 1);
    let operation = operation_name(&body);
    let fault = lock(&shared.faults).pop(operation.as_deref());
    if fault.is_some() {
        shared.count(|c| c.faults_injected += 1);
    }
    match &fault {
        Some(Fault::Status(code)) => return status_response(*code),
        Some(Fault::TooManyRequests { retry_after_secs }) => {
            return too_many_requests(*retry_after_secs)
        }
        Some(Fault::Slow(delay)) => {
            tokio::time::sleep(*delay).await;
            return status_response(503);
        }
        Some(Fault::Delay(delay)) => tokio::time::sleep(*delay).await,
        Some(Fault::CloseConnection) => return broken_body(b""),
        Some(Fault::ResetMidBody) => {
            return broken_body(b"{\"data\":{\"products\":{\"nodes\":[{\"id\":\"gid")
        }
        Some(Fault::MalformedJson) => return malformed_json(),
        Some(Fault::InvalidJson) => return invalid_json(),
        Some(Fault::TooManyRequestsWithoutRetryAfter) => return too_many_requests_without_hint(),
        Some(Fault::DeleteProductFirst(gid)) => {
            let _deleted = SimState {
                shared: shared.clone(),
            }
            .delete_product(gid);
        }
        _ => {}
    }
    let token = headers
        .get("x-shopify-access-token")
        .and_then(|v| v.to_str().ok());
    let mut response = if token == Some(shared.settings.access_token.as_str()) {
        handle(&shared, &body, fault == Some(Fault::Throttled)).await
    } else {
        shared.count(|c| c.unauthorized += 1);
        let body = json!({"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"});
        json_response(StatusCode::UNAUTHORIZED, &body)
    };
    if fault == Some(Fault::DropAfterExecute) {
        return broken_body(b"");
    }
    if let Some(Fault::Rewrite(rewrite)) = &fault {
        response = rewrite_body(response, rewrite).await;
    }
    if let Ok(value) = HeaderValue::from_str(&answer_version(&shared.settings, &version)) {
        response
            .headers_mut()
            .insert("x-shopify-api-version", value);
    }
    response
}

/// The request's operation name, as sent or as its document names it, for faults
/// queued for one operation.
fn operation_name(body: &[u8]) -> Option<String> {
    let request = parse_request(body)?;
    if request.operation_name.is_some() {
        return request.operation_name;
    }
    let prepared = prepare(&request.query, None).ok()?;
    prepared.name().map(str::to_owned)
}

/// The parts of a request body.
struct Request {
    query: String,
    variables: Map<String, Value>,
    operation_name: Option<String>,
}

fn parse_request(body: &[u8]) -> Option<Request> {
    let Ok(Value::Object(mut request)) = serde_json::from_slice::<Value>(body) else {
        return None;
    };
    let query = request.get("query")?.as_str()?.to_owned();
    let variables = match request.remove("variables") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map,
        Some(Value::String(text)) => match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(map)) => map,
            _ => return None,
        },
        Some(_) => return None,
    };
    let operation_name = request
        .get("operationName")
        .and_then(Value::as_str)
        .map(str::to_owned);
    Some(Request {
        query,
        variables,
        operation_name,
    })
}

/// The body of a GraphQL answer, fields in Shopify's order.
#[derive(Serialize)]
struct Answer {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<Out>,
    #[serde(skip_serializing_if = "Option::is_none")]
    extensions: Option<Value>,
}

fn answer(errors: Vec<Value>, data: Option<Out>, extensions: Option<Value>) -> Response {
    json_response(
        StatusCode::OK,
        &Answer {
            errors,
            data,
            extensions,
        },
    )
}

fn cost_extension(requested: u64, actual: Option<u64>, status: &Value) -> Value {
    json!({"cost": {"requestedQueryCost": requested, "actualQueryCost": actual, "throttleStatus": status}})
}

/// Everything after authentication: parse, validate, price, throttle, execute.
async fn handle(shared: &Arc<Shared>, body: &[u8], force_throttle: bool) -> Response {
    let Some(request) = parse_request(body) else {
        let body = json!({"errors": {"query": "Required parameter missing or invalid"}});
        return json_response(StatusCode::BAD_REQUEST, &body);
    };
    let prepared = match prepare(&request.query, request.operation_name.as_deref()) {
        Ok(prepared) => prepared,
        Err(errors) => return answer(errors, None, None),
    };
    let name = prepared.name().unwrap_or("<anonymous>").to_owned();
    shared.count(|c| *c.requests_by_operation.entry(name).or_default() += 1);
    let op = prepared.operation();
    let vars = match coerce_variables(&prepared.doc, op, &request.variables) {
        Ok(vars) => vars,
        Err(error) => return answer(vec![error], None, None),
    };
    let requested = cost::requested(&Exec::new(&prepared.doc, &vars), op);
    let now = shared.instant();
    if requested > shared.settings.max_query_cost {
        shared.count(|c| c.max_cost_exceeded += 1);
        let status = lock(&shared.bucket).status(now);
        return answer(
            vec![max_cost_error(requested, shared.settings.max_query_cost)],
            None,
            Some(cost_extension(requested, None, &status)),
        );
    }
    let taken = if force_throttle {
        Err(())
    } else {
        lock(&shared.bucket).take(requested, now).map_err(|_| ())
    };
    if taken.is_err() {
        shared.count(|c| c.throttled += 1);
        let status = lock(&shared.bucket).status(now);
        let error = json!({"message": "Throttled", "extensions": {"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}});
        return answer(
            vec![error],
            None,
            Some(cost_extension(requested, None, &status)),
        );
    }
    if op.is_query() && polls_bulk(&prepared, &vars) {
        wait_for_bulk(shared).await;
    }
    let (data, errors, actual) = if op.is_mutation() {
        let (data, errors) = mutations::execute(shared, &prepared, &vars);
        (data, errors, requested)
    } else {
        query(shared, &prepared, &vars, requested)
    };
    let now = shared.instant();
    let status = {
        let mut bucket = lock(&shared.bucket);
        bucket.refund(requested - actual, now);
        bucket.status(now)
    };
    shared.count(|c| c.points_consumed += actual);
    answer(
        errors,
        Some(data),
        Some(cost_extension(requested, Some(actual), &status)),
    )
}

/// Runs a query under the shop's read lock; the actual cost never exceeds the requested.
fn query(
    shared: &Arc<Shared>,
    prepared: &Prepared,
    vars: &Map<String, Value>,
    requested: u64,
) -> (Out, Vec<Value>, u64) {
    let data = read(&shared.data);
    let cx = Ctx {
        data: &data,
        shared,
        now: shared.now(),
        bulk: false,
    };
    let mut exec = Exec::new(&prepared.doc, vars);
    let op = prepared.operation();
    let out = exec
        .object(&cx, &Obj::QueryRoot, &[&op.selection_set], &mut Vec::new())
        .unwrap_or(Out::Null);
    let actual = exec.actual.min(requested);
    (out, exec.errors, actual)
}

fn max_cost_error(cost: u64, max: u64) -> Value {
    json!({
        "message": format!("Query cost is {cost}, which exceeds the single query max cost limit ({max}).\n\nSee https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\ncost of a query is calculated.\n\nTo query larger amounts of data with fewer limits, bulk operations should be used instead.\nSee https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n"),
        "extensions": {"code": "MAX_COST_EXCEEDED", "cost": cost, "maxCost": max, "documentation": "https://shopify.dev/api/usage/limits#rate-limits"},
    })
}

/// Whether the query polls a bulk operation.
fn polls_bulk(prepared: &Prepared, vars: &Map<String, Value>) -> bool {
    let exec = Exec::new(&prepared.doc, vars);
    let op = prepared.operation();
    exec.collect(&[&op.selection_set], "QueryRoot")
        .iter()
        .any(|(_, group)| group[0].name == "bulkOperation")
}

/// Waits for workers whose operation should report its end on this poll.
async fn wait_for_bulk(shared: &Shared) {
    let waiting = lock(&shared.bulk).awaited(shared.settings.bulk_polls_to_complete);
    for mut done in waiting {
        let _ = tokio::time::timeout(BULK_WAIT, done.wait_for(|finished| *finished)).await;
    }
}
