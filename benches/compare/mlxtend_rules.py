"""The Python baseline of benches/compare/: pair rules from mlxtend.

Reads the baskets file the Rust example wrote (one basket per line, tab-separated
product codes), one-hot encodes it with TransactionEncoder, then times only the
mining: fpgrowth(max_len=2, use_colnames=True) + association_rules(metric=
"confidence"). Writes the rules as CSV in the Rust side's format and prints one JSON
line with timings and resident memory.

Memory is read the same way as on the Rust side: the process's lifetime peak
(ru_maxrss), its RSS after imports and loading the baskets, and its peak while
mining alone (the kernel's peak mark is reset through /proc/self/clear_refs first).

The one-hot frame is dense bool by default. A pandas sparse frame (--sparse, which
mlxtend suggests for large data) mines no faster on the Online Retail baskets and
peaks higher while mining, because fpgrowth reads `df.values`, which densifies it; so
the dense frame is the stronger baseline (see README.md).
"""

import argparse
import json
import resource
import statistics
import sys
import time
import warnings

import mlxtend
import pandas as pd
from mlxtend.frequent_patterns import association_rules, fpgrowth
from mlxtend.preprocessing import TransactionEncoder


def status_mib(field):
    """A kB field of /proc/self/status, in MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise KeyError(field)


def reset_peak():
    """Makes VmHWM restart from the current RSS, so it covers what follows."""
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def read_baskets(path):
    with open(path, encoding="utf-8") as lines:
        return [line.rstrip("\n").split("\t") for line in lines]


def encode(baskets, sparse):
    # pandas 2.3 warns about the bool fill value of the frame mlxtend's own docs build.
    warnings.filterwarnings("ignore", "Allowing arbitrary scalar fill_value")
    encoder = TransactionEncoder()
    onehot = encoder.fit(baskets).transform(baskets, sparse=sparse)
    if sparse:
        return pd.DataFrame.sparse.from_spmatrix(onehot, columns=encoder.columns_)
    return pd.DataFrame(onehot, columns=encoder.columns_)


def mine(onehot, min_support, min_confidence):
    itemsets = fpgrowth(onehot, min_support=min_support, use_colnames=True, max_len=2)
    if itemsets.empty:
        return itemsets.iloc[0:0]
    return association_rules(
        itemsets,
        num_itemsets=len(onehot),
        metric="confidence",
        min_threshold=min_confidence,
    )


def write_rules(path, rules):
    rows = sorted(
        (next(iter(a)), next(iter(c)), s, conf, lift)
        for a, c, s, conf, lift in zip(
            rules["antecedents"],
            rules["consequents"],
            rules["support"],
            rules["confidence"],
            rules["lift"],
        )
    )
    with open(path, "w", encoding="utf-8") as out:
        out.write("antecedent,consequent,support,confidence,lift\n")
        for a, c, s, conf, lift in rows:
            # repr() is the shortest round-trip form, as Rust's `{:?}` is.
            out.write(f"{a},{c},{float(s)!r},{float(conf)!r},{float(lift)!r}\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baskets", required=True)
    parser.add_argument("--min-support", type=float, required=True)
    parser.add_argument("--min-confidence", type=float, required=True)
    parser.add_argument("--rules-out", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sparse", action="store_true", help="pandas sparse one-hot frame")
    args = parser.parse_args()

    baskets = read_baskets(args.baskets)
    rss_after_load = status_mib("VmRSS")
    started = time.perf_counter()
    onehot = encode(baskets, sparse=args.sparse)
    encode_seconds = time.perf_counter() - started
    peak_before = status_mib("VmHWM")
    rss_before = status_mib("VmRSS")
    reset_peak()

    seconds = []
    rules = None
    for _ in range(args.repeat):
        rules = None
        started = time.perf_counter()
        rules = mine(onehot, args.min_support, args.min_confidence)
        seconds.append(time.perf_counter() - started)
    mining_peak = status_mib("VmHWM")
    write_rules(args.rules_out, rules)

    report = {
        "side": "python",
        "mlxtend": mlxtend.__version__,
        "pandas": pd.__version__,
        "python": sys.version.split()[0],
        "sparse": args.sparse,
        "baskets": len(baskets),
        "items": onehot.shape[1],
        "min_support": args.min_support,
        "min_confidence": args.min_confidence,
        "rules": len(rules),
        "repeat": len(seconds),
        "encode_seconds": encode_seconds,
        "mining_seconds_min": min(seconds),
        "mining_seconds_median": statistics.median_high(seconds),
        "peak_rss_mb": max(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            peak_before,
            mining_peak,
        ),
        "rss_after_load_mb": rss_after_load,
        "rss_before_mining_mb": rss_before,
        "mining_peak_rss_mb": mining_peak,
        "mining_extra_rss_mb": mining_peak - rss_before,
        "encode_and_mining_extra_rss_mb": max(peak_before, mining_peak) - rss_after_load,
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
