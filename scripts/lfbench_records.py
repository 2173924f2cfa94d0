# SPDX-License-Identifier: LGPL-2.1-or-later
"""Reading lfbench records (experiments/RESULTS-SCHEMA.md) for the figures
and the tables of results/harness/tables.md: loading with clear errors, the matrix the
records imply and what is missing from it, medians and spreads, and the
Markdown tables.  Standard library only (scripts/update_notes_tables.py
runs without matplotlib); scripts/plot_harness.py imports it too.
"""
import json
import os
import statistics
import sys
from collections import OrderedDict, defaultdict

SCHEMA = "lfbench/1"
# Fields every successful run record must have (dotted paths), and every
# skip record (status failed_check / run_failed).
REQUIRED_OK = ["map", "repeat_index", "repeat_count", "workload", "workload.name",
               "workload.kind", "workload.initial", "threads", "throughput_mops",
               "latency_ns", "memory", "env"]
REQUIRED_SKIP = ["map", "reason"]
# Where the schema's fields are listed (its first table: one row per
# top-level field, the names in backquotes in the first column); validate()
# checks records against it, so the document and the check cannot drift.
SCHEMA_DOC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                          "experiments", "RESULTS-SCHEMA.md")
# Fields of that table that only skip records carry, and fields only one
# language's records carry.
SKIP_ONLY = {"reason"}
LANG_ONLY = {"go": "go"}
# Fields of that table that records written before they existed lack (Go
# records too): checked when present, never required.
NEWER = {"cache_result"}
KEY_KINDS = ("u64", "bytes", "cache")
# Maps whose adapter limits the thread count (max_threads in
# experiments/lfbench/maps/map_NAME.c): lfbench runs them only up to it, so
# their absence at more threads is not a hole in the matrix.
MAX_THREADS = {"plain": 1, "plain-locked": 1, "plain-bytes": 1}
# maps.def order, so that tables and legends always list maps alike.
MAP_ORDER = ["lfmap", "lfmap-static", "mutex", "rwlock", "striped", "readmostly", "cow", "lfht", "cuckoo",
             "tbb", "ckht", "plain", "plain-locked", "go-syncmap", "go-mutex", "go-rwmutex", "go-sharded", "go-cow",
             "lfmap-bytes", "mutex-bytes", "rwlock-bytes", "striped-bytes", "lfht-bytes", "cuckoo-bytes",
             "tbb-bytes", "plain-bytes", "lockmap-cache", "segring-cache", "lfmap-cache"]
# The Go map (experiments/go/maps.go) each C design re-implements: the
# figures draw a Go series in its C analogue's colour, dashed.
GO_ANALOGUE = {"go-syncmap": "readmostly", "go-mutex": "mutex", "go-rwmutex": "rwlock",
               "go-sharded": "striped", "go-cow": "cow"}
WORKLOAD_ORDER = ["95/5", "50/50", "10/90", "hotkeys", "hotkeys-churn", "hotkeys-churn-empty",
                  "bulkload-growing", "bulkload-presized"]


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


def lang(r):
    """"c" or "go" (records from before the field are C)."""
    return r.get("lang") or "c"


def schema_fields(doc=SCHEMA_DOC):
    """The top-level fields RESULTS-SCHEMA.md's first table lists."""
    import re
    fields = []
    with open(doc, encoding="utf-8") as f:
        in_table = False
        for line in f:
            if line.startswith("| field |"):
                in_table = True
                continue
            if in_table and not line.startswith("|"):
                break
            if in_table and not line.startswith("|---"):
                first = line.split("|")[1]
                fields += re.findall(r"`([a-z_0-9]+)`", first)
    if not fields:
        raise InputError("%s: no field table found" % doc)
    return fields


