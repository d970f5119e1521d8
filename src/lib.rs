//! upsell-sync: pulls a shop's products and orders, computes cross-sells, upsells,
//! downsells, related items, bundles, volume hints and replenishment intervals, and
//! writes them back where storefronts read them.
//!
//! Data flows one way: platform → [`store`] → [`recommend`] → push; the server reads.
//! See DESIGN.md for the map from behaviour to module.

pub mod commands;
pub mod config;
pub mod daemon;
pub mod import;
pub mod model;
pub mod platform;
pub mod recommend;
pub mod server;
pub mod sim;
pub mod store;
pub mod sync;
