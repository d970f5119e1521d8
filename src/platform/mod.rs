//! The platforms: clients, rate limiting and mapping of wire types into the model.
//! `shopify/` speaks the Admin GraphQL API, `woocommerce/` the REST API v3. `retry` is
//! the backoff policy both share, `webhook_signature` the HMAC check both use, `map_error`
//! the error of both mappers, `list_json` the bundle and explanation JSON both write,
//! `customer_key` the text a customer id is hashed by on each platform,
//! `webhook_privacy` what of a webhook body may be queued, `lone_surrogates` the repair
//! both clients apply to answers before parsing them.

pub mod customer_key;
pub mod list_json;
pub mod lone_surrogates;
pub mod map_error;
pub mod retry;
pub mod shopify;
pub mod webhook_event;
pub mod webhook_privacy;
pub mod webhook_signature;
pub mod woocommerce;
