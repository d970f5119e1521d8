"""Checks that the Rust and mlxtend runs of benches/compare/ found the same rules, and
prints their times and memory side by side.

Each argument is a directory holding rust.csv, rust.json, python.csv and python.json
for one support level. Rules must match as a set of (antecedent, consequent) with
support, confidence and lift equal within 1e-9 relative; exits 1 if any run differs or
if Rust's mining is less than --min-speedup times faster.
"""

import argparse
import csv
import json
import math
import sys
from pathlib import Path

TOLERANCE = 1e-9


def read_rules(path):
    with open(path, newline="", encoding="utf-8") as rows:
        return {
            (r["antecedent"], r["consequent"]): tuple(
                float(r[k]) for k in ("support", "confidence", "lift")
            )
            for r in csv.DictReader(rows)
        }


def differences(rust, python):
    """Human-readable reasons the two rule sets differ (empty when they agree)."""
    found = []
    only_rust, only_python = rust.keys() - python.keys(), python.keys() - rust.keys()
    if only_rust:
        found.append(f"{len(only_rust)} rules only in Rust, e.g. {sorted(only_rust)[:3]}")
    if only_python:
        found.append(
            f"{len(only_python)} rules only in mlxtend, e.g. {sorted(only_python)[:3]}"
        )
    for key in sorted(rust.keys() & python.keys()):
        for name, r, p in zip(("support", "confidence", "lift"), rust[key], python[key]):
            if not math.isclose(r, p, rel_tol=TOLERANCE, abs_tol=0.0):
                found.append(f"{key} {name}: Rust {r!r}, mlxtend {p!r}")
    return found


def check(run):
    """Compares one support level; returns (row for the table, problems)."""
    rust_json = json.loads((run / "rust.json").read_text())
    python_json = json.loads((run / "python.json").read_text())
    problems = differences(read_rules(run / "rust.csv"), read_rules(run / "python.csv"))
    identical = (run / "rust.csv").read_bytes() == (run / "python.csv").read_bytes()
    row = {
        "support": rust_json["min_support"],
        "confidence": rust_json["min_confidence"],
        "rules": rust_json["rules"],
        "same": "bytes" if identical else ("values" if not problems else "NO"),
        "rust_s": rust_json["mining_seconds_min"],
        "python_s": python_json["mining_seconds_min"],
        "rust_rss": rust_json["peak_rss_mb"],
        "python_rss": python_json["peak_rss_mb"],
        "rust_extra": rust_json["mining_extra_rss_mb"],
        "python_extra": python_json["mining_extra_rss_mb"],
    }
    return row, problems


def print_table(rows):
    header = (
        f"{'support':>8} {'conf':>5} {'rules':>6} {'same':>6} "
        f"{'rust s':>8} {'mlxtend s':>9} {'speed':>7} "
        f"{'rust MB':>8} {'mlxtend MB':>10} {'ratio':>6} "
        f"{'rust +MB':>8} {'mlxtend +MB':>11} {'ratio':>6}"
    )
    print(header)
    for r in rows:
        print(
            f"{r['support']:>8} {r['confidence']:>5} {r['rules']:>6} {r['same']:>6} "
            f"{r['rust_s']:>8.4f} {r['python_s']:>9.3f} {r['python_s'] / r['rust_s']:>6.0f}x "
            f"{r['rust_rss']:>8.1f} {r['python_rss']:>10.1f} "
            f"{r['python_rss'] / r['rust_rss']:>5.1f}x "
            f"{r['rust_extra']:>8.1f} {r['python_extra']:>11.1f} "
            f"{r['python_extra'] / max(r['rust_extra'], 0.1):>5.0f}x"
        )
    print(
        "\ns: best mining time (mlxtend: fpgrowth + association_rules on the one-hot frame)."
        "\nMB: peak RSS of the whole process; +MB: peak RSS while mining minus RSS before it."
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--min-speedup", type=float, default=20.0)
    args = parser.parse_args()
    rows, failed = [], False
    for run in args.runs:
        row, problems = check(run)
        rows.append(row)
        for problem in problems[:10]:
            print(f"MISMATCH at support {row['support']}: {problem}", file=sys.stderr)
        speedup = row["python_s"] / row["rust_s"]
        if speedup < args.min_speedup:
            print(
                f"TOO SLOW at support {row['support']}: {speedup:.1f}x, "
                f"need {args.min_speedup}x",
                file=sys.stderr,
            )
        failed |= bool(problems) or speedup < args.min_speedup
    print_table(rows)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