def validate(r, fields=None):
    """What a record lacks against RESULTS-SCHEMA.md (a list of messages,
    empty when it conforms): every field of the schema's table on a run
    record; lang "c" or "go"; numbers where numbers belong."""
    fields = fields or schema_fields()
    problems = []
    if r.get("schema") != SCHEMA:
        problems.append("schema %r, expected %r" % (r.get("schema"), SCHEMA))
    if r.get("lang") not in ("c", "go"):
        problems.append("lang %r, expected \"c\" or \"go\"" % r.get("lang"))
    if r.get("status") != "ok":
        for f in REQUIRED_SKIP:
            if f not in r:
                problems.append("skip record lacks '%s'" % f)
        return problems
    for f in fields:
        if f in SKIP_ONLY or f in NEWER or (f in LANG_ONLY and LANG_ONLY[f] != r.get("lang")):
            continue
        if f not in r:
            problems.append("lacks field '%s'" % f)
    for f in REQUIRED_OK:
        if _get(r, f) in (KeyError, None):
            problems.append("lacks field '%s'" % f)
    for f in ("throughput_mops", "wall_s", "duration_s"):
        if not isinstance(r.get(f), (int, float)):
            problems.append("'%s' is not a number" % f)
    held = (r.get("memory") or {}).get("held")
    if held is not None and (not isinstance(held.get("bytes"), int) or held["bytes"] < 0):
        problems.append("memory.held.bytes %r is not a non-negative integer" % held.get("bytes"))
    problems += validate_keys(r)
    return problems


def _is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def validate_keys(r):
    """The byte-key and cache configuration (issue 19), when the record has
    it: workload.keys, workload.cache, workload.capacity and cache_result.
    Older records have none of them and pass."""
    problems = []
    w = r.get("workload") or {}
    if "capacity" in w and not (isinstance(w["capacity"], int) and w["capacity"] >= 0):
        problems.append("workload.capacity %r is not a non-negative integer" % w["capacity"])
    keys = w.get("keys")
    if keys is None:
        if "cache" in w or r.get("cache_result") is not None:
            problems.append("workload.cache or cache_result without workload.keys")
        return problems
    kind = keys.get("kind") if isinstance(keys, dict) else None
    if kind not in KEY_KINDS:
        return problems + ["workload.keys.kind %r, expected one of %s" % (kind, ", ".join(KEY_KINDS))]
    if kind != "u64":
        lo, hi = keys.get("len_min"), keys.get("len_max")
        if not (isinstance(lo, int) and isinstance(hi, int) and 0 < lo <= hi):
            problems.append("workload.keys: len_min %r / len_max %r are not lengths" % (lo, hi))
    cache, res = w.get("cache"), r.get("cache_result")
    if kind == "cache":
        if not isinstance(cache, dict):
            problems.append("a cache record lacks workload.cache")
        else:
            lo, hi = cache.get("value_min"), cache.get("value_max")
            if not (isinstance(lo, int) and isinstance(hi, int) and 0 < lo <= hi):
                problems.append("workload.cache: value_min %r / value_max %r are not lengths" % (lo, hi))
            if not _is_num(cache.get("ttl_s")) or cache["ttl_s"] < 0:
                problems.append("workload.cache.ttl_s %r is not a duration" % cache.get("ttl_s"))
        if not isinstance(res, dict):
            problems.append("a cache record lacks cache_result")
        else:
            hr = res.get("hit_ratio")
            if hr is not None and not (_is_num(hr) and 0 <= hr <= 1):
                problems.append("cache_result.hit_ratio %r is not a ratio" % hr)
            for f in ("entries", "evicted", "expired"):
                if not isinstance(res.get(f), int):
                    problems.append("cache_result.%s %r is not a count" % (f, res.get(f)))
    elif cache is not None or res is not None:
        problems.append("workload.cache / cache_result set on a record of %s keys" % kind)
    return problems


