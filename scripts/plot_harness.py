#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Figures of the experiments harness, from raw lfbench records.

    scripts/plot_harness.py RESULTS... [-o OUTDIR] [--allow-partial]
                            [--growth FIRST.jsonl] [--microbench MB.json]

RESULTS: results directories (runs.jsonl; also first.jsonl from bench_first
and microbench.json from Google Benchmark when present, command.txt for the
captions) or runs.jsonl files.  Writes into OUTDIR (default results/harness/figures/), as
PNG and SVG, for every workload preset in the records (95/5, 50/50, 10/90,
hotkeys, bulkload):

    throughput-W    throughput against threads, every map, one panel per size
    latency-W       p50 / p99 / p99.9 of reads and writes per map (most threads)
    memory-W        bytes per key held and allocations per operation per map (1 thread)

Records of the Go maps (build/lfbench-go, "lang": "go") are series like any
other: each is drawn in the colour of the C design that models it
(lfbench_records.GO_ANALOGUE), dashed and with square markers.

and growth (insert latency while lfmap grows vs a stop-the-world resize;
drawn by scripts/plot_first.py's plot_growth), microbench-ns and
microbench-threads (per-operation costs), then OUTDIR/index.html with every
figure, its caption and the tables.  Points are medians over the repeated
runs; error bars span min..max of the repetitions.  One colour per map in
every figure.

    scripts/plot_harness.py --bytes RECORDS... [-o OUTDIR] [--allow-partial]

--bytes draws the byte-key maps and the caches (issue 19) from records of
lfbench -m ...-bytes (with the uint64_t lfmap as the reference, in the same
file) and -w cache runs, JSON-lines files in any mix, into OUTDIR (default
results/bytes/figures/):

    bytes-throughput  each byte-key map's throughput over the u64 lfmap's in
                      the same cell (workload x keys x threads), with a line
                      at 0.8 (issue 19's target)
    bytes-memory      bytes per key held per byte-key map at each key count,
                      with a line at 60 B (1.5 x (16 B key + 8 B value + 16))
    caches            per cache configuration (capacity, value sizes):
                      throughput and hit ratio at each thread count, held
                      bytes per entry, allocations per operation

and OUTDIR/index.html.  With no RECORDS, those results/bytes/plot-inputs.txt
names: `scripts/plot_harness.py --bytes` redraws results/bytes/figures/
(scripts/reproduce.sh does, in its full mode).

Fails (exit 2) on a missing, empty or malformed input, and (exit 3) when the
matrix that the records imply (every map x workload x size x thread count
seen, with repeat_count repetitions) has holes, unless --allow-partial is
given: then the captions list what is missing.  Needs python3-matplotlib
(Debian's /usr/bin/python3).
"""
import argparse
import html
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lfbench_records as lr  # noqa: E402

plt = None  # matplotlib.pyplot, imported once the input has been checked
pf = None   # scripts/plot_layout.py (the layout every figure script shares), imported with matplotlib


def import_matplotlib():
    global plt
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot
    except ImportError as e:
        sys.exit("plot_harness: this interpreter (%s) cannot import matplotlib (%s); install python3-matplotlib "
                 "(scripts/install-deps.sh plot) and run it with /usr/bin/python3, or name one with PYTHON="
                 % (sys.executable, e))
    plt = matplotlib.pyplot
    matplotlib.rcParams["svg.hashsalt"] = "lfmap"  # the same figure, the same SVG bytes
    global pf
    import plot_layout as pf  # the layout every figure script shares


# One colour per map, the same in every figure (maps.def order).
COLOURS = {"lfmap": "#d62728", "mutex": "#7f7f7f", "rwlock": "#8c564b", "striped": "#bcbd22",
           "readmostly": "#17becf", "cow": "#e377c2", "lfht": "#1f77b4", "cuckoo": "#2ca02c",
           "tbb": "#ff7f0e", "ckht": "#9467bd", "plain": "#000000",
           # The caches: lockmap-cache in its lock's colour (rwlock),
           # lfmap-cache in lfmap's.
           "lockmap-cache": "#8c564b", "segring-cache": "#393b79", "lfmap-cache": "#d62728"}
EXTRA = ["#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#5254a3", "#8ca252"]
MARKERS = {"lfmap": "o", "plain": "x"}
FORMATS = ("png", "svg")


def colour(m):
    """A map's colour; a Go map and a byte-key map (X-bytes) take the
    colour of the C design / uint64_t map they re-implement."""
    m = lr.GO_ANALOGUE.get(m, m)
    if m.endswith("-bytes") and m[:-len("-bytes")] in COLOURS:
        m = m[:-len("-bytes")]
    if m in COLOURS:
        return COLOURS[m]
    return EXTRA[sum(map(ord, m)) % len(EXTRA)]


def style(m):
    """Line style and marker: Go series dashed with squares."""
    if m in lr.GO_ANALOGUE:
        return "--", "s"
    return "-", MARKERS.get(m, ".")


def hatch(m):
    return "//" if m in lr.GO_ANALOGUE else None


def slug(w):
    return w.replace("/", "-")


class Figures:
    """The figures written, each with its caption in the image (the PNG
    travels alone: machine, commit, command, records) and, for the index
    page, its title and the records it was drawn from (the page links them
    and does not repeat the caption)."""

    def __init__(self, outdir, caption, records=()):
        self.outdir = outdir
        self.caption = caption
        self.records = list(records)
        self.items = []  # (title, [paths], records)
        self.defects = []  # layout defects found (plot_layout.layout_defects)

    def save(self, fig, name, title, extra="", caption=None, top=1.0, records=None):
        """Writes the figure with its caption at the foot (wrapped to the
        figure's width, the panels kept above it) as NAME.png and .svg.
        top: the share of the height left to the panels (less than 1 when a
        figure legend sits above them)."""
        cap = caption if caption is not None else self.caption + (("; " + extra) if extra else "")
        t = pf.place_caption(fig, cap, top=top)
        for d in pf.layout_defects(fig, t):
            self.defects.append("%s: %s" % (name, d))
            print("plot_harness: layout: %s: %s" % (name, d), file=sys.stderr)
        paths = []
        for fmt in FORMATS:
            p = os.path.join(self.outdir, "%s.%s" % (name, fmt))
            fig.savefig(p, dpi=110, metadata={"Date": None} if fmt == "svg" else None)
            paths.append(p)
        plt.close(fig)
        self.items.append((title, paths, list(records if records is not None else self.records)))


def errbar(values):
    m = lr.med(values)
    lo, hi = lr.spread(values)
    return m, (m - lo if m is not None else 0), (hi - m if m is not None else 0)


def plot_throughput(runs, figs, w, c):
    sizes = lr.sizes_of(runs)
    fig, axes = plt.subplots(1, len(sizes), figsize=(5.2 * len(sizes), 5.2), squeeze=False)
    for ax, s in zip(axes[0], sizes):
        for m in lr.maps_of(runs):
            xs, ys, lo, hi = [], [], [], []
            for t in lr.threads_of(runs):
                rs = c.get((w, s, t, m))
                if not rs:
                    continue
                y, l, h = errbar([r["throughput_mops"] for r in rs])
                xs.append(t), ys.append(y), lo.append(l), hi.append(h)
            if xs:
                ls, mk = style(m)
                ax.errorbar(xs, ys, yerr=[lo, hi], label=m, color=colour(m), marker=mk, ls=ls,
                            capsize=3, lw=2.2 if m == "lfmap" else 1.2)
        ax.set_xlabel("threads")
        ax.set_ylabel("throughput (Mops/s, all threads)")
        ax.set_xticks(lr.threads_of(runs))
        ax.set_title("%s, %s keys" % (w, lr.fmt_keys(s)), fontsize=10)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    top = pf.legend_above(fig, pf.handles_of(axes[0]))
    figs.save(fig, "throughput-" + slug(w), "Throughput against threads, workload %s" % w,
              "median of repetitions, error bars min..max", top=top)


def plot_latency(runs, figs, w, c):
    sizes = lr.sizes_of(runs)
    t = lr.threads_of(runs)[-1]
    maps = [m for m in lr.maps_of(runs) if any(c.get((w, s, t, m)) for s in sizes)]
    kinds = [k for k in ("read", "write") if any(lr.lat(r, k, "p50") is not None
                                                  for s in sizes for m in maps for r in c.get((w, s, t, m), []))]
    if not kinds or not maps:
        return
    qs = [("p50", "p50"), ("p99", "p99"), ("p99_9", "p99.9")]
    fig, axes = plt.subplots(len(kinds), len(sizes), figsize=(6 * len(sizes), 3.3 * len(kinds) + 0.9), squeeze=False)
    width = 0.8 / len(maps)
    for ri, kind in enumerate(kinds):
        for ci, s in enumerate(sizes):
            ax = axes[ri][ci]
            for mi, m in enumerate(maps):
                rs = c.get((w, s, t, m), [])
                ys, lo, hi = [], [], []
                for q, _ in qs:
                    y, l, h = errbar([lr.lat(r, kind, q) for r in rs]) if rs else (None, 0, 0)
                    ys.append(y or 0), lo.append(l), hi.append(h)
                ax.bar([j + mi * width for j in range(len(qs))], ys, width, yerr=[lo, hi], capsize=1.5,
                       color=colour(m), hatch=hatch(m), label=m if (ri, ci) == (0, len(sizes) - 1) else None)
            ax.set_xticks([j + 0.4 - width / 2 for j in range(len(qs))])
            ax.set_xticklabels([n for _, n in qs])
            ax.set_ylabel("%s latency (ns%s)" % (kind, ", log" if pf.value_axis(ax) == "log" else ""))
            ax.set_title("%s %ss, %s keys, %d thread(s)" % (w, kind, lr.fmt_keys(s), t), fontsize=9)
            ax.grid(axis="y", alpha=0.3)
    top = pf.legend_above(fig, pf.handles_of([axes[0][-1]]))
    absent = [m for m in lr.maps_of(runs) if m not in maps]
    figs.save(fig, "latency-" + slug(w), "Latency percentiles of reads and writes, workload %s" % w,
              "sampled latencies at %d thread(s); median of repetitions, error bars min..max%s" % (
                  t, ("; absent at %d threads: %s" % (t, ", ".join(absent))) if absent else ""), top=top)


def plot_memory(runs, figs, w, c):
    sizes = lr.sizes_of(runs)
    maps = [m for m in lr.maps_of(runs) if any(c.get((w, s, 1, m)) for s in sizes)]
    if not maps:
        return
    fig, axes = plt.subplots(1, 2, figsize=(11, 5.4))
    width = 0.8 / len(maps)
    for ai, (label, get) in enumerate([
            ("bytes per key held", lr.held_per_key),
            ("allocations per operation", lambda r: r.get("allocs_per_op"))]):
        ax = axes[ai]
        for mi, m in enumerate(maps):
            ys, lo, hi = [], [], []
            for s in sizes:
                rs = c.get((w, s, 1, m), [])
                vals = [get(r) for r in rs]
                y, l, h = errbar(vals) if any(v is not None for v in vals) else (0, 0, 0)
                ys.append(y), lo.append(l), hi.append(h)
            ax.bar([j + mi * width for j in range(len(sizes))], ys, width, yerr=[lo, hi], capsize=1.5,
                   color=colour(m), hatch=hatch(m), label=m)
        ax.set_xticks([j + 0.4 - width / 2 for j in range(len(sizes))])
        ax.set_xticklabels(["%s keys" % lr.fmt_keys(s) for s in sizes])
        ax.set_ylabel(label, fontsize=8)
        # log (symlog for allocations, 0 among them) only over a decade or more
        pf.value_axis(ax, "symlog" if ai == 1 else "log", linthresh=0.01)
        ax.set_title("workload %s, 1 thread: %s" % (w, label), fontsize=9)
        ax.grid(axis="y", alpha=0.3)
    top = pf.legend_above(fig, pf.handles_of([axes[0]]))
    figs.save(fig, "memory-" + slug(w), "Memory per key and allocations per operation, workload %s" % w,
              "1 thread; bytes per key held: a fresh process's resident anonymous memory after the map was "
              "created and loaded with the -i keys minus before (allocator purged / Go garbage collected; "
              "tables mapped directly included, never negative); allocations per operation: jemalloc's "
              "request counters (C) or runtime.MemStats.Mallocs (Go) over the run; median of repetitions, "
              "error bars min..max", top=top)


def plot_microbench(path, figs):
    ctx, rows = lr.load_microbench(path)
    ops = lr._ordered((r["op"] for r in rows), lr.MICRO_OPS)
    maps = lr._ordered((r["map"] for r in rows), lr.MAP_ORDER)
    by = {(r["op"], r["map"], r["threads"]): r for r in rows}
    threads = sorted({r["threads"] for r in rows})
    load = ctx.get("load_avg") or []
    cap = "Google Benchmark on %s (%s CPUs), %s, commit %s, load average %s at the start; real time; %s" % (
        ctx.get("host_name"), ctx.get("num_cpus"), ctx.get("date"), ctx.get("lfmap_git") or "not recorded",
        ", ".join("%.2f" % x for x in load[:3]) or "?", lr.rel(path))
    fig, ax = plt.subplots(figsize=(11, 5.0))
    width = 0.8 / len(maps)
    for mi, m in enumerate(maps):
        ys = [(by.get((op, m, 1)) or {}).get("ns_per_op") or 0 for op in ops]
        ax.bar([j + mi * width for j in range(len(ops))], ys, width, color=colour(m), label=m)
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(ops))])
    ax.set_xticklabels(ops)
    ax.set_ylabel("time per operation, 1 thread (ns%s)" % (", log" if pf.value_axis(ax) == "log" else ""))
    ax.grid(axis="y", alpha=0.3)
    top = pf.legend_above(fig, pf.handles_of([ax]))
    ax.set_title("Per-operation cost through the adapter interface (1 thread)", fontsize=10)
    missing = sorted({"%s/%s" % (op, m) for op in ops for m in maps if (op, m, 1) not in by})
    figs.save(fig, "microbench-ns", "Micro-benchmarks: time per operation, 1 thread",
              caption=cap + ("; not run: " + ", ".join(missing) if missing else ""), top=top, records=[path])
    if len(threads) > 1:
        # At most three panels a row: six in one row shrink to unreadable
        # text at a page's width.
        ncols = min(3, len(ops))
        nrows = -(-len(ops) // ncols)
        fig, axes = plt.subplots(nrows, ncols, figsize=(3.8 * ncols, 3.2 * nrows + 1.2), squeeze=False)
        flat = [ax for row in axes for ax in row]
        for ax in flat[len(ops):]:
            ax.set_visible(False)
        for ax, op in zip(flat, ops):
            for m in maps:
                pts = [(t, by[(op, m, t)]["ips"] / 1e6) for t in threads
                       if (op, m, t) in by and by[(op, m, t)]["ips"]]
                if pts:
                    ax.plot([p[0] for p in pts], [p[1] for p in pts], marker=MARKERS.get(m, "."),
                            color=colour(m), label=m)
            ax.set_title(op, fontsize=9)
            if ax in flat[len(ops) - ncols:]:
                ax.set_xlabel("threads")
            ax.set_xticks(threads)
            ax.set_ylabel("M operations/s (all threads%s)" % (", log" if pf.value_axis(ax) == "log" else ""),
                          fontsize=8)
            ax.grid(alpha=0.3)
        top = pf.legend_above(fig, pf.handles_of(flat))
        figs.save(fig, "microbench-threads", "Micro-benchmarks: operations per second against threads", caption=cap,
                  top=top, records=[path])


# ------------------------------------------------ byte-key maps and caches

BYTES_INPUTS = "results/bytes/plot-inputs.txt"  # --bytes's records when none are given
BYTES_TARGET = 0.8      # issue 19: a byte-key map at >= 0.8 x the u64 lfmap's throughput
BYTES_KEY_LEN = 16      # the records' --key-len
HELD_TARGET = 1.5 * (BYTES_KEY_LEN + 8 + 16)  # 60 B: 1.5 x (key + 8-byte value + 16)
# A value label's background: a reference line under it does not cross it.
LABEL_BOX = {"fc": "white", "ec": "none", "pad": 0.4, "alpha": 0.85}


def thread_look(i):
    """Bar look of the i-th thread count: the first solid, the others
    lighter and hatched (the map's colour stays the map's)."""
    return (None, 1.0) if i == 0 else (["//", "xx", "..", "\\\\\\\\"][(i - 1) % 4], 0.45)


def bar(ax, x, y, width, m, i=0, yerr=None, **kw):
    import matplotlib.colors as mc
    h, alpha = thread_look(i)
    ax.bar(x, y, width, yerr=yerr, capsize=2, color=mc.to_rgba(colour(m), alpha), edgecolor=colour(m),
           hatch=h, lw=0.6 if h else 0, error_kw={"lw": 0.8}, **kw)


def thread_handles(ts):
    from matplotlib.patches import Patch
    out = []
    for i, t in enumerate(ts):
        h, alpha = thread_look(i)
        out.append(Patch(facecolor=(0.4, 0.4, 0.4, alpha), edgecolor=(0.4, 0.4, 0.4), hatch=h,
                         label="%d thread%s" % (t, "" if t == 1 else "s")))
    return out


def legend_top(fig, handles, ncol):
    """A figure legend above the panels (never on the data): returns the
    share of the height left to the panels, for Figures.save's top."""
    h_in = fig.get_size_inches()[1]
    rows = -(-len(handles) // ncol)
    fig.legend(handles=handles, loc="upper center", ncol=ncol, fontsize=8, frameon=False,
               bbox_to_anchor=(0.5, 1.0))
    return 1 - (0.12 + 0.2 * rows) / h_in


def bytes_caption(runs, paths):
    cmds = [lr.command_for(p) for p in paths]
    return "%s; records %s; command%s: %s" % (
        lr.env_line(runs), ", ".join(lr.rel(p) for p in paths), "s" if len(paths) > 1 else "",
        "; ".join(c for c in cmds if c) or "not recorded")


def plot_bytes_throughput(runs, figs, caption):
    """Every byte-key map's median throughput over the u64 lfmap's of the
    same cell, one panel per workload x key count, a bar per thread count."""
    c = lr.cells(runs)
    ws, sizes, ts = lr.workloads_of(runs), lr.sizes_of(runs), lr.threads_of(runs)
    bmaps = [m for m in lr.maps_of(runs) if any(lr.key_kind(r) == "bytes" for r in runs.ok if r["map"] == m)]
    fig, axes = plt.subplots(len(ws), len(sizes), figsize=(5.8 * len(sizes), 3.4 * len(ws) + 0.5),
                             squeeze=False, sharey=True)
    width = 0.8 / len(ts)
    top_y = 1.0
    for ri, w in enumerate(ws):
        for ci, s in enumerate(sizes):
            ax = axes[ri][ci]
            ref = {t: lr.med([r["throughput_mops"] for r in c.get((w, s, t, "lfmap"), [])]) for t in ts}
            for mi, m in enumerate(bmaps):
                for ti, t in enumerate(ts):
                    rs = c.get((w, s, t, m))
                    if not rs or not ref[t]:
                        continue
                    y, lo, hi = errbar([r["throughput_mops"] / ref[t] for r in rs])
                    x = mi + (ti - (len(ts) - 1) / 2) * width
                    bar(ax, x, y, width, m, ti, yerr=[[lo], [hi]])
                    ax.text(x, y + hi + 0.012, "%.2f" % y, ha="center", va="bottom", fontsize=6, bbox=LABEL_BOX)
                    top_y = max(top_y, y + hi)
            ax.axhline(BYTES_TARGET, ls="--", color="black", lw=1)
            ax.axhline(1.0, ls=":", color=colour("lfmap"), lw=1.2)
            ax.set_xticks(range(len(bmaps)))
            ax.set_xticklabels(bmaps, rotation=30, ha="right", fontsize=8)
            ax.set_title("%s, %s keys; u64 lfmap %s Mops/s at %s thread(s)" % (
                w, lr.fmt_keys(s), " / ".join("-" if ref[t] is None else "%.1f" % ref[t] for t in ts),
                "/".join(str(t) for t in ts)), fontsize=9)
            if ci == 0:
                ax.set_ylabel("throughput over u64 lfmap's", fontsize=9)
            ax.grid(axis="y", alpha=0.3)
    axes[0][0].set_ylim(0, max(1.1, top_y * 1.12))
    from matplotlib.lines import Line2D
    handles = thread_handles(ts) + [
        Line2D([], [], ls="--", color="black", lw=1, label="%.1f: issue 19's target" % BYTES_TARGET),
        Line2D([], [], ls=":", color=colour("lfmap"), lw=1.2, label="1.0: the u64 lfmap (same cell)")]
    top = legend_top(fig, handles, len(handles))
    key = next((r["workload"]["keys"] for r in runs.ok if lr.key_kind(r) == "bytes"), {})
    figs.save(fig, "bytes-throughput", "Byte-key maps: throughput over the u64 lfmap's",
              caption=caption + "; bars: median throughput of the byte-key map over the median of the u64 "
              "lfmap's (lfbench -m lfmap: uint64_t keys) in the same workload, key count and thread count; dashed "
              "line: %.1f, issue 19's target; "
              "error bars: the byte-key map's min..max over its %d repetitions, over the same median; keys "
              "%s bytes" % (BYTES_TARGET, max(r["repeat_count"] for r in runs.ok), key.get("len_min", "?") if
                            key.get("len_min") == key.get("len_max") else "%s-%s" % (key.get("len_min"),
                                                                                   key.get("len_max"))), top=top)


def plot_bytes_memory(runs, figs, caption):
    """Bytes per key held per byte-key map at each key count (1 thread),
    the u64 lfmap first as the reference, a line at HELD_TARGET."""
    ws = lr.workloads_of(runs)
    wl = "95/5" if "95/5" in ws else ws[0]
    rows = lr.memory_rows(runs, wl, 1)
    sizes = lr.sizes_of(runs)
    maps = [m for m in rows if m == "lfmap" or
            any(lr.key_kind(r) == "bytes" for r in runs.ok if r["map"] == m)]
    fig, axes = plt.subplots(1, len(sizes), figsize=(5.4 * len(sizes), 4.4), squeeze=False, sharey=True)
    top_y = HELD_TARGET
    for ax, s in zip(axes[0], sizes):
        for mi, m in enumerate(maps):
            v = rows[m].get(s, (None, None))[0]
            if v is None:
                continue
            if m == "lfmap":  # the reference: outlined
                ax.bar(mi, v, 0.7, color="white", edgecolor=colour(m), lw=1.5)
            else:
                bar(ax, mi, v, 0.7, m)
            ax.text(mi, v + 1.5, "%.1f" % v, ha="center", va="bottom", fontsize=7, bbox=LABEL_BOX)
            top_y = max(top_y, v)
        ax.axhline(HELD_TARGET, ls="--", color="black", lw=1)
        ax.set_xticks(range(len(maps)))
        ax.set_xticklabels(["lfmap (u64)" if m == "lfmap" else m for m in maps], rotation=30, ha="right",
                           fontsize=8)
        ax.set_title("%s keys, 1 thread" % lr.fmt_keys(s), fontsize=9)
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].set_ylabel("bytes per key held", fontsize=9)
    axes[0][0].set_ylim(0, top_y * 1.12)
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    top = legend_top(fig, [Line2D([], [], ls="--", color="black", lw=1,
                                  label="%g B = 1.5 x (%d B key + 8 B value + 16)" % (HELD_TARGET, BYTES_KEY_LEN)),
                           Patch(facecolor="white", edgecolor=colour("lfmap"), lw=1.5,
                                 label="lfmap with uint64_t keys (the reference)")], 2)
    figs.save(fig, "bytes-memory", "Byte-key maps: bytes per key held",
              caption=caption + "; bytes per key held (memory.held.bytes_per_key): a fresh process's resident "
              "anonymous memory after the map was created and loaded with the keys minus before (allocator "
              "purged; tables mapped directly included), workload %s, 1 thread, median of repetitions (they "
              "agree to the byte)" % wl, top=top)


def plot_caches(runs, figs, caption):
    """Per cache configuration: throughput and hit ratio at each thread
    count, held (and allocator) bytes per entry, allocations per operation."""
    cfgs = sorted({lr.cache_config(r) for r in runs.ok})
    ts = lr.threads_of(runs)
    cmaps = lr.maps_of(runs)
    by = {}
    for r in runs.ok:
        by.setdefault((lr.cache_config(r), r["threads"], r["map"]), []).append(r)
    fig, axes = plt.subplots(2, 2, figsize=(12, 7.6))
    panels = [
        (axes[0][0], "throughput (Mops/s, all threads)", lambda r: r["throughput_mops"], ts),
        (axes[0][1], "hit ratio", lambda r: (r.get("cache_result") or {}).get("hit_ratio"), ts),
        (axes[1][0], "bytes held per entry", lambda r: (r.get("cache_result") or {}).get("held_bytes_per_entry"),
         ts[:1]),
        (axes[1][1], "allocations per operation", lambda r: r.get("allocs_per_op"), ts)]
    for ax, ylabel, get, tsel in panels:
        k = len(cmaps) * len(tsel)
        wdt = 0.8 / k
        top_y = 0
        for ci, cfg in enumerate(cfgs):
            for mi, m in enumerate(cmaps):
                for ti, t in enumerate(tsel):
                    rs = by.get((cfg, t, m))
                    vals = [get(r) for r in rs or [] if get(r) is not None]
                    if not vals:
                        continue
                    y, lo, hi = errbar(vals)
                    x = ci + ((mi * len(tsel) + ti) - (k - 1) / 2) * wdt
                    if ylabel == "hit ratio":
                        ax.errorbar([x], [y], yerr=[[lo], [hi]], color=colour(m), capsize=2, ls="none",
                                    marker="o" if ti == 0 else "^", mfc=colour(m) if ti == 0 else "white", ms=5)
                    else:
                        bar(ax, x, y, wdt, m, ti, yerr=[[lo], [hi]])
                    if ylabel.startswith("bytes held"):
                        ab = lr.med([(r.get("cache_result") or {}).get("allocator_bytes_per_entry") for r in rs])
                        if ab is not None:
                            ax.plot([x - wdt / 2, x + wdt / 2], [ab, ab], color="black", lw=1.5)
                            top_y = max(top_y, ab)
                        ax.text(x, y + 4, "%.0f" % y, ha="center", va="bottom", fontsize=6.5, bbox=LABEL_BOX)
                    elif ylabel.startswith("allocations") and y < 0.0005:  # no bar to see
                        ax.text(x, 0, "0" if y == 0 else "~0", ha="center", va="bottom", fontsize=6.5)
                    top_y = max(top_y, y + hi)
        ax.set_xticks(range(len(cfgs)))
        ax.set_xticklabels([lr.fmt_cache_config(cfg).replace(", ", "\n") for cfg in cfgs], fontsize=8)
        ax.set_ylabel(ylabel + (", %d thread" % tsel[0] if len(tsel) == 1 else ""), fontsize=9)
        ax.grid(axis="y", alpha=0.3)
        if ylabel == "hit ratio":
            lows = [v for (cfg, t, m), rs in by.items() for v in [lr.med([get(r) for r in rs])] if v is not None]
            ax.set_ylim(max(0, (min(lows) if lows else 0) - 0.05), 1.0)
        else:
            ax.set_ylim(0, top_y * 1.12 if top_y else 1)
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    handles = [Patch(color=colour(m), label=m) for m in cmaps] + thread_handles(ts) + [
        Line2D([], [], color="black", lw=1.5, label="allocator bytes per entry")]
    top = legend_top(fig, handles, len(handles))
    figs.save(fig, "caches", "Caches: throughput, hit ratio, bytes per entry, allocations per operation",
              caption=caption + "; get-then-set-on-miss accesses (lfbench -w cache); median of %d repetitions, "
              "error bars min..max; hit ratio: solid circles %d thread(s), open triangles %s; bytes held per "
              "entry (cache_result.held_bytes_per_entry: fresh-process probe over the entries held) with "
              "cache_result.allocator_bytes_per_entry as a black tick; allocations per operation: jemalloc's "
              "request counters over operations" % (
                  max(r["repeat_count"] for r in runs.ok), ts[0], ", ".join(str(t) for t in ts[1:]) or "-"),
              top=top)


def bytes_main(paths, outdir, allow_partial):
    """--bytes: the byte-key map and cache figures of the given records."""
    try:
        runs = lr.load(paths)
    except lr.InputError as e:
        print("plot_harness: %s" % e, file=sys.stderr)
        return 2
    # The byte-key maps with the u64 lfmap, their reference (no other u64 map).
    has_bytes = any(lr.key_kind(r) == "bytes" for r in runs.ok)

    def in_bytes(r):
        return has_bytes and r.get("status") == "ok" and (
            lr.key_kind(r) == "bytes" or (lr.key_kind(r) == "u64" and r["map"] == "lfmap"))
    byte = lr.subset(runs, in_bytes)
    cache = lr.subset(runs, lambda r: lr.key_kind(r) == "cache")
    if not byte.ok and not cache.ok:
        print("plot_harness: %s: no byte-key or cache records (workload.keys.kind \"bytes\" or \"cache\")"
              % ", ".join(paths), file=sys.stderr)
        return 2
    miss = lr.missing(byte) if byte.ok else []
    for cfg in sorted({lr.cache_config(r) for r in cache.ok}):
        one = lr.subset(cache, lambda r: lr.cache_config(r) == cfg)
        miss += ["cache %s: %s" % (lr.fmt_cache_config(cfg), x) for x in lr.missing(one)]
    if miss and not allow_partial:
        print("plot_harness: the records do not fill their own matrix; %d cell(s) missing:" % len(miss),
              file=sys.stderr)
        for m in miss[:40]:
            print("    " + m, file=sys.stderr)
        print("plot_harness: rerun the missing points, or pass --allow-partial to plot anyway "
              "(the captions then list the holes)", file=sys.stderr)
        return 3
    part = ("; PARTIAL MATRIX, missing %d cell(s): %s" % (len(miss), "; ".join(miss[:6]) +
                                                          ("; ..." if len(miss) > 6 else ""))) if miss else ""
    import_matplotlib()
    os.makedirs(outdir, exist_ok=True)
    figs = Figures(outdir, "")
    notes = []
    if byte.ok:
        srcs = [f for f in runs.files if any(in_bytes(r) for _, r in lr.records_of(f))]
        cap = bytes_caption(byte, srcs) + part
        figs.records = srcs
        if any(r["map"] == "lfmap" for r in byte.ok):
            plot_bytes_throughput(byte, figs, cap)
        else:
            print("plot_harness: no u64 lfmap records beside the byte-key maps' (lfbench -m lfmap,...-bytes): "
                  "no bytes-throughput figure", file=sys.stderr)
        plot_bytes_memory(byte, figs, cap)
    if cache.ok:
        srcs = [f for f in runs.files if any(lr.key_kind(r) == "cache" for _, r in lr.records_of(f))]
        figs.records = srcs
        plot_caches(cache, figs, bytes_caption(cache, srcs) + part)
        notes.append(("Cache configurations", "| configuration | records |\n|---|---|\n" + "\n".join(
            "| %s | %s |" % (lr.fmt_cache_config(cfg), ", ".join(sorted({
                lr.rel(f) for f in srcs for _, r in lr.records_of(f)
                if r.get("status") == "ok" and lr.cache_config(r) == cfg})))
            for cfg in sorted({lr.cache_config(r) for r in cache.ok}))))
    index = write_index(outdir, figs, notes, "lfmap byte-key maps and caches: %s"
                        % ", ".join(lr.rel(f) for f in runs.files))
    for _, ps, _ in figs.items:
        for p in ps:
            print(p)
    print("plot_harness: %d figures (PNG and SVG) in %s; open %s" % (len(figs.items), outdir, index))
    return 0


def md_to_html(md):
    """The small Markdown subset the tables use: pipe tables, **bold**, `code`, paragraphs."""
    import re

    def inline(s):
        s = html.escape(s)
        s = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", s)
        return re.sub(r"`(.+?)`", r"<code>\1</code>", s)
    out, table = [], []

    def flush():
        if not table:
            return
        out.append("<div class=\"tw\"><table>")
        for i, row in enumerate(table):
            if i == 1 and set(row.replace("|", "").strip()) <= set("-: "):
                continue
            tag = "th" if i == 0 else "td"
            cellz = [x.strip() for x in row.strip().strip("|").split("|")]
            out.append("<tr>" + "".join("<%s>%s</%s>" % (tag, inline(x), tag) for x in cellz) + "</tr>")
        out.append("</table></div>")
        table.clear()
    for line in md.split("\n"):
        if line.startswith("|"):
            table.append(line)
            continue
        flush()
        if line.strip():
            out.append("<p>%s</p>" % inline(line))
    flush()
    return "\n".join(out)


def write_index(outdir, figs, tables, title):
    """OUTDIR/index.html: every figure under its title with a link to the
    records it was drawn from; the caption (machine, commit, command) is in
    the image itself and is not repeated here."""
    parts = ["<!DOCTYPE html>", "<html><head><meta charset=\"utf-8\"><title>%s</title>" % html.escape(title),
             "<style>body{font-family:sans-serif;max-width:1200px;margin:auto;padding:0 8px}img{max-width:100%}"
             "h1{font-size:20px;overflow-wrap:anywhere}"
             ".tw{overflow-x:auto}table{border-collapse:collapse;font-size:11px}"
             "td,th{border:1px solid #ccc;padding:2px 4px}"
             ".rec{font-size:12px;color:#444;overflow-wrap:anywhere}</style></head><body>",
             "<h1>%s</h1>" % html.escape(title),
             "<p class=\"rec\">Each figure's caption, at its foot, names the machine, the commit, the command "
             "and the records; the SVG behind each image has the same content.</p>"]
    parts.append("<h2>Figures</h2>")
    for t, paths, records in figs.items:
        png = os.path.basename(paths[0])
        svg = [os.path.basename(p) for p in paths if p.endswith(".svg")]
        parts.append("<h3>%s</h3><a href=\"%s\"><img src=\"%s\" alt=\"%s\"></a>" % (
            html.escape(t), html.escape(svg[0] if svg else png), html.escape(png), html.escape(t)))
        if records:
            parts.append("<p class=\"rec\">records: %s</p>" % ", ".join(
                "<a href=\"%s\">%s</a>" % (html.escape(os.path.relpath(os.path.abspath(r), os.path.abspath(outdir))),
                                           html.escape(lr.rel(r))) for r in records))
    if tables:
        parts.append("<h2>Tables</h2>")
    for name, md in tables:
        parts.append("<h3>%s</h3>" % html.escape(name))
        parts.append(md_to_html(md))
    parts.append("</body></html>")
    path = os.path.join(outdir, "index.html")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(parts) + "\n")
    return path


def microbench_only(path, outdir):
    """Figures and index of a Google Benchmark JSON file alone (make microbench)."""
    try:
        lr.load_microbench(path)
    except lr.InputError as e:
        print("plot_harness: %s" % e, file=sys.stderr)
        return 2
    import_matplotlib()
    os.makedirs(outdir, exist_ok=True)
    figs = Figures(outdir, "records %s" % lr.rel(path), records=[path])
    plot_microbench(path, figs)
    index = write_index(outdir, figs, [("Micro-benchmarks", lr.table_microbench(path, lr.rel(path)))],
                        "lfmap micro-benchmarks: %s" % lr.rel(path))
    print("plot_harness: %d figures (PNG and SVG) in %s; open %s" % (len(figs.items), outdir, index))
    return 0


def main():
    ap = argparse.ArgumentParser(description="Figures of the experiments harness from lfbench records.")
    ap.add_argument("results", nargs="*", help="results directories or runs.jsonl files")
    ap.add_argument("-o", "--out", default=None, help="output directory (default results/harness/figures/)")
    ap.add_argument("--allow-partial", action="store_true",
                    help="plot a matrix with missing cells (the captions list them)")
    ap.add_argument("--growth", help="bench_first JSON lines (default RESULTS/first.jsonl)")
    ap.add_argument("--microbench", help="Google Benchmark JSON (default RESULTS/microbench.json)")
    ap.add_argument("--bytes", action="store_true",
                    help="the byte-key map and cache figures (bytes-throughput, bytes-memory, caches) of the "
                    "given records, by default those %s names (default OUTDIR results/bytes/figures/)"
                    % BYTES_INPUTS)
    a = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if a.bytes:
        results = a.results
        if not results:
            try:
                results = lr.paths_listed(BYTES_INPUTS, root)
            except lr.InputError as e:
                print("plot_harness: %s" % e, file=sys.stderr)
                return 2
        return bytes_main(results, a.out or os.path.join(root, "results", "bytes", "figures"), a.allow_partial)
    outdir = a.out or os.path.join(root, "results", "harness", "figures")
    if not a.results:
        if not a.microbench:
            ap.error("give a results directory or runs.jsonl file (or --microbench FILE alone)")
        return microbench_only(a.microbench, outdir)
    try:
        runs = lr.load(a.results)
    except lr.InputError as e:
        print("plot_harness: %s" % e, file=sys.stderr)
        return 2
    miss = lr.missing(runs)
    if miss and not a.allow_partial:
        print("plot_harness: the records do not fill their own matrix; %d cell(s) missing:" % len(miss),
              file=sys.stderr)
        for m in miss[:40]:
            print("    " + m, file=sys.stderr)
        if len(miss) > 40:
            print("    ... and %d more" % (len(miss) - 40), file=sys.stderr)
        print("plot_harness: rerun the missing points, or pass --allow-partial to plot anyway "
              "(the captions then list the holes)", file=sys.stderr)
        return 3
    first_dir = next((p for p in a.results if os.path.isdir(p)), None)
    command = lr.command_for(first_dir)[:400] if first_dir else ""
    caption = lr.env_line(runs) + "; command: " + (command or "lfbench (command not recorded)")
    if miss:
        caption += "; PARTIAL MATRIX, missing %d cell(s): %s" % (
            len(miss), "; ".join(miss[:6]) + ("; ..." if len(miss) > 6 else ""))
    import_matplotlib()
    os.makedirs(outdir, exist_ok=True)
    figs = Figures(outdir, caption + "; records " + ", ".join(lr.rel(f) for f in runs.files), records=runs.files)
    c = lr.cells(runs)
    for w in lr.workloads_of(runs):
        plot_throughput(runs, figs, w, c)
        plot_latency(runs, figs, w, c)
        plot_memory(runs, figs, w, c)

    growth = a.growth or (os.path.join(first_dir, "first.jsonl") if first_dir else None)
    notes = []
    if growth and os.path.isfile(growth):
        import plot_first
        try:
            grecs = plot_first.load(growth)
        except ValueError as e:
            print("plot_harness: %s: not valid JSON lines (%s)" % (growth, e), file=sys.stderr)
            return 2
        gcap = plot_first.caption_of(grecs) + "; bench_first records " + lr.rel(growth)
        paths = plot_first.plot_growth(grecs, os.path.join(outdir, "growth"), gcap, FORMATS)
        if paths:
            figs.items.append(("Insert latency while lfmap grows, incremental vs stop-the-world", paths, [growth]))
            notes.append(("Growth (bench_first)", plot_first.growth_markdown(plot_first.growth_table(grecs))))
        else:
            print("plot_harness: %s holds no growth records; no growth figure" % growth, file=sys.stderr)
    elif a.growth:
        print("plot_harness: %s: no such file" % a.growth, file=sys.stderr)
        return 2
    else:
        print("plot_harness: no first.jsonl next to the records; no growth figure (--growth FILE)",
              file=sys.stderr)

    mb = a.microbench or (os.path.join(first_dir, "microbench.json") if first_dir else None)
    if mb and os.path.isfile(mb):
        try:
            plot_microbench(mb, figs)
            notes.append(("Micro-benchmarks", lr.table_microbench(mb, lr.rel(mb))))
        except lr.InputError as e:
            print("plot_harness: %s" % e, file=sys.stderr)
            return 2
    elif a.microbench:
        print("plot_harness: %s: no such file" % a.microbench, file=sys.stderr)
        return 2

    source = ", ".join(lr.rel(f) for f in runs.files)
    tables = [("Throughput and p99 (workload x map)", lr.tables_all(runs, source)),
              ("Memory", lr.table_memory(runs)),
              ("The brief's claims: the numbers", lr.table_claims(runs))] + notes
    index = write_index(outdir, figs, tables, "lfmap experiments: %s" % source)
    for _, paths, _ in figs.items:
        for p in paths:
            print(p)
    print("plot_harness: %d figures (PNG and SVG) in %s; open %s" % (len(figs.items), outdir, index))
    return 0


if __name__ == "__main__":
    sys.exit(main())
