#!/usr/bin/env bash
# WooCommerce sync benchmark against the simulated WooCommerce in a separate process:
# a first sync of a 20k-product / 100k-order store behind a host limit of N requests per
# second (429 + Retry-After beyond it), for N in $RATES. Reports the requests per second
# the client sustained as a share of N and the share of requests answered 429; the
# last line has the client configured at twice the host's limit, to find it itself.
# Usage: benches/woocommerce_sync.sh [runs]   (figures go to BENCHMARKS.md by hand)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-1}"
rates="${RATES:-50 100}"
cargo build --release --locked --examples --quiet
for run in $(seq "$runs"); do
  for rate in $rates; do
    target/release/examples/woocommerce_bench --products 20000 --orders 100000 --rate "$rate"
  done
  target/release/examples/woocommerce_bench --products 20000 --orders 100000 --rate 50 --client-rate 100
done
