#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Turns lfbench JSON lines into the brief's table: workload x map, median
throughput (Mops/s) with its spread (min..max over repetitions) and median
p99 write/read latency (ns).  One table per (initial size, threads); the
core-to-core round trip of each point is shown so that runs in the slow
"far" phase (field-notes.md) can be recognised.  Standard library only.

    scripts/summarise_harness.py runs.jsonl [more.jsonl ...] > summary.md
"""
import json
import statistics
import sys
from collections import defaultdict


def workload_label(r):
    w = r["workload"]
    if w["kind"] == "bulkload":
        return "bulkload-" + ("presized" if w["presized"] else "growing")
    return w["name"]


def p99(r, kind):
    lat = r["latency_ns"].get(kind)
    return lat["p99"] if lat else None


def fmt_med(values, digits=2):
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    med = statistics.median(values)
    if len(values) == 1:
        return f"{med:.{digits}f}"
    return f"{med:.{digits}f} ({min(values):.{digits}f}..{max(values):.{digits}f})"


def main(paths):
    runs = []
    skipped = []
    for path in paths:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                r = json.loads(line)
                (runs if r.get("status") == "ok" else skipped).append(r)
    groups = defaultdict(lambda: defaultdict(list))
    maps, workloads = [], []
    for r in runs:
        key = (r["workload"]["initial"], r["threads"])
        cell = (workload_label(r), r["map"])
        groups[key][cell].append(r)
        if r["map"] not in maps:
            maps.append(r["map"])
        if cell[0] not in workloads:
            workloads.append(cell[0])
    env = runs[0]["env"] if runs else {}
    print("# lfbench results\n")
    print(f"Host {env.get('hostname')}, {env.get('cpu_model')}, {env.get('nproc_online')} CPUs, "
          f"{env.get('numa_nodes')} NUMA node(s), kernel {env.get('kernel')}; commit "
          f"{env.get('git_sha')}{' (dirty)' if env.get('git_dirty') else ''}; allocator "
          f"{runs[0]['allocator'] if runs else '?'}.\n")
    print("Cells: median throughput Mops/s (min..max over repetitions) / median p99 write / "
          "p99 read latency in ns (sampled, timer overhead subtracted).\n")
    for (initial, threads) in sorted(groups):
        cells = groups[(initial, threads)]
        print(f"## {initial} keys, {threads} thread(s)\n")
        c2c = [r["c2c_round_trip_ns"][k] for rs in cells.values() for r in rs
               for k in ("before", "after") if r["c2c_round_trip_ns"][k] is not None]
        if c2c:
            print(f"Core-to-core round trip during these runs: median {statistics.median(c2c):.0f} ns, "
                  f"range {min(c2c):.0f}..{max(c2c):.0f} ns.\n")
        present = [m for m in maps if any((w, m) in cells for w in workloads)]
        print("| workload | " + " | ".join(present) + " |")
        print("|---" * (len(present) + 1) + "|")
        for w in workloads:
            row = []
            for m in present:
                rs = cells.get((w, m), [])
                if not rs:
                    row.append("-")
                    continue
                tp = fmt_med([r["throughput_mops"] for r in rs])
                pw = fmt_med([p99(r, "write") for r in rs], 0)
                pr = fmt_med([p99(r, "read") for r in rs], 0)
                cut = "" if all(r["completed"] for r in rs) else " (capped)"
                row.append(f"{tp}{cut} / {pw} / {pr}")
            print(f"| {w} | " + " | ".join(row) + " |")
        print()
    if skipped:
        print("## Skipped\n")
        for r in skipped:
            print(f"- {r['map']}: {r['status']}: {r.get('reason')}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: summarise_harness.py runs.jsonl [...]")
    main(sys.argv[1:])
