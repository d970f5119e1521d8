//! The platforms: clients, rate limiting and mapping of wire types into the model.
//! `shopify/` speaks the Admin GraphQL API; `woocommerce/` comes with its issue.
//! `retry` is the backoff policy both share.

pub mod retry;
pub mod shopify;
