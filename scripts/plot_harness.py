#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Figures of the experiments harness, from raw lfbench records.

    scripts/plot_harness.py RESULTS... [-o OUTDIR] [--allow-partial]
                            [--growth FIRST.jsonl] [--microbench MB.json]

RESULTS: results directories (runs.jsonl; also first.jsonl from bench_first
and microbench.json from Google Benchmark when present, command.txt for the
captions) or runs.jsonl files.  Writes into OUTDIR (default figures/), as
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


# One colour per map, the same in every figure (maps.def order).
COLOURS = {"lfmap": "#d62728", "mutex": "#7f7f7f", "rwlock": "#8c564b", "striped": "#bcbd22",
           "readmostly": "#17becf", "cow": "#e377c2", "lfht": "#1f77b4", "cuckoo": "#2ca02c",
           "tbb": "#ff7f0e", "ckht": "#9467bd", "plain": "#000000"}
EXTRA = ["#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#5254a3", "#8ca252"]
MARKERS = {"lfmap": "o", "plain": "x"}
FORMATS = ("png", "svg")


def colour(m):
    m = lr.GO_ANALOGUE.get(m, m)
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
    def __init__(self, outdir, caption):
        self.outdir = outdir
        self.caption = caption
        self.items = []  # (title, [paths], caption)

    def save(self, fig, name, title, extra="", caption=None):
        cap = caption if caption is not None else self.caption + (("; " + extra) if extra else "")
        fig.text(0.005, 0.005, cap, fontsize=6.5, ha="left", va="bottom", wrap=True)
        fig.tight_layout(rect=(0, 0.07, 1, 1))
        paths = []
        for fmt in FORMATS:
            p = os.path.join(self.outdir, "%s.%s" % (name, fmt))
            fig.savefig(p, dpi=110, metadata={"Date": None} if fmt == "svg" else None)
            paths.append(p)
        plt.close(fig)
        self.items.append((title, paths, cap))


def errbar(values):
    m = lr.med(values)
    lo, hi = lr.spread(values)
    return m, (m - lo if m is not None else 0), (hi - m if m is not None else 0)


def plot_throughput(runs, figs, w, c):
    sizes = lr.sizes_of(runs)
    fig, axes = plt.subplots(1, len(sizes), figsize=(5.2 * len(sizes), 4.2), squeeze=False)
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
    axes[0][-1].legend(fontsize=7, ncol=2)
    figs.save(fig, "throughput-" + slug(w), "Throughput against threads, workload %s" % w,
              "median of repetitions, error bars min..max")


def plot_latency(runs, figs, w, c):
    sizes = lr.sizes_of(runs)
    t = lr.threads_of(runs)[-1]
    maps = [m for m in lr.maps_of(runs) if any(c.get((w, s, t, m)) for s in sizes)]
    kinds = [k for k in ("read", "write") if any(lr.lat(r, k, "p50") is not None
                                                  for s in sizes for m in maps for r in c.get((w, s, t, m), []))]
    if not kinds or not maps:
        return
    qs = [("p50", "p50"), ("p99", "p99"), ("p99_9", "p99.9")]
    fig, axes = plt.subplots(len(kinds), len(sizes), figsize=(6 * len(sizes), 3.3 * len(kinds)), squeeze=False)
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
            ax.set_yscale("log")
            ax.set_xticks([j + 0.4 - width / 2 for j in range(len(qs))])
            ax.set_xticklabels([n for _, n in qs])
            ax.set_ylabel("%s latency (ns, log)" % kind)
            ax.set_title("%s %ss, %s keys, %d thread(s)" % (w, kind, lr.fmt_keys(s), t), fontsize=9)
            ax.grid(axis="y", alpha=0.3)
    axes[0][-1].legend(fontsize=6, ncol=3)
    absent = [m for m in lr.maps_of(runs) if m not in maps]
    figs.save(fig, "latency-" + slug(w), "Latency percentiles of reads and writes, workload %s" % w,
              "sampled latencies at %d thread(s); median of repetitions, error bars min..max%s" % (
                  t, ("; absent at %d threads: %s" % (t, ", ".join(absent))) if absent else ""))


