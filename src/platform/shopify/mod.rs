//! Shopify Admin GraphQL: operations (generated from `graphql/shopify/`), the mapping
//! of their answers into the model, and the metafields we write.

pub mod map;
pub mod metafields;
pub mod ops;
