#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The core-speed cells (scripts/speed-cells.sh) from lfbench JSON lines.

Per key range and workload: the plain map's median throughput at 1 thread,
and for plain-locked, lfmap (the shared library) and lfmap-static at 1
thread, and lfmap and lfmap-static at 2 threads, the median of the ratios to
the plain map at 1 thread measured in the same repetition (same seed and
repetition index; for 2 threads, the plain runs of the same key range and
workload, all repetitions).  2-thread runs count only when the core-to-core
round trip before and after them was below --fast NS (the fast phase); the
table says how many did.  shared/static is lfmap over lfmap-static in the
same repetition (both in the fast phase, for 2 threads), median.

  speed_table.py [--fast NS] CELLS.jsonl
  speed_table.py --count-fast NS --initial N CELLS.jsonl   (fast-phase 2-thread
      repetitions complete for every workload: the smallest count)
"""
import argparse
import os
import statistics
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lfbench_records import records_of  # noqa: E402

WORKLOADS = ("95/5", "50/50", "10/90")


def load(path):
    return [r for _, r in records_of(path) if r.get("status") == "ok" and "throughput_mops" in r]


def fast_phase(r, fast):
    rt = r.get("c2c_round_trip_ns") or {}
    vals = [v for v in (rt.get("before"), rt.get("after")) if v is not None]
    return bool(vals) and max(vals) < fast


def c2c_range(rs):
    vals = []
    for r in rs:
        rt = r.get("c2c_round_trip_ns") or {}
        vals += [v for v in (rt.get("before"), rt.get("after")) if v is not None]
    return f"{min(vals):.0f}..{max(vals):.0f}" if vals else "-"


def fmt(xs):
    return f"{statistics.median(xs):.2f}" if xs else "-"


def table(runs, fast):
    one = defaultdict(dict)  # (initial, workload, seed, rep) -> series -> Mops at 1 thread
    two = defaultdict(list)  # (initial, workload, series) -> fast-phase records at 2 threads
    slow = defaultdict(int)
    for r in runs:
        w = r["workload"]
        if r["threads"] == 1:
            one[(w["initial"], w["name"], r["seed"], r["repeat_index"])][r["series"]] = r["throughput_mops"]
        elif r["threads"] == 2:
            if fast_phase(r, fast):
                two[(w["initial"], w["name"], r["series"])].append(r)
            else:
                slow[(w["initial"], w["name"], r["series"])] += 1
    print("| keys | workload | plain 1T Mops/s | plain-locked 1T | lfmap 1T | lfmap-static 1T | shared/static 1T "
          "| lfmap 2T | lfmap-static 2T | shared/static 2T | 2T runs fast (slow) | c2c ns (fast) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for initial in sorted({k[0] for k in one}):
        for wl in WORKLOADS:
            reps = [v for k, v in one.items() if k[0] == initial and k[1] == wl and "plain" in v]
            if not reps:
                continue
            plain = [v["plain"] for v in reps]
            pm = statistics.median(plain)
            ratio = {s: [v[s] / v["plain"] for v in reps if s in v] for s in ("plain-locked", "lfmap", "lfmap-static")}
            ss1 = [v["lfmap"] / v["lfmap-static"] for v in reps if "lfmap" in v and "lfmap-static" in v]
            r2 = {s: [r["throughput_mops"] / pm for r in two[(initial, wl, s)]] for s in ("lfmap", "lfmap-static")}
            static2 = {(x["seed"], x["repeat_index"]): x["throughput_mops"] for x in two[(initial, wl, "lfmap-static")]}
            s2 = [x["throughput_mops"] / static2[(x["seed"], x["repeat_index"])] for x in two[(initial, wl, "lfmap")]
                  if (x["seed"], x["repeat_index"]) in static2]
            keys = f"{2 * initial:.0e}".replace("e+0", "e")
            nfast = min(len(two[(initial, wl, "lfmap")]), len(two[(initial, wl, "lfmap-static")]))
            nslow = slow[(initial, wl, "lfmap")]
            print(f"| {keys} | {wl} | {pm:.1f} | {fmt(ratio['plain-locked'])} | {fmt(ratio['lfmap'])} | "
                  f"{fmt(ratio['lfmap-static'])} | {fmt(ss1)} | {fmt(r2['lfmap'])} | {fmt(r2['lfmap-static'])} | "
                  f"{fmt(s2)} | {nfast} ({nslow}) | {c2c_range(two[(initial, wl, 'lfmap')])} |")
    print()
    print(f"Ratios: to plain at 1 thread, medians; 2-thread runs counted only when the core-to-core round trip "
          f"before and after was below {fast:.0f} ns.")
    slow_runs = defaultdict(list)
    for r in runs:
        if r["threads"] == 2 and not fast_phase(r, fast):
            slow_runs[(r["workload"]["initial"], r["workload"]["name"], r["series"])].append(r)
    if not slow_runs:
        return
    # The slow phase's 2-thread points, apart: they measure the VM's slow
    # core-to-core round trip as much as the map, and the targets do not
    # apply to them (field-notes.md).
    print()
    print("2-thread runs in the slow phase (not comparable with the targets): ratio to plain at 1 thread, medians")
    print()
    print("| keys | workload | lfmap 2T | lfmap-static 2T | runs | c2c ns |")
    print("|---|---|---|---|---|---|")
    for initial in sorted({k[0] for k in slow_runs}):
        for wl in WORKLOADS:
            reps = [v for k, v in one.items() if k[0] == initial and k[1] == wl and "plain" in v]
            if not reps or (initial, wl, "lfmap") not in slow_runs:
                continue
            pm = statistics.median(v["plain"] for v in reps)
            r2 = {sr: [x["throughput_mops"] / pm for x in slow_runs[(initial, wl, sr)]] for sr in ("lfmap", "lfmap-static")}
            keys = f"{2 * initial:.0e}".replace("e+0", "e")
            print(f"| {keys} | {wl} | {fmt(r2['lfmap'])} | {fmt(r2['lfmap-static'])} | "
                  f"{len(slow_runs[(initial, wl, 'lfmap')])} | {c2c_range(slow_runs[(initial, wl, 'lfmap')])} |")


def count_fast(runs, fast, initial):
    n = defaultdict(int)
    for r in runs:
        w = r["workload"]
        if r["threads"] == 2 and w["initial"] == initial and fast_phase(r, fast):
            n[(w["name"], r["series"])] += 1
    return min((n[(wl, s)] for wl in WORKLOADS for s in ("lfmap", "lfmap-static")), default=0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cells")
    ap.add_argument("--fast", type=float, default=200.0)
    ap.add_argument("--count-fast", type=float)
    ap.add_argument("--initial", type=int)
    a = ap.parse_args()
    runs = load(a.cells)
    if a.count_fast is not None:
        print(count_fast(runs, a.count_fast, a.initial))
    else:
        table(runs, a.fast)


if __name__ == "__main__":
    main()
