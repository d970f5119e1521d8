#!/usr/bin/env bash
# Wall time and peak resident memory of one full compute, on the online-retail data
# set and on a synthetic shop of 50k products / 1M orders. Each run is its own process,
# so its peak RSS (VmHWM) covers only that input. Figures go to BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."

dataset=${DATASET:-../shared/datasets/online-retail.csv.gz}
runs=${RUNS:-3}

cargo build --release --example compute_scale --quiet
for _ in $(seq "$runs"); do
    ./target/release/examples/compute_scale dataset "$dataset"
done
for _ in $(seq "$runs"); do
    ./target/release/examples/compute_scale synthetic 50000 1000000
done
