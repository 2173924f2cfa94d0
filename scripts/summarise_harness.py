#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Turns lfbench (and lfbench-go) JSON lines into the brief's table: workload
x map, median throughput (Mops/s) with its spread (min..max over
repetitions) and median p99 write/read latency (ns).  One table per (initial
size, threads); the core-to-core round trip of each point is shown so that
runs in the slow "far" phase (field-notes.md) can be recognised.  Series
(a --lock-kind run's MAP/KIND, a --scheme run's lfmap/NAME) are columns of
their own.  Records are read by scripts/lfbench_records.py.  Standard
library only.

    scripts/summarise_harness.py runs.jsonl [more.jsonl ...] > summary.md

Records of byte-key maps add a table of each one's throughput over the
uint64_t lfmap's of the same cell (lfmap-bytes against lfmap: issue 19's
speed target), and records of caches (-w cache) a table of hit ratio,
allocations per operation and bytes per entry.
    scripts/summarise_harness.py --profile locks.jsonl > locks.md

--profile reads the records of an `lfbench --profile-locks` run and adds
the contention profile: share of acquisitions that found the lock taken and
time blocked per operation.
"""
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lfbench_records as lr  # noqa: E402


def fmt_med(values, digits=2):
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    med = statistics.median(values)
    if len(values) == 1:
        return f"{med:.{digits}f}"
    return f"{med:.{digits}f} ({min(values):.{digits}f}..{max(values):.{digits}f})"


def contention(r):
    """(contended share %, ns blocked per operation) of a profiled run."""
    c = r.get("contention")
    if not c or not c.get("acquisitions"):
        return None, None
    ops = r["ops"]["total"] or 1
    return 100.0 * c["contended"] / c["acquisitions"], c["wait_ns"] / ops


def key_kind(rs):
    return ((rs[0]["workload"].get("keys") or {}).get("kind") or "u64") if rs else "u64"


def bytes_and_caches(runs, c, workloads):
    """The byte-key maps over lfmap, cell by cell (medians), and the caches'
    own figures."""
    sizes, threads_list = lr.sizes_of(runs), lr.threads_of(runs)
    maps = lr.maps_of(runs)
    bmaps = [m for m in maps if any(key_kind(rs) == "bytes" for (w, s, t, mm), rs in c.items() if mm == m)]
    if bmaps and "lfmap" in maps:
        print("## Byte-key maps over lfmap (median throughput ratio, same cell)\n")
        print("| workload | keys | threads | " + " | ".join(bmaps) + " |")
        print("|---" * (len(bmaps) + 3) + "|")
        for w in workloads:
            for size in sizes:
                for t in threads_list:
                    ref = c.get((w, size, t, "lfmap"), [])
                    if not ref:
                        continue
                    base = statistics.median(r["throughput_mops"] for r in ref)
                    cells = []
                    for m in bmaps:
                        rs = c.get((w, size, t, m), [])
                        cells.append("%.2f" % (statistics.median(r["throughput_mops"] for r in rs) / base)
                                     if rs and base > 0 else "-")
                    print(f"| {w} | {size} | {t} | " + " | ".join(cells) + " |")
        print()
    cmaps = [m for m in maps if any(key_kind(rs) == "cache" for (w, s, t, mm), rs in c.items() if mm == m)]
    if not cmaps:
        return
    print("## Caches\n")
    print("Cells: median throughput Mops/s / hit ratio / allocations per operation / held and allocator "
          "bytes per entry (memory probe).\n")
    print("| capacity | threads | " + " | ".join(cmaps) + " |")
    print("|---" * (len(cmaps) + 2) + "|")
    for size in sizes:
        for t in threads_list:
            cells = []
            for m in cmaps:
                rs = [r for w in workloads for r in c.get((w, size, t, m), [])]
                if not rs:
                    cells.append("-")
                    continue
                res = [r.get("cache_result") or {} for r in rs]
                cells.append("%s / %s / %s / %s / %s" % (
                    fmt_med([r["throughput_mops"] for r in rs]),
                    fmt_med([x.get("hit_ratio") for x in res], 3),
                    fmt_med([r.get("allocs_per_op") for r in rs], 3),
                    fmt_med([x.get("held_bytes_per_entry") for x in res], 0),
                    fmt_med([x.get("allocator_bytes_per_entry") for x in res], 0)))
            if any(x != "-" for x in cells):
                print(f"| {size} | {t} | " + " | ".join(cells) + " |")
    print()


def main(argv):
    profiled = bool(argv) and argv[0] == "--profile"
    paths = argv[1:] if profiled else argv
    if not paths:
        sys.exit("usage: summarise_harness.py [--profile] runs.jsonl [...]")
    try:
        runs = lr.load(paths, profiled=profiled)
    except lr.InputError as e:
        sys.exit("summarise_harness: %s" % e)
    c = lr.cells(runs)
    maps, workloads = lr.maps_of(runs), lr.workloads_of(runs)
    print("# lfbench results%s\n" % (" (a --profile-locks run: throughput includes the profiler)" if profiled else ""))
    print("%s.\n" % lr.env_line(runs))
    cells_line = ("Cells: median throughput Mops/s (min..max over repetitions) / median p99 write / "
                  "p99 read latency in ns (sampled, timer overhead subtracted)")
    if profiled:
        cells_line += " / lock acquisitions that found the lock taken, % / time blocked per operation, ns"
    print(cells_line + ".\n")
    for size in lr.sizes_of(runs):
        for threads in lr.threads_of(runs):
            present = [m for m in maps if any((w, size, threads, m) in c for w in workloads)]
            if not present:
                continue
            print(f"## {size} keys, {threads} thread(s)\n")
            c2c = [r["c2c_round_trip_ns"][k] for m in present for w in workloads for r in c.get((w, size, threads, m), [])
                   for k in ("before", "after") if (r.get("c2c_round_trip_ns") or {}).get(k) is not None]
            if c2c:
                print(f"Core-to-core round trip during these runs: median {statistics.median(c2c):.0f} ns, "
                      f"range {min(c2c):.0f}..{max(c2c):.0f} ns.\n")
            print("| workload | " + " | ".join(present) + " |")
            print("|---" * (len(present) + 1) + "|")
            for w in workloads:
                row = []
                for m in present:
                    rs = c.get((w, size, threads, m), [])
                    if not rs:
                        row.append("-")
                        continue
                    cell = "%s%s / %s / %s" % (
                        fmt_med([r["throughput_mops"] for r in rs]),
                        "" if all(r.get("completed", True) for r in rs) else " (capped)",
                        fmt_med([lr.lat(r, "write", "p99") for r in rs], 0),
                        fmt_med([lr.lat(r, "read", "p99") for r in rs], 0))
                    if profiled:
                        prof = [contention(r) for r in rs]
                        cell += " / %s%% / %s" % (fmt_med([p[0] for p in prof], 1), fmt_med([p[1] for p in prof], 1))
                    row.append(cell)
                print(f"| {w} | " + " | ".join(row) + " |")
            print()
    bytes_and_caches(runs, c, workloads)
    if runs.skipped:
        print("## Skipped\n")
        for r in runs.skipped:
            print(f"- {r['map']}: {r['status']}: {r.get('reason')}")


if __name__ == "__main__":
    main(sys.argv[1:])
