//! One module per CLI subcommand; each turns parsed arguments into library calls and
//! returns what to print. `columns`, `render`, `workspace` and `shops` are what they share;
//! `shopify_shop` and `woocommerce_shop` open a platform client from the config.

pub mod check_config;
pub mod columns;
pub mod compute;
pub mod demo;
pub mod evaluate;
pub mod import;
pub mod push;
pub mod render;
pub mod shopify_shop;
pub mod shops;
pub mod show;
pub mod sync;
pub mod woocommerce_shop;
pub mod workspace;
