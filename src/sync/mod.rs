//! The pipeline of one shop: pull from the platform into the store, compute lists from
//! the store, push them back. [`compute`] is the middle step; [`merge`] decides how our
//! lists meet the merchant's on the platform; [`report`] is what a pull or a push tells.
//! [`shopify`] and [`woocommerce`] pull and push for their platform.

pub mod compute;
pub mod merge;
pub mod report;
pub mod shopify;
pub mod stored;
pub mod woocommerce;
