#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Plots the first figures from bench_first's JSON-lines output.

    scripts/plot_first.py RESULTS.jsonl OUTDIR

Writes OUTDIR/ratios.png (lfmap/plain time ratios per part and size, with
the issue's targets) and OUTDIR/growth.png (insert latency percentiles while
growing, incremental vs stop-the-world, against the steady state), and prints
a Markdown table of the medians.  Everything is recomputed from the raw
per-repetition records, so the figures regenerate from the raw data alone.
Uses Debian's /usr/bin/python3 (python3-matplotlib).
"""
import json
import statistics
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# Targets of the first figures (ratios lfmap / plain, and growth p99.9 / steady p99.9).
TARGETS = {"get": 1.3, "insert": 1.5, "growth": 3.0}


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def per_rep(records):
    """(part, case, n) -> map -> [ns per op of each repetition]."""
    out = defaultdict(lambda: defaultdict(list))
    for r in records:
        if r.get("part") in ("get", "insert") and isinstance(r.get("rep"), int):
            out[(r["part"], r["case"], r["n"])][r["map"]].append(r["ns_per_op"])
    return out


def growth_reps(records):
    """(case, map) -> list of dicts with p50/p99/p999/max per repetition."""
    out = defaultdict(list)
    for r in records:
        if r.get("part") == "growth" and isinstance(r.get("rep"), int):
            out[(r["case"], r["map"])].append(r)
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    records = load(sys.argv[1])
    outdir = sys.argv[2]
    env = next((r["env"] for r in records if "env" in r), {})
    caption = "%s, %s CPUs, commit %s%s" % (
        env.get("cpu_model"), env.get("nproc_online"), (env.get("git_sha") or "?")[:7],
        " (dirty)" if env.get("git_dirty") else "")

    rows = []
    labels, ratios, targets = [], [], []
    for (part, case, n), maps in sorted(per_rep(records).items()):
        lf, pl = statistics.median(maps["lfmap"]), statistics.median(maps["plain"])
        rows.append((part, case, n, lf, pl, lf / pl))
        labels.append("%s %s\nn=%g" % (part, case, n))
        ratios.append(lf / pl)
        targets.append(TARGETS[part])

    print("| part | case | keys | lfmap ns/op | plain ns/op | ratio | target |")
    print("|---|---|---|---|---|---|---|")
    for part, case, n, lf, pl, ratio in rows:
        print("| %s | %s | %d | %.1f | %.1f | %.2f | <= %.1f |" % (part, case, n, lf, pl, ratio,
                                                                  TARGETS[part]))

    fig, ax = plt.subplots(figsize=(9, 4))
    xs = range(len(labels))
    ax.bar(xs, ratios, color="#4a7ab5")
    ax.scatter(xs, targets, marker="_", s=900, color="#c0392b", label="target")
    ax.set_xticks(list(xs))
    ax.set_xticklabels(labels, fontsize=7)
    ax.set_ylabel("time ratio lfmap / plain (median)")
    ax.set_title("Single-thread cost of lfmap vs a plain map\n" + caption, fontsize=9)
    ax.legend()
    fig.tight_layout()
    fig.savefig(outdir + "/ratios.png", dpi=120)

    g = growth_reps(records)
    if g:
        print()
        print("| growth case | map | p50 ns | p99 ns | p99.9 ns | max ns | p99.9 / steady |")
        print("|---|---|---|---|---|---|---|")
        order = [("steady", "lfmap"), ("growth-incremental", "lfmap"),
                 ("growth-stop-the-world", "lfmap"), ("steady", "plain"),
                 ("growth-stop-the-world", "plain")]
        med = {}
        for key in order:
            if key not in g:
                continue
            reps = g[key]
            med[key] = {q: statistics.median(r[q + "_ns"] for r in reps)
                        for q in ("p50", "p99", "p999", "max")}
        for key in order:
            if key not in med:
                continue
            steady = med.get(("steady", key[1]), med[key])["p999"]
            m = med[key]
            print("| %s | %s | %.0f | %.0f | %.0f | %.0f | %.2f |" % (
                key[0], key[1], m["p50"], m["p99"], m["p999"], m["max"], m["p999"] / steady))
        fig, ax = plt.subplots(figsize=(9, 4))
        qs = ["p50", "p99", "p999", "max"]
        width = 0.8 / len(med)
        for i, key in enumerate(k for k in order if k in med):
            ax.bar([j + i * width for j in range(len(qs))], [med[key][q] for q in qs], width,
                   label="%s %s" % key)
        ax.set_yscale("log")
        ax.set_xticks([j + 0.4 - width / 2 for j in range(len(qs))])
        ax.set_xticklabels(["p50", "p99", "p99.9", "max"])
        ax.set_ylabel("insert latency, ns (log)")
        ax.set_title("Insert latency while growing from empty (median of reps)\n" + caption,
                     fontsize=9)
        ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(outdir + "/growth.png", dpi=120)


if __name__ == "__main__":
    main()
