#!/usr/bin/env bash
# Webhook ingestion benchmark: the daemon (`upsell-sync run`, its own process) against
# the simulated Shopify and WooCommerce stores, loaded on loopback with signed webhooks
# at a fixed rate (open loop), then single orders placed through the stores for the
# order-to-lists latency. Prints one summary block; exits non-zero when a target
# (all answered 200, p99 < 20 ms, no job lost, order -> lists < 10 s) is missed.
# Usage: benches/webhooks.sh [webhook_load flags]   (default: --rate 1000 --seconds 60)
#   e.g. benches/webhooks.sh --mix both             (figures go to BENCHMARKS.md by hand)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet --bin upsell-sync --example webhook_load
target/release/examples/webhook_load --daemon target/release/upsell-sync "$@"
