# SPDX-License-Identifier: LGPL-2.1-or-later
"""Reading lfbench records (experiments/RESULTS-SCHEMA.md) for the figures
and the tables of paper-notes.md: loading with clear errors, the matrix the
records imply and what is missing from it, medians and spreads, and the
Markdown tables.  Standard library only (scripts/update_notes_tables.py
runs without matplotlib); scripts/plot_harness.py imports it too.
"""
import json
import os
import statistics
from collections import OrderedDict, defaultdict

SCHEMA = "lfbench/1"
# Fields every successful run record must have (dotted paths), and every
# skip record (status failed_check / run_failed).
REQUIRED_OK = ["map", "repeat_index", "repeat_count", "workload", "workload.name",
               "workload.kind", "workload.initial", "threads", "throughput_mops",
               "latency_ns", "memory", "env"]
REQUIRED_SKIP = ["map", "reason"]
# Maps whose adapter limits the thread count (max_threads in
# experiments/lfbench/maps/map_NAME.c): lfbench runs them only up to it, so
# their absence at more threads is not a hole in the matrix.
MAX_THREADS = {"plain": 1}
# maps.def order, so that tables and legends always list maps alike.
MAP_ORDER = ["lfmap", "mutex", "rwlock", "striped", "readmostly", "cow", "lfht", "cuckoo",
             "tbb", "ckht", "plain"]
WORKLOAD_ORDER = ["95/5", "50/50", "10/90", "hotkeys", "bulkload-growing", "bulkload-presized"]


class InputError(Exception):
    """Missing, empty or malformed input: the message says which and where."""


def runs_file(path):
    """A results directory (holding runs.jsonl) or a JSON-lines file."""
    if not os.path.exists(path):
        raise InputError("%s: no such file or directory" % path)
    if os.path.isdir(path):
        f = os.path.join(path, "runs.jsonl")
        if not os.path.isfile(f):
            raise InputError("%s: directory without runs.jsonl (lfbench -o DIR/runs.jsonl writes it)" % path)
        return f
    return path


def _get(r, dotted):
    cur = r
    for part in dotted.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return KeyError
        cur = cur[part]
    return cur


class Runs:
    def __init__(self):
        self.ok = []        # successful runs
        self.skipped = []   # failed_check / run_failed records
        self.files = []

    @property
    def env(self):
        return self.ok[0]["env"] if self.ok else {}


def load(paths):
    """Loads and checks every record of the given files or directories."""
    runs = Runs()
    for p in paths:
        path = runs_file(p)
        runs.files.append(path)
        n = 0
        try:
            f = open(path, encoding="utf-8")
        except OSError as e:
            raise InputError("%s: cannot read: %s" % (path, e.strerror))
        with f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                n += 1
                try:
                    r = json.loads(line)
                except json.JSONDecodeError as e:
                    raise InputError("%s:%d: not valid JSON (%s at column %d)" % (path, lineno, e.msg, e.colno))
                if not isinstance(r, dict):
                    raise InputError("%s:%d: a record must be a JSON object" % (path, lineno))
                if r.get("schema") != SCHEMA:
                    raise InputError("%s:%d: schema %r, expected %r (experiments/RESULTS-SCHEMA.md)"
                                     % (path, lineno, r.get("schema"), SCHEMA))
                status = r.get("status")
                if status is None:
                    raise InputError("%s:%d: record lacks field 'status'" % (path, lineno))
                required = REQUIRED_OK if status == "ok" else REQUIRED_SKIP
                for field in required:
                    v = _get(r, field)
                    if v is KeyError or v is None:
                        raise InputError("%s:%d: record (map %s) lacks field '%s'"
                                         % (path, lineno, r.get("map", "?"), field))
                # A --scheme series (lfmap/ck-hp) is a map of its own in
                # every figure and table.
                if isinstance(r.get("series"), str) and r["series"] != r.get("map"):
                    r["map"] = r["series"]
                if status == "ok":
                    if not isinstance(r["throughput_mops"], (int, float)) or not isinstance(r["threads"], int):
                        raise InputError("%s:%d: throughput_mops must be a number and threads an integer"
                                         % (path, lineno))
                    runs.ok.append(r)
                else:
                    runs.skipped.append(r)
        if n == 0:
            raise InputError("%s: no records (empty file)" % path)
    if not runs.ok:
        raise InputError("%s: no successful run (status \"ok\") in %d record(s)"
                         % (", ".join(runs.files), len(runs.skipped)))
    return runs


def label(r):
    w = r["workload"]
    if w["kind"] == "bulkload":
        return "bulkload-" + ("presized" if w.get("presized") else "growing")
    return w["name"]


