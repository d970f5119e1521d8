//! WooCommerce REST API v3: webhook delivery verification (`webhook`), the wire shapes
//! the daemon reads (`wire`) and their mapping into the model (`map`); the client and
//! pacing come with the rest of the WooCommerce issue.

pub mod map;
pub mod webhook;
pub mod wire;
