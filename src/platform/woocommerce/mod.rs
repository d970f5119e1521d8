//! WooCommerce REST API v3: the client (`client`, signing requests with `oauth` over
//! plain http and pacing them with `pacing`), webhook delivery verification (`webhook`),
//! the wire shapes the daemon reads (`wire`), their mapping into the model (`map`) and
//! what we write to a product (`fields`).

pub mod client;
pub mod fields;
pub mod map;
pub mod oauth;
pub mod pacing;
pub mod webhook;
pub mod webhook_payload;
pub mod wire;