def records_of(path):
    """(line number, record) for every non-empty line of a JSON-lines file;
    InputError naming the line when one is not valid JSON or not an object.
    The one reader of JSON-lines records: scheme_records.py and
    speed_table.py use it too."""
    try:
        f = open(path, encoding="utf-8")
    except OSError as e:
        raise InputError("%s: cannot read: %s" % (path, e.strerror))
    with f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
            except json.JSONDecodeError as e:
                raise InputError("%s:%d: not valid JSON (%s at column %d)" % (path, lineno, e.msg, e.colno))
            if not isinstance(r, dict):
                raise InputError("%s:%d: a record must be a JSON object" % (path, lineno))
            yield lineno, r


def load(paths, profiled=False):
    """Loads and checks every record of the given files or directories.
    Records of a --profile-locks run (profile_locks: true) carry the
    profiler's cost in their throughput: refused unless profiled (and then
    only they are accepted), so that they never mix with throughput runs."""
    runs = Runs()
    for p in paths:
        path = runs_file(p)
        runs.files.append(path)
        n = 0
        for lineno, r in records_of(path):
            n += 1
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
            if bool(r.get("profile_locks")) != profiled:
                raise InputError("%s:%d: %s" % (path, lineno, (
                    "a --profile-locks record (its throughput includes the lock profiler): give "
                    "throughput runs, or read it as a profile" if not profiled else
                    "not a --profile-locks record")))
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


def key_kind(r):
    """"u64", "bytes" or "cache": the kind of keys a record's map was run
    with (workload.keys.kind; records from before byte keys are u64)."""
    return ((r.get("workload") or {}).get("keys") or {}).get("kind") or "u64"


def cache_config(r):
    """(capacity, value_min, value_max) of a cache record: the runs that
    share it are one configuration (two runs at one capacity with other
    value sizes are two)."""
    w = r["workload"]
    c = w.get("cache") or {}
    return (w.get("capacity") or w["initial"], c.get("value_min"), c.get("value_max"))


def fmt_cache_config(cfg):
    """'1e5 entries, 64-512 B values'."""
    cap, lo, hi = cfg
    vals = "?" if lo is None else ("%d B" % lo if lo == hi else "%d-%d B" % (lo, hi))
    return "%s entries, %s values" % (fmt_keys(cap), vals)


def subset(runs, keep):
    """A Runs of the successful records for which keep(record) is true
    (skip records and the file list carried over)."""
    out = Runs()
    out.ok = [r for r in runs.ok if keep(r)]
    out.skipped = list(runs.skipped)
    out.files = list(runs.files)
    return out


def command_for(path):
    """The command that wrote the records at path, from the command.txt
    beside them (scripts/reproduce.sh and the results/ directories keep
    one): for a directory, every command line of its command.txt; for a
    file, the last line naming the file (a rerun's line comes after the
    first run's), else every command line.  "" when there is none."""
    d = path if os.path.isdir(path) else os.path.dirname(path)
    f = os.path.join(d or ".", "command.txt")
    if not os.path.isfile(f):
        return ""
    with open(f, encoding="utf-8") as fh:
        lines = [l.strip() for l in fh if l.strip() and not l.startswith("#")]
    if not os.path.isdir(path):
        base = os.path.basename(path)
        named = [l for l in lines if any(t == base or t.endswith("/" + base) for t in l.split())]
        if named:
            line = named[-1]
            # "(rerun after ...) build/lfbench ...": the command itself
            if line.startswith("(") and ") " in line:
                line = line.split(") ", 1)[1]
            return line
    return " ".join(lines)


def paths_listed(listfile, root):
    """The paths a list file names, one a line relative to root (blank
    lines and # comments skipped); InputError when it names none."""
    f = os.path.join(root, listfile)
    try:
        with open(f, encoding="utf-8") as fh:
            out = [os.path.join(root, l.strip()) for l in fh if l.strip() and not l.lstrip().startswith("#")]
    except OSError as e:
        raise InputError("%s: cannot read: %s" % (listfile, e.strerror))
    if not out:
        raise InputError("%s: names no records" % listfile)
    return out


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


def held_per_key(r):
    """Every byte the map holds per key (memory.held, the fresh-process
    probe of experiments/lfbench/memprobe.h), or None."""
    h = (r.get("memory") or {}).get("held")
    return h.get("bytes_per_key") if h else None


