#!/usr/bin/env bash
# Shopify sync benchmark against the simulated Shopify in a separate process:
#  1. bulk backfill (sync --full) of a 10k/40k and a 50k/200k store: seconds and the
#     daemon's peak RSS (the simulator's memory is not counted);
#  2. paced paged sync of the 50k/200k store under a small bucket for $SECONDS_PACED s:
#     points Shopify charged vs what the bucket restored, and THROTTLED answers.
# Usage: benches/shopify_sync.sh [runs]   (figures go to BENCHMARKS.md by hand)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-1}"
seconds_paced="${SECONDS_PACED:-90}"
cargo build --release --locked --examples --quiet
for run in $(seq "$runs"); do
  for size in "10000 40000" "50000 200000"; do
    set -- $size
    target/release/examples/shopify_bench --phase backfill --products "$1" --orders "$2"
  done
  target/release/examples/shopify_bench --phase paced --products 50000 --orders 200000 \
    --bucket-max 1000 --restore-rate 100 --seconds "$seconds_paced"
done
