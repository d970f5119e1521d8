//! WooCommerce REST API v3. So far: webhook delivery verification (`webhook`); the
//! client, pacing and mapping come with the rest of the WooCommerce issue.

pub mod webhook;
