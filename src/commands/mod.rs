//! One module per CLI subcommand; each turns parsed arguments into a library call and
//! returns what to print.

pub mod evaluate;