def memory_rows(runs, workload="95/5", threads=1):
    """map -> {size: (held bytes/key, allocations per operation)}."""
    c = cells(runs)
    out = OrderedDict()
    for m in maps_of(runs):
        for s in sizes_of(runs):
            rs = c.get((workload, s, threads, m), [])
            if not rs:
                continue
            out.setdefault(m, {})[s] = (med([held_per_key(r) for r in rs]), med([r.get("allocs_per_op") for r in rs]))
    return out


def table_memory(runs):
    wl = "95/5" if "95/5" in workloads_of(runs) else workloads_of(runs)[0]
    rows = memory_rows(runs, wl)
    sizes = sizes_of(runs)
    head = ["| map | " + " | ".join("%s keys: B/key held, allocs/op" % fmt_keys(s) for s in sizes) + " |",
            "|---" * (len(sizes) + 1) + "|"]
    for m, by in rows.items():
        cellz = []
        for s in sizes:
            v = by.get(s)
            cellz.append("-" if not v else "%s, %s" % (_num(v[0], 1), _num(v[1], 3)))
        head.append("| %s | %s |" % (m, " | ".join(cellz)))
    return ("Memory per key and allocations per operation, %s, 1 thread (median).  Bytes per key held: "
            "every byte the map makes a fresh process hold with the -i keys loaded through its prefill "
            "path and the threads registered (resident anonymous memory after minus before, allocator "
            "purged, or garbage collected for Go: tables mapped directly, allocator pages, per-thread "
            "state; experiments/lfbench/memprobe.h).  Allocations per operation: requests the allocator "
            "served during the run (C: jemalloc's counters; Go: runtime.MemStats.Mallocs) over "
            "operations.\n\n" % wl) + "\n".join(head)


def best_map(runs, w, size, threads, among=None):
    """[(median Mops/s, map)] best first, of the maps in `among` (all)."""
    c = cells(runs)
    tps = [(med([r["throughput_mops"] for r in c[(w, size, threads, m)]]), m)
           for m in maps_of(runs) if (w, size, threads, m) in c and (among is None or m in among)]
    tps.sort(reverse=True)
    return tps


def maps_by_lang(runs):
    """{"c": [maps], "go": [maps]} in MAP_ORDER."""
    langs = {}
    for r in runs.ok:
        langs.setdefault(r["map"], lang(r))
    return {l: [m for m in maps_of(runs) if langs[m] == l] for l in ("c", "go")}


# The brief's claims: (workload, the design it names, the claim) and, per
# language, the map that stands for the design (None: no such map).
CLAIMS = [
    ("95/5", "the read-mostly map is best (12.4 M ops/s, p99 82 us)", {"c": "readmostly", "go": "go-syncmap"}),
    ("50/50", "the reader-writer lock map is steadier (3.1 M ops/s, p99 310 us)", {"c": "rwlock", "go": "go-rwmutex"}),
    ("10/90", "the lock-free map is best (5.7 M ops/s, p99 240 us)", {"c": "lfmap", "go": None}),
]
# The hot-key claim: the read-mostly map against the mutex map.
HOT_PAIRS = {"c": ("readmostly", "mutex"), "go": ("go-syncmap", "go-mutex")}


