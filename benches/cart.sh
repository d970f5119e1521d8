#!/usr/bin/env bash
# Cart endpoint and admin search benchmark: the real server on loopback over 50,000
# generated products with computed lists; 10-item carts timed end to end over HTTP, the
# post-purchase work in process, and the search index over 100,000 products.
# Usage: benches/cart.sh [cart_load flags]   (figures go to BENCHMARKS.md by hand)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet --example cart_load
target/release/examples/cart_load "$@"
