//! Simulated shops for tests, benchmarks and the demo: a synthetic catalog and order
//! generator with planted structure. (The simulated Shopify and WooCommerce servers
//! come with the platform issues.) Nothing in the daemon's data path depends on this.

pub mod catalog;
pub mod shopify;

pub use catalog::{PlantedTruth, ShopSpec, SyntheticShop};