def _ordered(values, order):
    values = set(values)
    known = [v for v in order if v in values]
    return known + sorted(values - set(known), key=str)


def maps_of(runs):
    return _ordered((r["map"] for r in runs.ok), MAP_ORDER)


def workloads_of(runs):
    return _ordered((label(r) for r in runs.ok), WORKLOAD_ORDER)


def sizes_of(runs):
    return sorted({r["workload"]["initial"] for r in runs.ok})


def threads_of(runs):
    return sorted({r["threads"] for r in runs.ok})


def cells(runs):
    """(workload label, initial, threads, map) -> [records]."""
    out = defaultdict(list)
    for r in runs.ok:
        out[(label(r), r["workload"]["initial"], r["threads"], r["map"])].append(r)
    return out


def runs_at(m, threads):
    lim = MAX_THREADS.get(m)
    return lim is None or threads <= lim


def missing(runs):
    """Every (map, workload, size, threads) cell that the records' own
    configuration implies (every map x workload x size x thread count seen,
    repeat_count repetitions each) but that has fewer records."""
    c = cells(runs)
    want = max(r["repeat_count"] for r in runs.ok)
    out = []
    for w in workloads_of(runs):
        for size in sizes_of(runs):
            for t in threads_of(runs):
                for m in maps_of(runs):
                    if not runs_at(m, t):
                        continue
                    got = len({r["repeat_index"] for r in c.get((w, size, t, m), [])})
                    if got < want:
                        out.append("%s %s %s keys %d thread(s): %d of %d repetition(s)"
                                   % (m, w, fmt_keys(size), t, got, want))
    return out


def fmt_keys(n):
    """1e4 for 10000, 2e6 for 2000000, otherwise the number."""
    s = str(n)
    if n >= 1000 and s[1:] == "0" * (len(s) - 1):
        return "%se%d" % (s[0], len(s) - 1)
    return s


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def spread(values):
    values = [v for v in values if v is not None]
    return (min(values), max(values)) if values else (None, None)


def lat(r, kind, q):
    l = r["latency_ns"].get(kind)
    return l.get(q) if l else None


def env_line(runs):
    """One caption line: machine and commit(s) of the records."""
    e = runs.env
    shas = sorted({(r["env"].get("git_sha") or "?")[:7] + ("-dirty" if r["env"].get("git_dirty") else "")
                   for r in runs.ok})
    maps = {r.get("map") for r in runs.ok}
    linked = ("; series lfmap: the shared library (liblfmap.so) as a program links it, through the PLT, no LTO"
              if "lfmap" in maps else "")
    if "lfmap-static" in maps:
        linked += "; lfmap-static: liblfmap.a, no LTO"
    return ("host %s, %s, %s CPUs, %s NUMA node(s), kernel %s; %s %s; allocator %s; commit %s%s"
            % (e.get("hostname"), e.get("cpu_model"), e.get("nproc_online"), e.get("numa_nodes"),
               (e.get("kernel") or "?").split(" #")[0], e.get("compiler"), e.get("compiler_version"),
               runs.ok[0].get("allocator"), ", ".join(shas), linked))


