//! Shopify Admin GraphQL: operations (generated from `graphql/shopify/`), the
//! cost-aware pacing that mirrors the shop's leaky bucket, bulk-operation output
//! reading, and webhook verification.

pub mod bucket;
pub mod bulk_jsonl;
pub mod map;
pub mod metafields;
pub mod ops;
pub mod webhook;
