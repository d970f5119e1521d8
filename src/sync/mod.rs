//! The pipeline of one shop: pull from the platform into the store, compute lists from
//! the store, push them back. [`compute`] is the middle step; [`merge`] decides how our
//! lists meet the merchant's on the platform; [`report`] is what a pull or a push tells.
//! [`shopify`] and [`woocommerce`] pull and push for their platform.

pub mod apply;
pub mod compute;
pub mod connect;
pub mod job_batch;
pub mod jobs;
pub mod merge;
pub mod pipeline;
pub mod report;
pub mod schedule;
pub mod shopify;
pub mod status;
pub mod stored;
pub mod woocommerce;
