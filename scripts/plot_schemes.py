#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Figures of the reclamation-scheme experiments from the raw
records of scripts/run-scheme-matrix.sh.

    scripts/plot_schemes.py RESULTS [-o OUTDIR]

RESULTS: a results/schemes/<stamp>/ directory.  Writes into OUTDIR (default
results/schemes/figures/), as PNG and SVG:

    schemes-throughput  Mops/s per scheme (bars) for 95/5, 50/50, 10/90:
                        steady size, resize churn and pointer values (rows),
                        one column per thread count; medians, error bars
                        min..max over repetitions
    schemes-memory      per scheme, at the most threads: peak retired bytes
                        (the backlog waiting for reclamation) and RSS growth
                        (peak minus before the map), per part and workload
    schemes-stall       the stalled reader over time: retired bytes, retired
                        values and RSS per scheme, the reader's read-side
                        section shaded, the writers' stop marked
    schemes-readside    ns per get per scheme (get alone, and inside
                        lfmap_read_lock), medians with min..max, and the
                        target line: the reference (the scheme without read
                        side, leak) + 2 ns

Parts missing from RESULTS are skipped (said on stdout).  Prints the path
of every file written.  Fails (exit 2) on a missing, empty or malformed
input.  Needs python3-matplotlib (Debian's /usr/bin/python3).
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scheme_records as sr  # noqa: E402

plt = None
pf = None  # scripts/plot_layout.py: the layout every figure script shares
FORMATS = ("png", "svg")
# One colour per scheme, the same in every figure.
COLOURS = {"urcu-memb": "#d62728", "urcu-mb": "#ff9896", "urcu-qsbr": "#9467bd", "urcu-bp": "#c5b0d5",
           "ck-epoch": "#1f77b4", "ck-hp": "#2ca02c", "ebr": "#ff7f0e", "leak": "#7f7f7f", "default": "#000000"}
# The other schemes take these in the order they are first drawn (main()
# draws res.schemes() in order first): distinct, where a hash of the name
# gave xenium's epoch and stamp-it, or hazard-pointer and hazard-eras, one
# colour.
EXTRA = ["#e377c2", "#637939", "#8c564b", "#17becf", "#bcbd22", "#393b79", "#e7ba52", "#9c9ede", "#252525",
         "#843c39", "#7b4173", "#3182bd", "#fd8d3c", "#636363"]
_assigned = {}


def colour(s):
    if s in COLOURS:
        return COLOURS[s]
    if s not in _assigned:
        _assigned[s] = EXTRA[len(_assigned) % len(EXTRA)]
    return _assigned[s]


def import_matplotlib():
    global plt
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot
    except ImportError as e:
        sys.exit("plot_schemes: this interpreter (%s) cannot import matplotlib (%s); install python3-matplotlib "
                 "(scripts/install-deps.sh plot) or name one with PYTHON=" % (sys.executable, e))
    plt = matplotlib.pyplot
    matplotlib.rcParams["svg.hashsalt"] = "lfmap"
    global pf
    import plot_layout as pf


class Saver:
    def __init__(self, outdir, caption):
        self.outdir = outdir
        self.caption = caption
        self.written = []

    def save(self, fig, name, extra="", top=1.0):
        """NAME.png and .svg with the caption at the foot (the only place it
        is written: a PNG travels alone); top: the share of the height left
        to the panels under a figure legend (plot_layout.legend_above)."""
        cap = self.caption + (("; " + extra) if extra else "")
        t = pf.place_caption(fig, cap, top=top)
        for d in pf.layout_defects(fig, t):
            print("plot_schemes: layout: %s: %s" % (name, d), file=sys.stderr)
        for fmt in FORMATS:
            p = os.path.join(self.outdir, "%s.%s" % (name, fmt))
            fig.savefig(p, dpi=110, metadata={"Date": None} if fmt == "svg" else None)
            self.written.append(p)
            print(p)
        plt.close(fig)


def bars(ax, groups, schemes, value_of, ylabel):
    """Grouped bars: one group per x label, one bar per scheme."""
    width = 0.8 / max(1, len(schemes))
    for si, s in enumerate(schemes):
        xs, ys, lo, hi = [], [], [], []
        for gi, g in enumerate(groups):
            v = value_of(g, s)
            if not v:
                continue
            m = sr.med(v)
            xs.append(gi - 0.4 + width * (si + 0.5))
            ys.append(m)
            lo.append(m - min(v))
            hi.append(max(v) - m)
        if xs:
            ax.bar(xs, ys, width, yerr=[lo, hi], color=colour(s), label=s, capsize=2, error_kw={"lw": 0.8})
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels(groups, fontsize=8)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.grid(axis="y", alpha=0.3)


def plot_throughput(res, sv):
    parts = [p for p in sr.PARTS if res.runs.get(p)]
    if not parts:
        print("plot_schemes: no throughput records: schemes-throughput skipped")
        return
    threads = sorted({t for p in parts for t in res.threads(p)})
    schemes = res.schemes()
    fig, axes = plt.subplots(len(parts), len(threads), figsize=(5.5 * len(threads), 3.2 * len(parts)),
                             squeeze=False)
    for ri, p in enumerate(parts):
        for ci, t in enumerate(threads):
            ax = axes[ri][ci]
            bars(ax, res.workloads(p), schemes,
                 lambda w, s, p=p, t=t: [r["throughput_mops"] for r in res.cell(p, w, t, s)], "Mops/s (all threads)")
            ax.set_title("%s, %d thread(s)" % (sr.PARTS[p], t), fontsize=9)
            ax.set_ylim(bottom=0)
    top = pf.legend_above(fig, pf.handles_of([axes[0][-1]]))
    sv.save(fig, "schemes-throughput",
            "lfmap under each reclamation scheme; median of repetitions, error bars min..max", top=top)


def plot_memory(res, sv):
    parts = [p for p in sr.PARTS if res.runs.get(p)]
    if not parts:
        print("plot_schemes: no throughput records: schemes-memory skipped")
        return
    schemes = res.schemes()
    fig, axes = plt.subplots(2, len(parts), figsize=(5.5 * len(parts), 6.2), squeeze=False)
    for ci, p in enumerate(parts):
        t = res.threads(p)[-1]
        wls = res.workloads(p)

        def retired(w, s, p=p, t=t):
            return [r["memory"]["retired_bytes_peak"] / sr.MIB for r in res.cell(p, w, t, s)
                    if isinstance(r["memory"].get("retired_bytes_peak"), (int, float))]

        def rss(w, s, p=p, t=t):
            return [g / sr.MIB for g in (sr.rss_growth(r) for r in res.cell(p, w, t, s)) if g is not None]
        bars(axes[0][ci], wls, schemes, retired, "peak retired (MiB)")
        axes[0][ci].set_title("%s, %d thread(s): peak retired bytes" % (sr.PARTS[p], t), fontsize=9)
        pf.value_axis(axes[0][ci], "symlog", linthresh=0.1)
        bars(axes[1][ci], wls, schemes, rss, "RSS growth (MiB)")
        axes[1][ci].set_title("RSS growth during the run (peak - before)", fontsize=9)
        pf.value_axis(axes[1][ci], "symlog", linthresh=1)
    top = pf.legend_above(fig, pf.handles_of([axes[0][-1]]))
    sv.save(fig, "schemes-memory", "memory monitor every 10 ms; one process runs every scheme, so RSS is shared "
            "(the garbage of a scheme that never frees, leak, stays); symlog axes (linear up to 0.1 MiB retired, "
            "1 MiB RSS) where a panel's values span a decade or more, else linear", top=top)


def plot_stall(res, sv):
    if not res.stall:
        print("plot_schemes: no stall.jsonl records: schemes-stall skipped")
        return
    by = {}
    for r in res.stall:
        by.setdefault(sr.scheme_of(r), r)
    rows = [("retired_bytes", "retired bytes pending (MiB)", sr.MIB),
            ("retired_values", "retired values pending", 1.0),
            ("rss", "RSS (MiB)", sr.MIB)]
    fig, axes = plt.subplots(len(rows), 1, figsize=(9, 2.8 * len(rows)), sharex=True, squeeze=False)
    r0 = res.stall[0]
    for s in sr.order_schemes(by):
        r = by[s]
        fields = r["timeseries"]["fields"]
        ix = {f: i for i, f in enumerate(fields)}
        pts = r["timeseries"]["samples"]
        for ri, (name, _, scale) in enumerate(rows):
            xy = [(p[ix["t_s"]], p[ix[name]] / scale) for p in pts if p[ix[name]] is not None]
            if xy:
                axes[ri][0].plot([x for x, _ in xy], [y for _, y in xy], color=colour(s), label=s, lw=1.3)
    for ri, (_, label, _) in enumerate(rows):
        ax = axes[ri][0]
        ax.axvspan(r0["stall"]["entered_s"], r0["stall"]["left_s"], color="#ffe08a", alpha=0.4,
                   label="reader inside lfmap_read_lock" if ri == 0 else None)
        # Each scheme's writers stop at its own time (the last worker to see
        # the stop flag): a tick per scheme on the time axis.
        for s, r in by.items():
            ax.axvline(r["memory"]["monitor"]["workers_stopped_s"], color=colour(s), ls="--", lw=0.7,
                       ymax=0.08)
        ax.axvline(sr.med([r["memory"]["monitor"]["workers_stopped_s"] for r in by.values()]), color="k",
                   ls="--", lw=0.8, label="writers stop (median; ticks per scheme)" if ri == 0 else None)
        ax.set_ylabel(label, fontsize=8)
        ax.grid(alpha=0.3)
        if ri < 2:
            pf.value_axis(ax, "symlog", linthresh=1 if ri == 1 else 0.01)
    axes[-1][0].set_xlabel("seconds from the start of the run")
    top = pf.legend_above(fig, pf.handles_of([axes[0][0]]), ncol=4)
    axes[0][0].set_title("Stalled reader: %g s inside a read-side section, %d writer thread(s), %s with pointer "
                         "values" % (r0["stall"]["s"], r0["threads"], r0["workload"]["name"]), fontsize=9)
    sv.save(fig, "schemes-stall", "sampled every %g ms, and after the writers stop until nothing is pending "
            "(at most 2 s); symlog axes" % r0["memory"]["monitor"]["interval_ms"], top=top)


def plot_readside(res, sv):
    if not res.readside and not res.summary:
        print("plot_schemes: no readside.jsonl records: schemes-readside skipped")
        return
    schemes = [s for s in res.schemes() if any(r["scheme"] == s for r in res.readside)]
    modes = ["get", "locked"]
    fig, ax = plt.subplots(figsize=(max(6, 1.1 * len(schemes) + 2), 4))
    width = 0.38
    for mi, mode in enumerate(modes):
        xs, ys, lo, hi, cs = [], [], [], [], []
        for si, s in enumerate(schemes):
            v = [r["ns_per_get"] for r in res.readside if r["scheme"] == s and r["mode"] == mode]
            if not v:
                continue
            m = sr.med(v)
            xs.append(si + (mi - 0.5) * width)
            ys.append(m)
            lo.append(m - min(v))
            hi.append(max(v) - m)
            cs.append(colour(s))
        ax.bar(xs, ys, width, yerr=[lo, hi], color=cs, alpha=1.0 if mode == "get" else 0.45, capsize=2,
               edgecolor="k", lw=0.4)
        # The value above its error bar, on a white ground (the bar's line
        # and the target line do not cross it).
        for x, y, h in zip(xs, ys, hi):
            ax.text(x, y + h, "%.1f" % y, ha="center", va="bottom", fontsize=6.5,
                    bbox={"fc": "white", "ec": "none", "pad": 0.4, "alpha": 0.85})
    ref = res.reference()
    leak = [r["ns_per_get"] for r in res.readside if r["scheme"] == ref and r["mode"] == "get"]
    if leak:
        ax.axhline(sr.med(leak) + 2, color="k", ls="--", lw=0.8, label="target: %s's get + 2 ns" % ref)
    # Each bar is in its scheme's colour: the legend says what solid and light mean.
    for a, lab in ((1.0, "lfmap_get (solid)"), (0.45, "read_lock + get + unlock (light)")):
        ax.bar([0], [0], 0, color=(0.4, 0.4, 0.4, a), edgecolor="k", lw=0.4, label=lab)
    ax.set_xticks(range(len(schemes)))
    ax.set_xticklabels(schemes, fontsize=8)
    ax.set_ylabel("ns per get (1 thread, map in cache)")
    ax.set_ylim(bottom=0)
    ax.grid(axis="y", alpha=0.3)
    top = pf.legend_above(fig, pf.handles_of([ax]), ncol=3)
    t = res.target
    extra = ("target %s: %+.2f ns over %s (%s)" % (t["default"], t["over_leak_ns"], t["reference"],
                                                   "met" if t["met"] else "NOT met")
             if t else "no reference/default pair measured")
    sv.save(fig, "schemes-readside", "median of repetitions, error bars min..max, schemes interleaved; " + extra,
            top=top)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("results", help="results/schemes/<stamp>/ directory")
    ap.add_argument("-o", "--outdir", default=None, help="output directory (default results/schemes/figures/)")
    a = ap.parse_args()
    try:
        res = sr.load(a.results)
    except sr.InputError as e:
        print("plot_schemes: %s" % e, file=sys.stderr)
        return 2
    import_matplotlib()
    outdir = a.outdir or os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "results",
                                      "schemes", "figures")
    os.makedirs(outdir, exist_ok=True)
    m = res.machine()
    caption = "%s; host %s, %s CPU(s), commit %s" % (sr.rel(a.results), m.get("host", "?"), m.get("cpus", "?"),
                                                    (m.get("commit") or "?")[:12])
    sv = Saver(outdir, caption)
    for s in res.schemes():  # the colours, in the schemes' order
        colour(s)
    plot_throughput(res, sv)
    plot_memory(res, sv)
    plot_stall(res, sv)
    plot_readside(res, sv)
    for part, r in res.skipped:
        print("plot_schemes: %s: %s skipped: %s" % (part, r.get("series", r.get("map")), r.get("reason")))
    print("plot_schemes: %d figures (PNG and SVG) in %s" % (len(sv.written) // len(FORMATS), outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
