//! The platforms: clients, rate limiting and mapping of wire types into the model.
//! `shopify/` speaks the Admin GraphQL API; `woocommerce/` comes with its issue.

pub mod shopify;
