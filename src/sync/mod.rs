//! The pipeline of one shop: pull from the platform into the store, compute lists from
//! the store, push them back. Pulling and pushing arrive with the platform issues;
//! [`compute`] is the middle step.

pub mod compute;
