//! One module per CLI subcommand; each turns parsed arguments into library calls and
//! returns what to print. `columns`, `render`, `workspace` and `shops` are what they share;
//! `progress` draws the long commands' progress line on a terminal. Platform clients
//! come from `sync::connect`, as in the daemon.

pub mod check_config;
pub mod columns;
pub mod compute;
pub mod demo;
pub mod evaluate;
pub mod forget;
pub mod import;
pub mod progress;
pub mod push;
pub mod render;
pub mod resume;
pub mod run;
pub mod shops;
pub mod show;
pub mod sync;
pub mod workspace;
