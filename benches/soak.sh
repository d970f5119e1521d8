#!/usr/bin/env bash
# Soak run: the daemon (`upsell-sync run`, its own process) against the simulated
# Shopify and WooCommerce stores for a chosen time, with orders arriving as webhooks all
# along and a round of faults (503, 429, reset, truncated JSON, throttle/HTML page)
# injected into both stores every 30 s. Samples the daemon's RSS, open files and queue
# depth every 10 s into target/soak/samples.csv and prints a summary; exits non-zero if
# the daemon dies, the queue does not drain, or SIGTERM does not stop it cleanly.
# With --steady the orders are edits of existing ones, so the data stays the same size.
# Usage: benches/soak.sh [soak flags]   (default: --minutes 30 --orders-per-second 10)
#   e.g. benches/soak.sh --steady --minutes 5   (figures go to BENCHMARKS.md by hand)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet --bin upsell-sync --example soak
target/release/examples/soak --daemon target/release/upsell-sync "$@"
