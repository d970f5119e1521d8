//! The pipeline of one shop: pull from the platform into the store, compute lists from
//! the store, push them back. [`compute`] is the middle step; [`merge`] decides how our
//! lists meet the merchant's on the platform. Pulling and pushing arrive with the
//! platform clients.

pub mod compute;
pub mod merge;
pub mod shopify;
