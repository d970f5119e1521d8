//! Shopify Admin GraphQL: operations (generated from `graphql/shopify/`) and the
//! mapping of their answers into the model (`map`), the metafields we write
//! (`metafields`), the cost-aware pacing that mirrors the shop's leaky bucket
//! (`bucket`), bulk-operation output reading (`bulk_jsonl`), and webhook
//! verification (`webhook`).

pub mod bucket;
pub mod bulk;
pub mod bulk_jsonl;
pub mod client;
pub mod map;
pub mod metafields;
pub mod ops;
pub mod read;
pub mod webhook;
pub mod webhook_payload;
