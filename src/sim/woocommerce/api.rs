//! From a matched route to its handler, after refusing anonymous access the way each
//! WooCommerce controller does: collections always (after parameter validation, which
//! WordPress runs first), single resources only when they exist (a missing id is still
//! `Invalid ID.`).

use super::auth::Identity;
use super::products::{self, Req};
use super::query::{parse, Collection};
use super::respond::{Answer, ApiError};
use super::routes::{Action, Route};
use super::shared::{read, Shared};
use super::{batch, orders, webhook_api};

/// Runs `route` for `method`.
pub(crate) async fn execute(
    shared: &Shared,
    route: Route,
    method: &str,
    identity: Identity,
    req: &Req<'_>,
) -> Result<Answer, ApiError> {
    if identity == Identity::Anonymous {
        refuse_anonymous(shared, route, method, req)?;
    }
    match (route, method) {
        (Route::Products, "GET") => products::list(shared, req),
        (Route::Products, _) => products::create(shared, req),
        (Route::ProductsBatch, _) => batch::batch(shared, req),
        (Route::Product(id), "GET") => products::get(shared, id, req),
        (Route::Product(id), "DELETE") => products::delete(shared, id, req),
        (Route::Product(id), _) => products::update(shared, id, req),
        (Route::Variations(id), "GET") => products::variations(shared, id, req),
        (Route::Variation(parent, id), "GET") => products::variation(shared, parent, id, req),
        (Route::Orders, "GET") => orders::list(shared, req),
        (Route::Orders, _) => orders::create(shared, req),
        (Route::Order(id), "GET") => orders::get(shared, id, req),
        (Route::Order(_), "DELETE") | (Route::Variations(_) | Route::Variation(..), _) => {
            Err(not_simulated())
        }
        (Route::Order(id), _) => orders::update(shared, id, req),
        (Route::Webhooks, "GET") => webhook_api::list(shared, req),
        (Route::Webhooks, _) => webhook_api::create(shared, req).await,
        (Route::Webhook(id), "GET") => webhook_api::get(shared, id, req),
        (Route::Webhook(id), "DELETE") => webhook_api::delete(shared, id, req),
        (Route::Webhook(id), _) => webhook_api::update(shared, id, req).await,
    }
}

/// A write the simulator does not implement (variation writes, order deletion).
fn not_simulated() -> ApiError {
    ApiError::new(
        501,
        "rest_not_implemented",
        "This route exists on WooCommerce but is not simulated.",
    )
}

/// The 401 an anonymous request gets, if it gets one.
fn refuse_anonymous(
    shared: &Shared,
    route: Route,
    method: &str,
    req: &Req<'_>,
) -> Result<(), ApiError> {
    let action = route.action(method);
    let offset = shared.settings.site_utc_offset_hours;
    let exists = {
        let data = read(&shared.data);
        match route {
            Route::Product(id) => data.products.contains_key(&id) || data.variation(id).is_some(),
            Route::Variation(_, id) => data.variation(id).is_some(),
            Route::Order(id) => data.orders.contains_key(&id),
            Route::Webhook(id) => data.hooks.webhooks.contains_key(&id),
            _ => true,
        }
    };
    if action == Action::List {
        let collection = match route {
            Route::Orders => Collection::Orders,
            Route::Variations(_) => Collection::Variations,
            _ => Collection::Products,
        };
        if route != Route::Webhooks {
            parse(req.params, collection, offset)?;
        }
    }
    if !exists {
        return Ok(());
    }
    let (code, message) = action.refusal();
    Err(ApiError::new(401, code, message))
}
