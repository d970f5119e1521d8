//! Order routes: `GET /orders` (status list, default everything but trash; customer,
//! product and date filters; paged like products), `GET /orders/{id}`, `POST /orders`
//! (fires `order.created` and `order.updated`) and `PUT|POST|PATCH /orders/{id}`.

use serde_json::{Map, Value};

use super::meta::as_id;
use super::paging;
use super::product_write::parse_body;
use super::products::{dates_match, finish, Req};
use super::query::{parse, Collection, ListQuery};
use super::records::{decimal, SimWooLine, SimWooOrder};
use super::respond::{Answer, ApiError};
use super::shared::{read, Shared};
use super::state::ShopData;

const STATUSES: [&str; 8] = [
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "checkout-draft",
];

/// `GET /orders`.
pub(crate) fn list(shared: &Shared, req: &Req<'_>) -> Result<Answer, ApiError> {
    let offset = shared.settings.site_utc_offset_hours;
    let query = parse(req.params, Collection::Orders, offset)?;
    let data = read(&shared.data);
    let items: Vec<&SimWooOrder> = data
        .orders
        .values()
        .filter(|o| order_matches(o, &query, offset))
        .collect();
    let view = shared.view(&data);
    let url = view.rest_url("/wc/v3/orders");
    Ok(paging::listing(items, &query, &url, req.params, |o| {
        finish(view.order(o), req)
    }))
}

fn order_matches(o: &SimWooOrder, q: &ListQuery, offset: i32) -> bool {
    let status_ok = if q.status.is_empty() {
        o.status != "trash"
    } else {
        q.status.contains(&o.status)
    };
    status_ok
        && (q.include.is_empty() || q.include.contains(&o.id))
        && !q.exclude.contains(&o.id)
        && q.customer.is_none_or(|c| c == o.customer_id)
        && q.product.is_none_or(|p| {
            o.lines
                .iter()
                .any(|l| l.product_id == p || l.variation_id == p)
        })
        && dates_match(q, o.date_created_gmt, o.date_modified_gmt, offset)
}

/// `GET /orders/{id}`.
pub(crate) fn get(shared: &Shared, id: u64, req: &Req<'_>) -> Result<Answer, ApiError> {
    let data = read(&shared.data);
    let order = data
        .orders
        .get(&id)
        .ok_or_else(|| ApiError::order_invalid_id(404))?;
    Ok(Answer::ok(finish(shared.view(&data).order(order), req)))
}

/// `POST /orders`: `status` (default `pending`, `processing` with `set_paid`),
/// `customer_id`, `billing.email`, `line_items` priced from the catalog.
pub(crate) fn create(shared: &Shared, req: &Req<'_>) -> Result<Answer, ApiError> {
    let body = parse_body(req.body)?;
    let status = status_of(&body)?;
    let now = shared.now();
    shared.write(|data| {
        let lines = line_items(data, &body)?;
        let paid = body.get("set_paid").and_then(Value::as_bool) == Some(true);
        let status = status.unwrap_or(if paid { "processing" } else { "pending" }.to_owned());
        let order = SimWooOrder {
            id: 0,
            source_id: None,
            customer_id: body.get("customer_id").and_then(as_id).unwrap_or(0),
            billing_email: billing_email(&body).unwrap_or_default(),
            created_via: "rest-api".to_owned(),
            date_created_gmt: now,
            date_modified_gmt: now,
            date_paid_gmt: paid.then_some(now),
            date_completed_gmt: (status == "completed").then_some(now),
            status,
            lines,
        };
        let id = data.insert_order(order);
        let view = shared.view(data);
        let item = data
            .orders
            .get(&id)
            .map(|o| view.order(o))
            .unwrap_or_default();
        let location = view.rest_url(&format!("/wc/v3/orders/{id}"));
        Ok(Answer::created(finish(item, req), location))
    })
}

/// `PUT|POST|PATCH /orders/{id}`: `status`, `customer_id`, `billing.email`.
pub(crate) fn update(shared: &Shared, id: u64, req: &Req<'_>) -> Result<Answer, ApiError> {
    let body = parse_body(req.body)?;
    let status = status_of(&body)?;
    let now = shared.now();
    shared.write(|data| {
        let found = data.edit_order(id, now, |order| {
            if let Some(status) = status {
                order.status = status;
            }
            if let Some(customer) = body.get("customer_id").and_then(as_id) {
                order.customer_id = customer;
            }
            if let Some(email) = billing_email(&body) {
                order.billing_email = email;
            }
        });
        if !found {
            return Err(ApiError::order_invalid_id(400));
        }
        let view = shared.view(data);
        let item = data
            .orders
            .get(&id)
            .map(|o| view.order(o))
            .unwrap_or_default();
        Ok(Answer::ok(finish(item, req)))
    })
}

fn status_of(body: &Map<String, Value>) -> Result<Option<String>, ApiError> {
    match body.get("status") {
        None => Ok(None),
        Some(Value::String(s)) if STATUSES.contains(&s.as_str()) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::invalid_param(
            "status",
            format!(
                "status is not one of {}.",
                super::query::english_list(&STATUSES)
            ),
            "rest_not_in_enum",
            Value::Null,
        )),
    }
}

fn billing_email(body: &Map<String, Value>) -> Option<String> {
    body.get("billing")?
        .get("email")?
        .as_str()
        .map(str::to_owned)
}

/// The order's lines; an unknown product or variation is refused.
fn line_items(data: &ShopData, body: &Map<String, Value>) -> Result<Vec<SimWooLine>, ApiError> {
    let Some(Value::Array(items)) = body.get("line_items") else {
        return Ok(Vec::new());
    };
    items
        .iter()
        .map(|item| {
            let product_id = item.get("product_id").and_then(as_id).unwrap_or(0);
            let variation_id = item.get("variation_id").and_then(as_id).unwrap_or(0);
            let quantity = item.get("quantity").and_then(as_id).unwrap_or(1);
            let price = if variation_id == 0 {
                data.products
                    .get(&product_id)
                    .filter(|p| p.kind != "variable")
                    .map(|p| p.price.clone())
            } else {
                data.variation(variation_id)
                    .filter(|(p, _)| p.id == product_id)
                    .map(|(_, v)| v.price())
            };
            let price = price.ok_or_else(|| {
                ApiError::new(
                    400,
                    "woocommerce_rest_invalid_product_id",
                    "Product ID provided is invalid.",
                )
            })?;
            let quantity = u32::try_from(quantity).unwrap_or(u32::MAX);
            Ok(SimWooLine::new(
                product_id,
                variation_id,
                quantity,
                decimal(&price).unwrap_or(0.0),
            ))
        })
        .collect()
}
