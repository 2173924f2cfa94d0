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


# ------------------------------------------------ layout shared by the figure scripts
# scripts/plot_harness.py and scripts/plot_schemes.py import these too: the
# caption lives in the image (a PNG travels alone), the legends above the
# panels (never on the data), and a value axis on a log scale only when its
# values span a decade or more, with plain-number tick labels.

CAPTION_FS = 6.5


def legend_above(fig, handles, ncol=None, fontsize=8):
    """A figure legend above the panels (never on the data); returns the
    share of the figure's height left to the panels (place_caption's top)."""
    w_in, h_in = fig.get_size_inches()
    if ncol is None:  # as many columns as fit the width (about 1.45 in each)
        ncol = max(1, min(len(handles), int(w_in / 1.45)))
    rows = -(-len(handles) // ncol)
    fig.legend(handles=handles, loc="upper center", ncol=ncol, fontsize=fontsize, frameon=False,
               bbox_to_anchor=(0.5, 1.0))
    return 1 - (0.08 + 0.19 * rows * fontsize / 8) / h_in


def handles_of(axes):
    """The legend handles of every panel, each label once, in drawing order."""
    seen, out = set(), []
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in seen and not lab.startswith("_"):
                seen.add(lab)
                out.append(h)
    return out


def _boxes(fig):
    r = fig.canvas.get_renderer()
    return r, [(ax, ax.get_tightbbox(r), ax.get_window_extent(r)) for ax in fig.axes if ax.get_visible()]


def layout_defects(fig, caption_text=None):
    """What a reader would see wrong in the laid-out figure: a legend on a
    panel's data area (or a figure legend on a panel's titles and labels), a
    caption over a panel's labels.  [] when none."""
    r, boxes = _boxes(fig)
    out = []
    legends = [(lg, True) for lg in fig.legends] + [(ax.get_legend(), False) for ax in fig.axes if ax.get_legend()]
    for lg, is_fig in legends:
        lb = lg.get_window_extent(r)
        if lb.x0 < -1 or lb.x1 > fig.bbox.width + 1 or lb.y1 > fig.bbox.height + 1:
            out.append("legend runs off the figure")
        for ax, tight, area in boxes:
            if lb.overlaps(tight if is_fig else area):
                out.append("legend overlaps the panel '%s'" % ax.get_title())
    if caption_text is not None:
        cb = caption_text.get_window_extent(r)
        if cb.x1 > fig.bbox.width + 1:
            out.append("caption runs off the figure")
        for ax, tight, _ in boxes:
            if cb.overlaps(tight):
                out.append("caption overlaps the panel '%s'" % ax.get_title())
    return out


def place_caption(fig, cap, top=1.0, fs=CAPTION_FS):
    """Writes CAP at the figure's foot, wrapped to its width, and lays the
    panels out between it and TOP (a figure legend above): measured after
    drawing and adjusted until neither the caption nor the legend touches a
    panel's labels.  Returns the caption's Text."""
    import textwrap
    w_in, h_in = fig.get_size_inches()
    lines = textwrap.wrap(cap, max(60, int(w_in * 72 / (fs * 0.58)))) if cap else []
    t = fig.text(0.005, 0.005, "\n".join(lines), fontsize=fs, ha="left", va="bottom")
    foot = min((len(lines) * fs * 1.3 + 8) / (h_in * 72), 0.45)
    for _ in range(8):
        fig.tight_layout(rect=(0, foot, 1, top))
        fig.canvas.draw()
        r, boxes = _boxes(fig)
        if not boxes:
            break
        H = fig.bbox.height
        low = min(tight.y0 for _, tight, _ in boxes) / H
        high = max(tight.y1 for _, tight, _ in boxes) / H
        cap_top = (t.get_window_extent(r).y1 / H) if lines else 0
        leg_low = min([lg.get_window_extent(r).y0 / H for lg in fig.legends] or [1.0])
        moved = False
        if low < cap_top + 0.005:
            foot += cap_top + 0.01 - low
            moved = True
        if high > leg_low - 0.005:
            top -= high - leg_low + 0.01
            moved = True
        if not moved:
            break
    return t


def plain_number(v, _pos=None):
    """A tick label without powers of ten: 0.01, 0.1, 1, 10, 1,000, 1e4, 2.5e6."""
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1e4 or a < 1e-3:
        m, e = ("%.2e" % v).split("e")
        return "%se%d" % (m.rstrip("0").rstrip("."), int(e))
    if a >= 1000:
        return "{:,.0f}".format(v)
    return "%g" % v


def plain_log_labels(ax):
    """A log y axis's labels as plain numbers (1,000, 1e6), majors only."""
    import matplotlib.ticker as mt
    ax.yaxis.set_major_formatter(mt.FuncFormatter(plain_number))
    ax.yaxis.set_minor_formatter(mt.NullFormatter())


def value_axis(ax, scale="log", linthresh=None):
    """A value (y) axis over the data drawn so far: a log or symlog SCALE
    only when the positive values span a decade or more, else linear from 0
    (a log axis over 15-19 MiB shows no tick a reader can use); plain-number
    tick labels either way."""
    import matplotlib.ticker as mt
    ys = []
    for art in ax.patches:  # bars
        h = getattr(art, "get_height", None)
        if h is not None:
            y0, y1 = art.get_y(), art.get_y() + art.get_height()
            ys += [y0, y1]
    for ln in ax.lines:
        ys += [float(v) for v in ln.get_ydata() if v is not None]
    for coll in ax.collections:  # error bars
        for seg in getattr(coll, "get_segments", lambda: [])():
            ys += [float(p[1]) for p in seg]
    pos = [v for v in ys if v == v and v > 0]
    span = (max(pos) / min(pos)) if pos else 1.0
    if span < 10:
        ax.set_yscale("linear")
        ax.set_ylim(bottom=0, top=(max(pos) * 1.1) if pos else 1)
        return "linear"
    if scale == "symlog":
        ax.set_yscale("symlog", linthresh=linthresh or min(pos))
        ax.set_ylim(bottom=0)
    else:
        ax.set_yscale("log")
        if span < 100:  # one or two decades: ticks at 1, 2 and 5 of each, or a panel shows one label
            ax.yaxis.set_major_locator(mt.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(mt.FuncFormatter(plain_number))
    ax.yaxis.set_minor_formatter(mt.NullFormatter())
    return scale


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
