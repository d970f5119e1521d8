//! Simulated shops for tests, benchmarks and the demo: a synthetic catalog and order
//! generator with planted structure, a simulated Shopify Admin GraphQL server and a
//! simulated WooCommerce REST store. Nothing in the daemon's data path depends on this.

pub mod catalog;
pub mod person;
mod plumbing;
mod product_image;
pub mod scenario;
pub mod shopify;
pub mod woocommerce;

pub use catalog::{PlantedTruth, ShopSpec, SyntheticShop};
pub use plumbing::Rewrite;