def rel(path):
    """A path relative to the repository root when it lies inside it."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    p = os.path.abspath(path)
    return os.path.relpath(p, root) if p.startswith(root + os.sep) else path


# ------------------------------------------------------------------ tables

def _num(v, digits):
    return "-" if v is None else ("%.*f" % (digits, v))


def table_main(runs, size, threads):
    """The brief's shape: workload x map, median throughput (Mops/s) and
    median p99 read / write latency (ns); the best throughput in bold."""
    c = cells(runs)
    ms = [m for m in maps_of(runs) if runs_at(m, threads)]
    lines = ["| workload | " + " | ".join(ms) + " |", "|---" * (len(ms) + 1) + "|"]
    for w in workloads_of(runs):
        tps = {m: med([r["throughput_mops"] for r in c.get((w, size, threads, m), [])]) for m in ms}
        best = max((v for v in tps.values() if v is not None), default=None)
        row = []
        for m in ms:
            rs = c.get((w, size, threads, m), [])
            if not rs:
                row.append("-")
                continue
            tp = "%.2f" % tps[m]
            if tps[m] == best:
                tp = "**%s**" % tp
            cut = "" if all(r.get("completed", True) for r in rs) else " (capped)"
            row.append("%s%s (%s/%s)" % (tp, cut, _num(med([lat(r, "read", "p99") for r in rs]), 0),
                                         _num(med([lat(r, "write", "p99") for r in rs]), 0)))
        lines.append("| %s | %s |" % (w, " | ".join(row)))
    return "\n".join(lines)


def tables_all(runs, source):
    reps = max(r["repeat_count"] for r in runs.ok)
    out = ["Generated by `scripts/update_notes_tables.py` from `%s` (%d runs); do not edit by hand."
           % (source, len(runs.ok)),
           "", "Machine: %s." % env_line(runs), "",
           "Cells: median throughput in Mops/s over %d repetition(s) (best of the row in bold), then "
           "(median p99 read / p99 write latency in ns, sampled, timer overhead subtracted)." % reps]
    sizes, threads = sizes_of(runs), threads_of(runs)
    # The brief's table first: its key space (the smallest size), most threads.
    order = sorted(((s, t) for s in sizes for t in threads), key=lambda st: (st[0] != sizes[0], -st[1], st[0]))
    for s, t in order:
        out += ["", "**%s keys, %d thread(s)**" % (fmt_keys(s), t), "", table_main(runs, s, t)]
    miss = missing(runs)
    if miss:
        out += ["", "Missing from the matrix (%d cells): %s." % (len(miss), "; ".join(miss[:12])
                                                                 + ("; ..." if len(miss) > 12 else ""))]
    for r in runs.skipped:
        out += ["", "Skipped: %s: %s: %s" % (r["map"], r["status"], r["reason"])]
    return "\n".join(out)


def memory_rows(runs, workload="95/5"):
    """map -> {size: (bytes/key allocated, bytes/key rss, rss end MiB)} at 1 thread."""
    c = cells(runs)
    out = OrderedDict()
    for m in maps_of(runs):
        for s in sizes_of(runs):
            rs = c.get((workload, s, 1, m), [])
            if not rs:
                continue
            out.setdefault(m, {})[s] = (
                med([r["memory"].get("bytes_per_key_allocated") for r in rs]),
                med([r["memory"].get("bytes_per_key_rss") for r in rs]),
                med([(r["memory"].get("end") or {}).get("rss") for r in rs]))
    return out


def table_memory(runs):
    wl = "95/5" if "95/5" in workloads_of(runs) else workloads_of(runs)[0]
    rows = memory_rows(runs, wl)
    sizes = sizes_of(runs)
    head = ["| map | " + " | ".join("%s keys: B/key alloc, B/key RSS, RSS MiB" % fmt_keys(s) for s in sizes) + " |",
            "|---" * (len(sizes) + 1) + "|"]
    for m, by in rows.items():
        cellz = []
        for s in sizes:
            v = by.get(s)
            cellz.append("-" if not v else "%s, %s, %s" % (
                _num(v[0], 1), _num(v[1], 1), _num(v[2] / 2 ** 20 if v[2] is not None else None, 1)))
        head.append("| %s | %s |" % (m, " | ".join(cellz)))
    return ("Memory at the end of the %s runs at 1 thread (median): bytes per key from the allocator's "
            "count and from RSS, (end - before the map was created) / final keys, and the process RSS at "
            "the end.  jemalloc counts allocations it serves; tables mapped directly (lfmap's large "
            "tables) show in RSS only.\n\n" % wl) + "\n".join(head)


def best_map(runs, w, size, threads):
    c = cells(runs)
    tps = [(med([r["throughput_mops"] for r in c[(w, size, threads, m)]]), m)
           for m in maps_of(runs) if (w, size, threads, m) in c]
    tps.sort(reverse=True)
    return tps


def table_claims(runs):
    """The numbers each of the brief's claims is judged by."""
    sizes, threads = sizes_of(runs), threads_of(runs)
    s, t = sizes[0], threads[-1]
    c = cells(runs)
    ws = workloads_of(runs)

    def tp(w, m, size=s, th=t):
        return med([r["throughput_mops"] for r in c.get((w, size, th, m), [])])

    def p99(w, m, kind, size=s, th=t):
        return med([lat(r, kind, "p99") for r in c.get((w, size, th, m), [])])

    lines = ["Numbers at %s keys and %d threads (the brief's key space, the most threads measured); "
             "median of the repetitions." % (fmt_keys(s), t), "",
             "| claim | measured here |", "|---|---|"]

    def ranking(w):
        order = best_map(runs, w, s, t)
        return ", ".join("%s %.2f" % (m, v) for v, m in order[:4]) + (" ... " if len(order) > 4 else "")

    for w, who in (("95/5", "readmostly"), ("50/50", "rwlock"), ("10/90", "lfmap")):
        claim = {"95/5": "readmostly best", "50/50": "rwlock best and steadiest", "10/90": "the lock-free map (lfmap) best"}[w]
        if w not in ws:
            lines.append("| %s: %s | not measured here |" % (w, claim))
            continue
        order = best_map(runs, w, s, t)
        rank = [m for _, m in order].index(who) + 1 if who in [m for _, m in order] else None
        lines.append("| %s: %s | top Mops/s: %s; %s ranks %s of %d (%s Mops/s, p99 read/write %s/%s ns) |"
                     % (w, claim, ranking(w), who, rank, len(order), _num(tp(w, who), 2),
                        _num(p99(w, who, "read"), 0), _num(p99(w, who, "write"), 0)))
    if "hotkeys" in ws:
        rm, mx = tp("hotkeys", "readmostly"), tp("hotkeys", "mutex")
        ratio = (mx / rm) if rm and mx else None
        lines.append("| hotkeys: readmostly ~5x slower than mutex | readmostly %s, mutex %s Mops/s: mutex/readmostly "
                     "= %s |" % (_num(rm, 2), _num(mx, 2), _num(ratio, 2)))
    if "10/90" in ws:
        lf = tp("10/90", "lfmap")
        others = [(tp("10/90", m), m) for m in maps_of(runs) if m != "lfmap" and runs_at(m, t) and tp("10/90", m)]
        if lf and others:
            v, m = max(others)
            lines.append("| lock-free best under write-heavy load | 10/90: lfmap %.2f Mops/s, best other %s %.2f "
                         "(ratio %.2f) |" % (lf, m, v, lf / v))
    mem = memory_rows(runs)
    big = sizes[-1]
    if "lfmap" in mem and big in mem["lfmap"]:
        parts = ["%s %s/%s" % (m, _num(by[big][0], 1), _num(by[big][1], 1)) for m, by in mem.items() if big in by]
        lines.append("| lock-free map uses more memory | bytes per key at %s keys, 95/5, 1 thread, allocator / RSS "
                     "(tables mapped directly show in RSS only): %s |" % (fmt_keys(big), ", ".join(parts)))
    return "\n".join(lines)


