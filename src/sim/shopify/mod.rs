//! A simulated Shopify Admin GraphQL server for tests, benchmarks and the demo.
//!
//! It answers the daemon's client over HTTP exactly like a real shop would: the same
//! endpoint and headers, documents parsed and validated against the project's schema
//! subset (`graphql/shopify/schema.graphql`), Shopify-shaped errors, the query cost
//! rules and the leaky bucket, bulk operations written to JSONL files, staged uploads
//! and bulk mutations, and `metafieldsSet` validation. Nothing here invents behaviour the
//! real API lacks: where the real answer is known (captured responses, documentation)
//! the simulator copies its shape.
//!
//! [`SimShopify::start`] binds a port and serves; [`SimState`] lets a test look inside
//! and change the shop (merchant edits, new orders, cancellations and refunds, deleted
//! products, curated metafields), read counters, revoke scopes, queue [`Fault`]s and
//! subscribe an address to the webhooks those changes (and the daemon's metafield
//! writes) fire, signed and retried like Shopify's. Time comes from an
//! injected [`Clock`](crate::platform::retry::Clock), so throttling tests never sleep.
//!
//! Module map: `config` (what to simulate), `state` (the shop's records, seeded from a
//! synthetic shop), `handle` and `views` (the test-facing state handle, counters and record views), `document`
//! (parsing and validation errors), `values` (variables and arguments), `exec` (the
//! generic executor), `objects`, `owned` and `roots` (field resolvers), `cost` and `bucket` (rate
//! limiting), `search` and `paging` (query strings and cursors), `metafields`,
//! `mutations`, `bulk`, `bulk_query`, `bulk_rules`, `bulk_mutation`, `result_file` (bulk
//! downloads and their faults), `staged` (uploads), `faults`,
//! `webhooks` and `rest` (webhook deliveries and their REST-shaped bodies), and
//! `server` (the axum routes).

mod bucket;
mod bulk;
mod bulk_mutation;
mod bulk_query;
mod bulk_rules;
mod config;
mod cost;
mod document;
mod exec;
mod faults;
mod handle;
mod ids;
mod metafields;
mod mutations;
mod objects;
mod owned;
mod paging;
mod rest;
mod result_file;
mod roots;
mod search;
mod server;
mod shared;
mod staged;
mod state;
mod values;
mod views;
mod webhooks;

#[cfg(test)]
mod tests;

pub use bulk::{BulkErrorCode, BulkFailure};
pub use config::SimConfig;
pub use faults::{BulkDamage, Fault, Rewrite, BULK_RESULT_FILE, STAGED_UPLOAD};
pub use handle::{Counters, SimMetafield, SimOrder, SimProduct, SimState};
pub use server::SimShopify;
pub use webhooks::WebhookCounters;
