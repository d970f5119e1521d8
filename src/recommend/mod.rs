//! The recommender: pure functions from a shop's products, orders and merchant rules
//! to per-product lists (cross-sell, upsell, downsell, related, bundles, volume hints,
//! replenishment). No I/O and no clock: the caller passes `as_of`.
//!
//! Flow: [`catalog`] indexes products, [`baskets`] counts orders with recency weights,
//! [`anchor`] builds each product's lists from its co-purchase row with [`cross_sell`],
//! [`substitutes`], [`related`], [`bundles`] and [`repeat`], and [`engine`] holds it all
//! and keeps it current order by order. [`cart`] combines lists for a whole cart,
//! [`post_purchase`] for one customer's past orders, [`evaluate`] measures the lists on
//! held-out orders against baselines, and [`impact`] measures the published lists against
//! the holdout on later orders.

mod anchor;
pub mod baskets;
mod bundles;
pub mod cart;
pub mod catalog;
pub mod content;
mod cross_sell;
pub mod engine;
pub mod evaluate;
pub mod holdout;
pub mod impact;
pub mod pair_rules;
pub mod params;
pub mod post_purchase;
mod related;
mod repeat;
pub mod rules;
pub mod score;
mod substitutes;

pub use engine::Recommender;
pub use params::Params;
pub use rules::{Rule, Rules};
