#!/usr/bin/env python3
"""Turns criterion's results into the table of BENCHMARKS.md.

Reads target/criterion/**/new/{benchmark,estimates}.json (ids
`dispatch/<case>/<impl>/<n>`), prints a markdown table: the median time of
`signals`, of the floor and of `signals2`, the ratio to the floor, the
target and whether the run meets it.

Usage: python3 benches/report.py [TARGET_DIR]   (default: $CARGO_TARGET_DIR or ./target)
"""

import json
import os
import sys
from pathlib import Path

# (case, n) -> (max ratio to the floor, which floor n the ratio uses)
TARGETS = {
    ("static", 0): (2.0, 1),
    ("static", 1): (2.0, 1),
    ("static", 10): (1.5, 10),
    ("static", 100): (1.2, 100),
    ("runtime", 0): (None, 1),
    ("runtime", 1): (5.0, 1),
    ("runtime", 10): (2.0, 10),
    ("runtime", 100): (1.3, 100),
    ("filtered", 1000): (3.0, 1000),
    ("robust", 10): (1.3, 10),
    ("asend", 10): (1.3, 10),
    ("resolve", 1000): (2.0, 1000),
}
CASES = ["static", "runtime", "filtered", "robust", "asend", "resolve"]
# At least this many times faster than signals2, for these n.
PEER_SPEEDUP = (5.0, {1, 10})


def load(target_dir):
    results = {}
    for bench in Path(target_dir, "criterion").glob("**/new/benchmark.json"):
        full_id = json.loads(bench.read_text())["full_id"]
        parts = full_id.split("/")
        if len(parts) != 4 or parts[0] != "dispatch":
            continue
        estimates = json.loads((bench.parent / "estimates.json").read_text())
        _, case, impl, n = parts
        results[(case, impl, int(n))] = estimates["median"]["point_estimate"]
    return results


def fmt(ns):
    if ns is None:
        return "-"
    if ns >= 10_000:
        return f"{ns / 1000:,.1f} µs"
    return f"{ns:.1f}"


def main():
    target_dir = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("CARGO_TARGET_DIR", "target")
    results = load(target_dir)
    if not results:
        sys.exit(f"no dispatch/* results under {target_dir}/criterion: run `cargo bench` first")
    print("| case | n | signals ns | floor ns | ratio | target | signals2 ns | signals2 / signals |")
    print("|---|---:|---:|---:|---:|---|---:|---:|")
    for case in CASES:
        sizes = sorted({n for (c, _, n) in results if c == case})
        for n in sizes:
            ours = results.get((case, "signals", n))
            limit, floor_n = TARGETS.get((case, n), (None, n))
            floor = results.get((case, "floor", floor_n))
            peer = results.get((case, "signals2", n))
            ratio = ours / floor if ours and floor else None
            if limit is None or ratio is None:
                target = "-"
            else:
                basis = f" floor(n={floor_n})" if floor_n != n else ""
                target = f"≤ {limit}×{basis} {'ok' if ratio <= limit else 'MISS'}"
            speedup = peer / ours if peer and ours else None
            speed = "-"
            if speedup is not None:
                speed = f"{speedup:.1f}×"
                if n in PEER_SPEEDUP[1]:
                    speed += " ok" if speedup >= PEER_SPEEDUP[0] else " MISS"
            ratio_text = f"{ratio:.2f}×" if ratio is not None else "-"
            print(f"| {case} | {n} | {fmt(ours)} | {fmt(floor)} | {ratio_text} | {target} | {fmt(peer)} | {speed} |")


if __name__ == "__main__":
    main()
