//! The recommender: pure functions from a shop's products, orders and rules to
//! per-product lists. No I/O and no clock: the caller passes `as_of`.

pub mod params;
pub mod rules;

pub use params::Params;
pub use rules::{Rule, Rules};
