#!/usr/bin/env bash
# Pair rules, Rust (`pair_rules`) against the Python baseline (mlxtend fpgrowth +
# association_rules) on the same baskets: checks both find the same rules, then prints
# mining time and peak memory of each and their ratios. Exits non-zero if the rules
# differ or Rust is less than --min-speedup times faster.
#
# usage: benches/compare/run.sh [--orders PATH] [--supports "0.01 0.005"]
#            [--min-confidence 0.1] [--rust-repeat 10] [--python-repeat 3]
#            [--min-speedup 20] [--sparse]
#
# The baseline is installed into benches/compare/.venv from requirements.txt (pinned);
# outputs go to target/compare/.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
orders="$root/../shared/datasets/online-retail.csv.gz"
supports="0.01 0.005"
min_confidence=0.1
rust_repeat=10
python_repeat=3
min_speedup=20
sparse=()

while (($#)); do
    case "$1" in
        --orders) orders="$2"; shift 2 ;;
        --supports) supports="$2"; shift 2 ;;
        --min-confidence) min_confidence="$2"; shift 2 ;;
        --rust-repeat) rust_repeat="$2"; shift 2 ;;
        --python-repeat) python_repeat="$2"; shift 2 ;;
        --min-speedup) min_speedup="$2"; shift 2 ;;
        --sparse) sparse=(--sparse); shift ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "run.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
    esac
done
[[ -f "$orders" ]] || { echo "run.sh: no dataset at $orders (pass --orders PATH)" >&2; exit 2; }

# The virtualenv is rebuilt only when requirements.txt changes.
venv="$here/.venv"
stamp="$venv/requirements.sha256"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
if [[ ! -x "$venv/bin/python" || "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
    echo "== installing the mlxtend baseline into $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        -r "$here/requirements.txt"
    echo "$want" > "$stamp"
fi
python="$venv/bin/python"

echo "== building the Rust example" >&2
(cd "$root" && cargo build --quiet --release --example pair_rules)
target_dir="$(cd "$root" && cargo metadata --format-version 1 --no-deps \
    | "$python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
rust="$target_dir/release/examples/pair_rules"
out="$target_dir/compare"

runs=()
for support in $supports; do
    run="$out/support-$support"
    mkdir -p "$run"
    echo "== min support $support, min confidence $min_confidence: Rust" >&2
    "$rust" --orders "$orders" --min-support "$support" --min-confidence "$min_confidence" \
        --baskets-out "$out/baskets.tsv" --rules-out "$run/rust.csv" \
        --repeat "$rust_repeat" > "$run/rust.json"
    echo "== min support $support, min confidence $min_confidence: mlxtend" >&2
    "$python" "$here/mlxtend_rules.py" --baskets "$out/baskets.tsv" \
        --min-support "$support" --min-confidence "$min_confidence" \
        --rules-out "$run/python.csv" --repeat "$python_repeat" "${sparse[@]}" \
        > "$run/python.json"
    runs+=("$run")
done

echo >&2
nproc_="$(nproc)"
mem="$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
"$python" - "$out/support-${supports%% *}/python.json" "$out/support-${supports%% *}/rust.json" \
    "$nproc_" "$mem" <<'EOF'
import json, sys
py, rs = (json.load(open(p)) for p in sys.argv[1:3])
print(f"baskets {rs['baskets']}, products {rs['items']}; machine: {sys.argv[3]} cores, {sys.argv[4]}; "
      f"Rust {rs['threads']} threads; mlxtend {py['mlxtend']}, pandas {py['pandas']}, "
      f"Python {py['python']}, {'sparse' if py['sparse'] else 'dense'} one-hot "
      f"(encoding took {py['encode_seconds']:.2f} s, not counted)\n")
EOF
"$python" "$here/compare_rules.py" --min-speedup "$min_speedup" "${runs[@]}"

# The whole recommender (every list kind, from every pair seen in two or more orders,
# which mlxtend would need a support of 2 / baskets for) against the same baseline.
echo "== full compute of every list kind, for scale" >&2
(cd "$root" && cargo build --quiet --release --example compute_scale)
"$target_dir/release/examples/compute_scale" dataset "$orders" > "$out/full_compute.json"
"$python" - "$out/full_compute.json" "${runs[@]}" <<'EOF2'
import json, sys
full = json.load(open(sys.argv[1]))
print(f"\nfull compute (all list kinds, all pairs): {full['compute_seconds']:.3f} s, "
      f"peak RSS {full['peak_rss_mb']:.0f} MB")
for run in sys.argv[2:]:
    py = json.load(open(f"{run}/python.json"))
    print(f"  vs mlxtend at support {py['min_support']}: {py['mining_seconds_min'] / full['compute_seconds']:.1f}x faster")
EOF2
