//! A simulated WooCommerce store (REST API v3) for tests, benchmarks and the demo.
//!
//! It answers the daemon's client over HTTP (or HTTPS) the way WooCommerce 11 does,
//! following `shared/reference/woocommerce.md` and the captures in
//! `shared/fixtures/woocommerce`: the same JSON fields and types, the same headers
//! (`X-WP-Total`, `X-WP-TotalPages`, a `Link` echoing every parameter, `Allow`, …),
//! authentication verified for real (OAuth 1.0a signatures, timestamps and nonces;
//! Basic only over HTTPS), paging and date filters with WordPress's quirks, `meta_data`
//! and linked-ids write semantics, batch limits and per-item errors, and webhook
//! deliveries signed like Hookshot's. Where the real answer is known the simulator
//! copies it; it invents nothing the real API lacks, except an optional host rate
//! limit and injectable faults.
//!
//! [`SimWoo::start`] binds a port and serves; [`SimWooState`] lets a test look inside
//! and change the store (merchant edits, new orders, trashed or deleted products),
//! read counters, queue [`WooFault`]s and drive webhook deliveries. Time comes from an
//! injected [`Clock`](crate::platform::retry::Clock), so rate-limit tests never sleep.
//!
//! Module map: `config` (what to simulate), `records` (the public record types),
//! `seed` (from a synthetic shop), `state`, `terms` and `hooks` (the store's data),
//! `handle` (the test-facing handle and counters), `views` and `order_view` (REST
//! representations), `dates`, `query`, `paging` and `fields` (collection parameters
//! and answers), `oauth` and `auth` (authentication), `routes`, `api` and `dispatch`
//! (request handling), `products`, `product_write`, `schema`, `meta`, `batch`,
//! `orders` and `webhook_api` (the routes), `delivery` (webhook sender), `faults`,
//! `rate_limit`, `respond` (answers and errors), `shared` (what the handlers and the
//! handle share, and lock helpers), `tls` and `server`.

mod api;
mod auth;
mod batch;
mod config;
mod dates;
mod delivery;
mod dispatch;
mod faults;
mod fields;
mod handle;
mod hooks;
mod meta;
mod oauth;
mod order_view;
mod orders;
mod paging;
mod product_write;
mod products;
mod query;
mod rate_limit;
mod records;
mod respond;
mod routes;
mod schema;
mod seed;
mod server;
mod shared;
mod state;
mod terms;
mod tls;
mod views;
mod webhook_api;

#[cfg(test)]
mod tests;

pub use config::{KeyPermission, RateLimit, SimWooConfig};
pub use faults::{Rewrite, WooFault};
pub use handle::{
    SimWooLine, SimWooMeta, SimWooOrder, SimWooProduct, SimWooState, SimWooVariation,
    SimWooWebhook, WooCounters,
};
pub use server::SimWoo;