# --------------------------------------------------------------- microbench

def load_microbench(path):
    """Google Benchmark JSON (--benchmark_out) -> list of dicts
    {op, map, threads, ips, ns_per_op, error}."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except json.JSONDecodeError as e:
        raise InputError("%s: not valid JSON (%s at line %d)" % (path, e.msg, e.lineno))
    except OSError as e:
        raise InputError("%s: cannot read: %s" % (path, e.strerror))
    if not isinstance(doc, dict) or not isinstance(doc.get("benchmarks"), list):
        raise InputError("%s: no 'benchmarks' list (not a --benchmark_out JSON file?)" % path)
    out = []
    for b in doc["benchmarks"]:
        if b.get("run_type", "iteration") != "iteration":
            continue
        parts = b.get("name", "").split("/")
        if len(parts) < 2:
            raise InputError("%s: benchmark name %r is not OP/MAP/..." % (path, b.get("name")))
        ips = b.get("items_per_second")
        threads = b.get("threads", 1)
        out.append({"op": parts[0], "map": parts[1], "threads": threads, "ips": ips,
                    "ns_per_op": (1e9 * threads / ips) if ips else None,
                    "error": b.get("error_message") if b.get("error_occurred") else None})
    if not out:
        raise InputError("%s: no benchmark results" % path)
    return doc.get("context", {}), out


MICRO_OPS = ["get_hit", "get_miss", "insert", "remove", "put", "cas"]


def table_microbench(path, source):
    ctx, rows = load_microbench(path)
    ops = _ordered((r["op"] for r in rows), MICRO_OPS)
    maps = _ordered((r["map"] for r in rows), MAP_ORDER)
    threads = sorted({r["threads"] for r in rows})
    by = {(r["op"], r["map"], r["threads"]): r for r in rows}
    out = ["Generated from `%s` (Google Benchmark, real time): ns per operation at 1 thread, then "
           "total Mops/s at %s thread(s)." % (source, "/".join(str(t) for t in threads[1:]) or "no other"), "",
           "| map | " + " | ".join(ops) + " |", "|---" * (len(ops) + 1) + "|"]
    for m in maps:
        row = []
        for op in ops:
            vals = []
            one = by.get((op, m, 1))
            vals.append("-" if not one else ("error" if one["error"] else _num(one["ns_per_op"], 1) + " ns"))
            for t in threads[1:]:
                r = by.get((op, m, t))
                if r and not r["error"] and r["ips"]:
                    vals.append("%.3g" % (r["ips"] / 1e6))
            row.append(" / ".join(vals))
        out.append("| %s | %s |" % (m, " | ".join(row)))
    return "\n".join(out)
