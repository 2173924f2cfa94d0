#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Ratio table of the core-speed cells (scripts/speed-cells.sh) from lfbench
JSON lines: median throughput of lfmap at 1 and 2 threads divided by the
plain map's median at 1 thread, per key range and workload, with the absolute
Mops/s and the core-to-core round trips of the 2-thread runs."""
import json
import statistics
import sys
from collections import defaultdict


def main(path):
    runs = defaultdict(list)
    c2c = defaultdict(list)
    for line in open(path):
        r = json.loads(line)
        if r.get("status") != "ok":
            continue
        w = r["workload"]
        key = (w["range"], w["name"], r["map"], r["threads"])
        runs[key].append(r["throughput_mops"])
        rt = r.get("c2c_round_trip_ns") or {}
        for v in (rt.get("before"), rt.get("after")):
            if v is not None:
                c2c[key].append(v)
    print("| keys | workload | plain 1T Mops/s | lfmap 1T Mops/s | ratio 1T | lfmap 2T Mops/s | ratio 2T | c2c ns (2T) |")
    print("|---|---|---|---|---|---|---|---|")
    for rng in sorted({k[0] for k in runs}):
        for wl in ("95/5", "50/50", "10/90"):
            p = runs.get((rng, wl, "plain", 1))
            l1 = runs.get((rng, wl, "lfmap", 1))
            l2 = runs.get((rng, wl, "lfmap", 2))
            if not p:
                continue
            pm = statistics.median(p)
            cells = [f"{rng:.0e}".replace("+0", ""), wl, f"{pm:.1f}"]
            for l in (l1, l2):
                if l:
                    lm = statistics.median(l)
                    cells += [f"{lm:.1f}", f"{lm / pm:.2f}"]
                else:
                    cells += ["-", "-"]
            rt = c2c.get((rng, wl, "lfmap", 2))
            cells.append(f"{min(rt):.0f}..{max(rt):.0f}" if rt else "-")
            print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: speed_table.py CELLS.jsonl")
    main(sys.argv[1])