def plot_memory(runs, figs, w, c):
    sizes = lr.sizes_of(runs)
    maps = [m for m in lr.maps_of(runs) if any(c.get((w, s, 1, m)) for s in sizes)]
    if not maps:
        return
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    width = 0.8 / len(maps)
    for ai, (label, get) in enumerate([
            ("bytes per key held (every byte: fresh-process probe)", lr.held_per_key),
            ("allocations per operation (during the run)", lambda r: r.get("allocs_per_op"))]):
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
        ax.set_yscale("symlog", linthresh=0.01) if ai == 1 else ax.set_yscale("log")
        ax.grid(axis="y", alpha=0.3)
    axes[1].legend(fontsize=7, ncol=2)
    fig.suptitle("Memory and allocation per map, workload %s, 1 thread" % w, fontsize=10)
    figs.save(fig, "memory-" + slug(w), "Memory per key and allocations per operation, workload %s" % w,
              "1 thread; bytes per key held: a fresh process's resident anonymous memory after the map was "
              "created and loaded with the -i keys minus before (allocator purged / Go garbage collected; "
              "tables mapped directly included, never negative); allocations per operation: jemalloc's "
              "request counters (C) or runtime.MemStats.Mallocs (Go) over the run; median of repetitions, "
              "error bars min..max")


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
    fig, ax = plt.subplots(figsize=(11, 4.2))
    width = 0.8 / len(maps)
    for mi, m in enumerate(maps):
        ys = [(by.get((op, m, 1)) or {}).get("ns_per_op") or 0 for op in ops]
        ax.bar([j + mi * width for j in range(len(ops))], ys, width, color=colour(m), label=m)
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(ops))])
    ax.set_xticklabels(ops)
    ax.set_yscale("log")
    ax.set_ylabel("time per operation, 1 thread (ns, log)")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=7, ncol=4)
    ax.set_title("Per-operation cost through the adapter interface (1 thread)", fontsize=10)
    missing = sorted({"%s/%s" % (op, m) for op in ops for m in maps if (op, m, 1) not in by})
    figs.save(fig, "microbench-ns", "Micro-benchmarks: time per operation, 1 thread",
              caption=cap + ("; not run: " + ", ".join(missing) if missing else ""))
    if len(threads) > 1:
        fig, axes = plt.subplots(1, len(ops), figsize=(3.2 * len(ops), 3.6), squeeze=False)
        for ax, op in zip(axes[0], ops):
            for m in maps:
                pts = [(t, by[(op, m, t)]["ips"] / 1e6) for t in threads
                       if (op, m, t) in by and by[(op, m, t)]["ips"]]
                if pts:
                    ax.plot([p[0] for p in pts], [p[1] for p in pts], marker=MARKERS.get(m, "."),
                            color=colour(m), label=m)
            ax.set_title(op, fontsize=9)
            ax.set_xlabel("threads")
            ax.set_xticks(threads)
            ax.set_yscale("log")
            ax.grid(alpha=0.3)
        axes[0][0].set_ylabel("operations (M/s, all threads, log)")
        axes[0][-1].legend(fontsize=6)
        figs.save(fig, "microbench-threads", "Micro-benchmarks: operations per second against threads", caption=cap)


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
        out.append("<table>")
        for i, row in enumerate(table):
            if i == 1 and set(row.replace("|", "").strip()) <= set("-: "):
                continue
            tag = "th" if i == 0 else "td"
            cellz = [x.strip() for x in row.strip().strip("|").split("|")]
            out.append("<tr>" + "".join("<%s>%s</%s>" % (tag, inline(x), tag) for x in cellz) + "</tr>")
        out.append("</table>")
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
    parts = ["<!DOCTYPE html>", "<html><head><meta charset=\"utf-8\"><title>%s</title>" % html.escape(title),
             "<style>body{font-family:sans-serif;max-width:1200px;margin:auto}img{max-width:100%}"
             "table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:2px 5px}"
             ".cap{font-size:12px;color:#444}</style></head><body>",
             "<h1>%s</h1>" % html.escape(title)]
    parts.append("<h2>Figures</h2>")
    for t, paths, cap in figs.items:
        png = os.path.basename(paths[0])
        svg = [os.path.basename(p) for p in paths if p.endswith(".svg")]
        parts.append("<h3>%s</h3><a href=\"%s\"><img src=\"%s\" alt=\"%s\"></a>" % (
            html.escape(t), html.escape(svg[0] if svg else png), html.escape(png), html.escape(t)))
        parts.append("<p class=\"cap\">%s</p>" % html.escape(cap))
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
    figs = Figures(outdir, "records %s" % lr.rel(path))
    plot_microbench(path, figs)
    index = write_index(outdir, figs, [("Micro-benchmarks", lr.table_microbench(path, lr.rel(path)))],
                        "lfmap micro-benchmarks: %s" % lr.rel(path))
    print("plot_harness: %d figures (PNG and SVG) in %s; open %s" % (len(figs.items), outdir, index))
    return 0


def main():
    ap = argparse.ArgumentParser(description="Figures of the experiments harness from lfbench records.")
    ap.add_argument("results", nargs="*", help="results directories or runs.jsonl files")
    ap.add_argument("-o", "--out", default=None, help="output directory (default figures/)")
    ap.add_argument("--allow-partial", action="store_true",
                    help="plot a matrix with missing cells (the captions list them)")
    ap.add_argument("--growth", help="bench_first JSON lines (default RESULTS/first.jsonl)")
    ap.add_argument("--microbench", help="Google Benchmark JSON (default RESULTS/microbench.json)")
    a = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    outdir = a.out or os.path.join(root, "figures")
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
    command = ""
    if first_dir and os.path.isfile(os.path.join(first_dir, "command.txt")):
        with open(os.path.join(first_dir, "command.txt"), encoding="utf-8") as f:
            command = " ".join(l.strip() for l in f if l.strip() and not l.startswith("#"))[:400]
    caption = lr.env_line(runs) + "; command: " + (command or "lfbench (command not recorded)")
    if miss:
        caption += "; PARTIAL MATRIX, missing %d cell(s): %s" % (
            len(miss), "; ".join(miss[:6]) + ("; ..." if len(miss) > 6 else ""))
    import_matplotlib()
    os.makedirs(outdir, exist_ok=True)
    figs = Figures(outdir, caption)
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
            figs.items.append(("Insert latency while lfmap grows, incremental vs stop-the-world", paths, gcap))
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
