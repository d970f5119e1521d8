//! The Shopify side of the pipeline: [`pull`] (bulk backfill and incremental pages
//! into the store, with count reconciliation) and [`push`] (our lists into product
//! metafields, only where they changed).

pub mod backfill;
pub mod pull;
pub mod push;
