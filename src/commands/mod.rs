//! One module per CLI subcommand; each turns parsed arguments into library calls and
//! returns what to print. `columns`, `render`, `workspace` and `shopify_shop` are what they share.

pub mod check_config;
pub mod columns;
pub mod compute;
pub mod demo;
pub mod evaluate;
pub mod import;
pub mod push;
pub mod render;
pub mod shopify_shop;
pub mod show;
pub mod sync;
pub mod workspace;
