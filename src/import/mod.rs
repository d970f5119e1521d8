//! Order histories from files: an order-lines CSV (one row per line item, gzip or plain)
//! becomes products and orders, so recommendations can be evaluated before any
//! platform is connected.

pub mod order_lines;

pub use order_lines::{read_order_lines, Columns, ImportError, Imported};
