#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Plots the first figures from bench_first's JSON-lines output.

    scripts/plot_first.py RESULTS.jsonl OUTDIR

Writes OUTDIR/ratios.png (lfmap/plain time ratios per part and size, with
the issue's targets) and OUTDIR/growth.png (insert latency percentiles while
growing, incremental vs stop-the-world, against the steady state; with a
second panel, insert latency over time, when the records carry the windowed
series that bench_first writes since the figures issue), and prints a
Markdown table of the medians.  Everything is recomputed from the raw
per-repetition records, so the figures regenerate from the raw data alone.
Uses Debian's /usr/bin/python3 (python3-matplotlib).

scripts/plot_harness.py imports growth_table() and plot_growth() from here
for its growth figure: one implementation of that figure.
"""
import json
import statistics
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["svg.hashsalt"] = "lfmap"  # reproducible SVG ids
import matplotlib.pyplot as plt  # noqa: E402

# Targets of the first figures (ratios lfmap / plain, and growth p99.9 / steady p99.9).
TARGETS = {"get": 1.3, "insert": 1.5, "growth": 3.0}
# The growth cases in the order they are drawn and tabulated.
GROWTH_ORDER = [("steady", "lfmap"), ("growth-incremental", "lfmap"),
                ("growth-stop-the-world", "lfmap"), ("steady", "plain"),
                ("growth-stop-the-world", "plain")]
GROWTH_COLOURS = {("steady", "lfmap"): "#f4a582", ("growth-incremental", "lfmap"): "#d62728",
                  ("growth-stop-the-world", "lfmap"): "#67001f", ("steady", "plain"): "#bababa",
                  ("growth-stop-the-world", "plain"): "#000000"}


# The layout shared by the figure scripts: scripts/plot_layout.py.
from plot_layout import (handles_of, layout_defects, legend_above, place_caption,  # noqa: E402
                         plain_log_labels)


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def caption_of(records):
    env = next((r["env"] for r in records if "env" in r), {})
    linked = env.get("lfmap_linked")
    how = {"shared": "; lfmap: the shared library (liblfmap.so), as a program links it",
           "static": "; lfmap: liblfmap.a, no LTO"}.get(linked, "")
    return "%s, %s CPUs, commit %s%s%s" % (
        env.get("cpu_model"), env.get("nproc_online"), (env.get("git_sha") or "?")[:7],
        " (dirty)" if env.get("git_dirty") else "", how)


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


def growth_table(records):
    """Medians over repetitions: {(case, map): {p50, p99, p999, max, min_p999, max_p999, reps}}."""
    g = growth_reps(records)
    med = {}
    for key in GROWTH_ORDER:
        if key not in g:
            continue
        reps = g[key]
        med[key] = {q: statistics.median(r[q + "_ns"] for r in reps)
                    for q in ("p50", "p99", "p999", "max")}
        for q in ("p50", "p99", "p999", "max"):
            med[key]["lo_" + q] = min(r[q + "_ns"] for r in reps)
            med[key]["hi_" + q] = max(r[q + "_ns"] for r in reps)
        med[key]["reps"] = len(reps)
        med[key]["n"] = reps[0].get("n")
    return med


def growth_markdown(med):
    lines = ["| growth case | map | p50 ns | p99 ns | p99.9 ns | max ns | p99.9 / steady |",
             "|---|---|---|---|---|---|---|"]
    for key in GROWTH_ORDER:
        if key not in med:
            continue
        steady = med.get(("steady", key[1]), med[key])["p999"]
        m = med[key]
        lines.append("| %s | %s | %.0f | %.0f | %.0f | %.0f | %.2f |" % (
            key[0], key[1], m["p50"], m["p99"], m["p999"], m["max"], m["p999"] / steady))
    return "\n".join(lines)


def plot_growth(records, base, caption, formats=("png",)):
    """Draws the growth figure into base.FORMAT; returns the paths written,
    or [] when the records hold no growth part."""
    fig = growth_figure(records, caption)
    if fig is None:
        return []
    paths = []
    for fmt in formats:
        path = "%s.%s" % (base, fmt)
        fig.savefig(path, dpi=120, metadata={"Date": None} if fmt == "svg" else None)
        paths.append(path)
    plt.close(fig)
    return paths


def growth_figure(records, caption):
    """The growth figure (laid out, caption at its foot), or None when the
    records hold no growth part."""
    med = growth_table(records)
    if not med:
        return None
    series = {}
    for key, reps in growth_reps(records).items():
        with_series = [r for r in reps if r.get("series_max_ns")]
        if with_series:
            series[key] = with_series[0]  # the first repetition
    # The percentiles on the left; the windowed series (when recorded) on
    # the right, one panel per case on a shared time and latency axis: drawn
    # in one panel their steps hid one another.
    skeys = [k for k in [("steady", "lfmap"), ("growth-stop-the-world", "lfmap"), ("growth-incremental", "lfmap")]
             if k in series]
    if skeys:
        fig = plt.figure(figsize=(14, 2.0 + 1.55 * max(3, len(skeys))))
        gs = fig.add_gridspec(len(skeys), 2)
        ax = fig.add_subplot(gs[:, 0])
    else:
        fig, ax = plt.subplots(figsize=(7.5, 4.6))
    qs = ["p50", "p99", "p999", "max"]
    keys = [k for k in GROWTH_ORDER if k in med]
    width = 0.8 / len(keys)
    for i, key in enumerate(keys):
        xs = [j + i * width for j in range(len(qs))]
        ys = [med[key][q] for q in qs]
        err = [[y - med[key]["lo_" + q] for y, q in zip(ys, qs)],
               [med[key]["hi_" + q] - y for y, q in zip(ys, qs)]]
        ax.bar(xs, ys, width, yerr=err, capsize=2, color=GROWTH_COLOURS.get(key),
               label="%s %s" % (key[1], key[0]))
    ax.set_yscale("log")
    plain_log_labels(ax)
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(qs))])
    ax.set_xticklabels(["p50", "p99", "p99.9", "max"])
    ax.set_ylabel("insert latency (ns, log scale)")
    ax.set_title("Insert latency percentiles while growing from empty to %s keys\n"
                 "(median of %d reps; error bars min..max)" % (
                     "{:,}".format(med[keys[0]]["n"] or 0), med[keys[0]]["reps"]), fontsize=9)
    handles = handles_of([ax])
    if skeys:
        right = []
        for i, key in enumerate(skeys):
            a2 = fig.add_subplot(gs[i, 1], sharex=right[0] if right else None, sharey=right[0] if right else None)
            right.append(a2)
            r = series[key]
            t, acc = [], 0.0
            for s in r["series_sum_ns"]:
                acc += s
                t.append(acc / 1e6)
            a2.plot(t, r["series_max_ns"], drawstyle="steps-post", lw=1.2, color=GROWTH_COLOURS.get(key))
            a2.set_yscale("log")
            plain_log_labels(a2)
            a2.grid(alpha=0.3)
            a2.text(0.005, 0.96, "%s %s" % (key[1], key[0]), transform=a2.transAxes, ha="left", va="top",
                    fontsize=8, color=GROWTH_COLOURS.get(key), fontweight="bold",
                    bbox={"fc": "white", "ec": "none", "pad": 1, "alpha": 0.8})
            if i < len(skeys) - 1:
                a2.tick_params(labelbottom=False)
            a2.set_ylabel("worst insert\n(ns, log)", fontsize=8)
        right[0].set_title("Worst insert in each window over time (first repetition; %d windows of %s inserts)" % (
            len(next(iter(series.values()))["series_max_ns"]),
            "{:,}".format(next(iter(series.values())).get("series_window_inserts", 0))), fontsize=9)
        right[-1].set_xlabel("time spent inserting (ms, sum of timed inserts)")
    top = legend_above(fig, handles, ncol=len(handles) if skeys else 3)
    t = place_caption(fig, caption, top=top, fs=7)
    for d in layout_defects(fig, t):
        print("plot_first: layout: growth: %s" % d, file=sys.stderr)
    return fig


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    records = load(sys.argv[1])
    outdir = sys.argv[2]
    caption = caption_of(records) + "; bench_first records " + sys.argv[1]

    rows = []
    labels, ratios, targets = [], [], []
    for (part, case, n), maps in sorted(per_rep(records).items()):
        lf, pl = statistics.median(maps["lfmap"]), statistics.median(maps["plain"])
        rows.append((part, case, n, lf, pl, lf / pl))
        labels.append("%s %s\nn=%g" % (part, case, n))
        ratios.append(lf / pl)
        targets.append(TARGETS[part])

    if rows:
        print("| part | case | keys | lfmap ns/op | plain ns/op | ratio | target |")
        print("|---|---|---|---|---|---|---|")
        for part, case, n, lf, pl, ratio in rows:
            print("| %s | %s | %d | %.1f | %.1f | %.2f | <= %.1f |" % (part, case, n, lf, pl, ratio,
                                                                      TARGETS[part]))

        fig, ax = plt.subplots(figsize=(9, 4.6))
        xs = range(len(labels))
        ax.bar(xs, ratios, color="#4a7ab5")
        ax.scatter(xs, targets, marker="_", s=900, color="#c0392b", label="target")
        ax.set_xticks(list(xs))
        ax.set_xticklabels(labels, fontsize=7)
        ax.set_ylabel("time ratio lfmap / plain (median)")
        ax.set_title("Single-thread cost of lfmap vs a plain map (median of repetitions)", fontsize=9)
        top = legend_above(fig, handles_of([ax]), ncol=1)
        t = place_caption(fig, caption, top=top, fs=7)
        for d in layout_defects(fig, t):
            print("plot_first: layout: ratios: %s" % d, file=sys.stderr)
        fig.savefig(outdir + "/ratios.png", dpi=120)
        plt.close(fig)

    med = growth_table(records)
    if med:
        print()
        print(growth_markdown(med))
        plot_growth(records, outdir + "/growth", caption)


if __name__ == "__main__":
    main()