def table_claims(runs):
    """The numbers each of the brief's claims is judged by, for the C
    designs and for the Go maps they model."""
    sizes, threads = sizes_of(runs), threads_of(runs)
    s, t = sizes[0], threads[-1]
    c = cells(runs)
    ws = workloads_of(runs)
    by_lang = maps_by_lang(runs)

    def tp(w, m, size=s, th=t):
        return med([r["throughput_mops"] for r in c.get((w, size, th, m), [])])

    def p99(w, m, kind, size=s, th=t):
        return med([lat(r, kind, "p99") for r in c.get((w, size, th, m), [])])

    def ranking(w, among):
        order = best_map(runs, w, s, t, among)
        return ", ".join("%s %.2f" % (m, v) for v, m in order[:4]) + (" ..." if len(order) > 4 else "")

    lines = ["Numbers at %s keys and %d threads (the brief's key space, the most threads measured); "
             "median of the repetitions; C and Go maps ranked among their own language's maps." % (fmt_keys(s), t),
             "", "| claim | C | Go |", "|---|---|---|"]
    for w, claim, who in CLAIMS:
        row = []
        for l in ("c", "go"):
            m = who[l]
            among = by_lang[l]
            if w not in ws or not among:
                row.append("not measured")
                continue
            if m is None:
                row.append("no such map in Go's standard library; top: %s" % ranking(w, among))
                continue
            order = [x for _, x in best_map(runs, w, s, t, among)]
            rank = order.index(m) + 1 if m in order else None
            row.append("%s ranks %s of %d: %s Mops/s, p99 read/write %s/%s ns (top: %s)" % (
                m, rank, len(order), _num(tp(w, m), 2), _num(p99(w, m, "read"), 0), _num(p99(w, m, "write"), 0),
                ranking(w, among)))
        lines.append("| %s: %s | %s | %s |" % (w, claim, row[0], row[1]))
    for w in ("hotkeys-churn", "hotkeys-churn-empty", "hotkeys"):
        if w not in ws:
            continue
        row = []
        for l in ("c", "go"):
            rm, mx = (tp(w, m) for m in HOT_PAIRS[l])
            if rm and mx:
                row.append("%s %s, %s %s Mops/s: %s/%s = %s" % (HOT_PAIRS[l][0], _num(rm, 2), HOT_PAIRS[l][1],
                                                            _num(mx, 2), HOT_PAIRS[l][1], HOT_PAIRS[l][0],
                                                            _num(mx / rm, 2)))
            else:
                row.append("not measured")
        lines.append("| %s: the read-mostly map ~5x slower than a mutex map | %s | %s |" % (w, row[0], row[1]))
    big = sizes[-1]
    mem = memory_rows(runs)
    if mem:
        row = []
        for l in ("c", "go"):
            parts = ["%s %s" % (m, _num(mem[m][big][0], 1)) for m in by_lang[l] if m in mem and big in mem[m]]
            row.append(", ".join(parts) or "not measured")
        lines.append("| the lock-free map costs more memory: bytes per key held at %s keys, 1 thread | %s | %s |"
                     % (fmt_keys(big), row[0], row[1]))
    heavy = "10/90" if "10/90" in ws else (ws[0] if ws else None)
    if heavy:
        row = []
        for l in ("c", "go"):
            parts = ["%s %s" % (m, _num(med([r.get("allocs_per_op") for r in c.get((heavy, s, t, m), [])]), 2))
                     for m in by_lang[l] if c.get((heavy, s, t, m))]
            row.append(", ".join(parts) or "not measured")
        lines.append("| allocation per operation is what costs: allocations per operation, %s | %s | %s |"
                     % (heavy, row[0], row[1]))
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


def main(argv):
    """scripts/lfbench_records.py --validate FILE...: every record checked
    against experiments/RESULTS-SCHEMA.md; exit 1 on the first bad file."""
    if len(argv) < 2 or argv[0] != "--validate":
        print("usage: lfbench_records.py --validate FILE...", file=sys.stderr)
        return 64
    fields = schema_fields()
    bad = 0
    for path in argv[1:]:
        n = 0
        try:
            for lineno, r in records_of(runs_file(path)):
                n += 1
                for p in validate(r, fields):
                    print("%s:%d: %s record of %s: %s" % (path, lineno, r.get("lang"), r.get("map"), p))
                    bad += 1
        except InputError as e:
            print(e)
            bad += 1
            continue
        if n == 0:
            print("%s: no records" % path)
            bad += 1
    if bad == 0:
        print("lfbench_records: %d file(s) conform to experiments/RESULTS-SCHEMA.md" % (len(argv) - 1))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
