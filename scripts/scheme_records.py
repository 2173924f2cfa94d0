# SPDX-License-Identifier: LGPL-2.1-or-later
"""Reading a results/schemes/<stamp>/ directory (scripts/run-scheme-matrix.sh)
for scripts/plot_schemes.py and scripts/scheme_tables.py: loading with clear
errors, grouping by (part, workload, threads, scheme), medians, and the
Markdown tables of results/schemes/tables.md.  Standard library only.

Parts: throughput (steady 95/5, 50/50, 10/90), churn (churn-R/W), pointer
(pointer values, puts), stall (the stalled reader, time series) from lfbench
records (schema lfbench/1), readside from bench_scheme_get (scheme-get/1).
"""
import json
import os
import statistics
import sys
from collections import OrderedDict, defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lfbench_records import InputError, records_of  # noqa: E402  (one reader, one error type)

PARTS = OrderedDict([
    ("throughput", "steady size, integer values"),
    ("churn", "resize churn (fill to 32x, drain), integer values"),
    ("pointer", "pointer values, every write a put"),
])
# The order of rcu/schemes.def, then xenium's schemes (the harness map
# xenium, series "xenium/NAME", in its adapter's order); schemes found but
# not listed here follow, sorted.
SCHEME_ORDER = ["urcu-memb", "urcu-mb", "urcu-qsbr", "urcu-bp", "ck-epoch", "ck-hp", "ebr", "leak", "he", "ibr",
                "xenium/epoch", "xenium/new-epoch", "xenium/debra", "xenium/quiescent-state",
                "xenium/hazard-pointer", "xenium/hazard-eras", "xenium/stamp-it"]
# The schemes that bound a stalled reader's memory (lfmap's robust schemes),
# whose read side the issue compares with the default's.
ROBUST = ["ck-hp", "he", "ibr"]
WORKLOAD_ORDER = ["95/5", "50/50", "10/90", "churn-95/5", "churn-50/50", "churn-10/90", "churn"]
LFB_SCHEMA = "lfbench/1"
GET_SCHEMA = "scheme-get/1"
MIB = 1024.0 * 1024.0


def _ordered(values, order):
    values = set(values)
    known = [v for v in order if v in values]
    return known + sorted(values - set(known), key=str)


def order_schemes(names):
    return _ordered(names, SCHEME_ORDER)


def order_workloads(names):
    return _ordered(names, WORKLOAD_ORDER)


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _need(path, lineno, r, dotted):
    cur = r
    for part in dotted.split("."):
        if not isinstance(cur, dict) or part not in cur:
            raise InputError("%s:%d: record lacks field '%s' (experiments/RESULTS-SCHEMA.md)" % (path, lineno, dotted))
        cur = cur[part]
    return cur


class Results:
    def __init__(self, root):
        self.root = root
        self.runs = defaultdict(list)   # part -> ok lfbench records
        self.skipped = []               # (part, record)
        self.stall = []                 # stall records (ok)
        self.readside = []              # timing records
        self.summary = {}               # (scheme, mode) -> summary record
        self.target = None
        self.files = []

    def schemes(self):
        names = set()
        for rs in list(self.runs.values()) + [self.stall]:
            names.update(scheme_of(r) for r in rs)
        names.update(s for s, _ in self.summary)
        return order_schemes(names)

    def reference(self):
        """The read-side reference: the scheme whose summary records say it
        has no read side (no_read_side, as leak declares), else the target
        record's reference (older records).  Never chosen by name."""
        for (s, _), r in self.summary.items():
            if r.get("no_read_side"):
                return s
        return self.target.get("reference") if self.target else None

    def threads(self, part):
        return sorted({r["threads"] for r in self.runs.get(part, [])})

    def workloads(self, part):
        return order_workloads({r["workload"]["name"] for r in self.runs.get(part, [])})

    def cell(self, part, workload, threads, scheme):
        return [r for r in self.runs.get(part, []) if r["workload"]["name"] == workload and r["threads"] == threads
                and scheme_of(r) == scheme]

    def command(self):
        p = os.path.join(self.root, "command.txt") if os.path.isdir(self.root) else None
        if p and os.path.isfile(p):
            with open(p, encoding="utf-8") as f:
                return f.read().strip()
        return None

    def machine(self):
        p = os.path.join(self.root, "machine.txt") if os.path.isdir(self.root) else None
        out = {}
        if p and os.path.isfile(p):
            with open(p, encoding="utf-8") as f:
                for line in f:
                    k, _, v = line.partition(":")
                    out[k.strip()] = v.strip()
        return out


def scheme_of(r):
    """lfmap's records: the scheme's name; other maps' (xenium): MAP/NAME."""
    s = r.get("scheme")
    if not (isinstance(s, str) and s):
        series = r.get("series") or ""
        s = series.split("/", 1)[1] if "/" in series else "default"
    m = r.get("map")
    return s if m in (None, "lfmap") else "%s/%s" % (m, s)


def _load_lfbench(res, part, path):
    n = 0
    for lineno, r in records_of(path):
        n += 1
        if r.get("schema") != LFB_SCHEMA:
            raise InputError("%s:%d: schema %r, expected %r" % (path, lineno, r.get("schema"), LFB_SCHEMA))
        if r.get("status") != "ok":
            _need(path, lineno, r, "reason")
            res.skipped.append((part, r))
            continue
        for field in ("map", "threads", "throughput_mops", "workload.name", "memory.retired_bytes_peak",
                      "memory.rss_peak", "memory.before.rss", "memory.resizes", "repeat_index"):
            _need(path, lineno, r, field)
        if part == "stall":
            _need(path, lineno, r, "stall.left_s")
            ts = _need(path, lineno, r, "timeseries.samples")
            if not isinstance(ts, list) or not ts:
                raise InputError("%s:%d: stall record without time series samples" % (path, lineno))
            res.stall.append(r)
        else:
            res.runs[part].append(r)
    if n == 0:
        raise InputError("%s: no records (empty file)" % path)


def _load_readside(res, path):
    n = 0
    for lineno, r in records_of(path):
        n += 1
        if r.get("schema") != GET_SCHEMA:
            raise InputError("%s:%d: schema %r, expected %r" % (path, lineno, r.get("schema"), GET_SCHEMA))
        kind = _need(path, lineno, r, "kind")
        if kind == "timing":
            for field in ("scheme", "mode", "rep", "ns_per_get"):
                _need(path, lineno, r, field)
            res.readside.append(r)
        elif kind == "summary":
            for field in ("scheme", "mode", "median_ns", "min_ns", "max_ns"):
                _need(path, lineno, r, field)
            res.summary[(r["scheme"], r["mode"])] = r
        elif kind == "target":
            res.target = r
    if n == 0:
        raise InputError("%s: no records (empty file)" % path)


FILES = [("throughput", "throughput.jsonl"), ("churn", "churn.jsonl"), ("pointer", "pointer.jsonl"),
         ("stall", "stall.jsonl"), ("readside", "readside.jsonl")]


def load(root):
    """A results/schemes/<stamp>/ directory; any of its files may be missing
    (a partial run), but not all."""
    if not os.path.exists(root):
        raise InputError("%s: no such file or directory" % root)
    if not os.path.isdir(root):
        raise InputError("%s: not a directory (scripts/run-scheme-matrix.sh writes results/schemes/<stamp>/)" % root)
    res = Results(root)
    for part, name in FILES:
        path = os.path.join(root, name)
        if not os.path.isfile(path):
            continue
        res.files.append(path)
        if part == "readside":
            _load_readside(res, path)
        else:
            _load_lfbench(res, part, path)
    if not res.files:
        raise InputError("%s: none of %s found" % (root, ", ".join(n for _, n in FILES)))
    return res


def run_summary(root):
    """(complete, mode, recorded) of a results/schemes/<stamp>/ directory:
    complete when every part of FILES has at least one record; mode "full"
    or "quick" from command.txt's first line (run-scheme-matrix.sh writes
    it), None when it does not say; recorded: the latest env.date of the
    parts' first records ("" when none has one).  Never raises."""
    parts, dates = 0, []
    for _, name in FILES:
        try:
            with open(os.path.join(root, name)) as f:
                first = json.loads(f.readline())
        except (OSError, ValueError):
            continue
        parts += 1
        env = first.get("env") if isinstance(first, dict) else None
        if isinstance(env, dict) and isinstance(env.get("date"), str):
            dates.append(env["date"])
    mode = None
    try:
        with open(os.path.join(root, "command.txt")) as f:
            head = f.readline()
        mode = "quick" if "(quick)" in head else "full" if "(full)" in head else None
    except OSError:
        pass
    return parts == len(FILES), mode, max(dates) if dates else ""


def newest_run(base):
    """The run under base (results/schemes/) the figures should show: the
    most recently recorded complete full run, else complete quick run, else
    the most recently recorded run of any kind; chosen by what the records
    say, never by the directory's name.  None when base has no run."""
    runs = []
    for name in sorted(os.listdir(base)) if os.path.isdir(base) else []:
        d = os.path.join(base, name)
        if os.path.isdir(d):
            complete, mode, recorded = run_summary(d)
            rank = 2 if complete and mode != "quick" else 1 if complete else 0
            runs.append((rank, recorded, d))
    return max(runs)[2] if runs else None


def rel(path):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    p = os.path.abspath(path)
    return os.path.relpath(p, root) if p.startswith(root + os.sep) else path


# ---- tables ----------------------------------------------------------------

def _fmt(v, spec="%.2f", none="–"):
    return none if v is None else spec % v


def _mib(v):
    return None if v is None or v < 0 else v / MIB


def _source(res):
    return "Source: `%s` (scripts/run-scheme-matrix.sh; figures by scripts/plot_schemes.py)." % rel(res.root)


def table_throughput(res):
    out = []
    for part, title in PARTS.items():
        ths = res.threads(part)
        if not ths:
            continue
        t = ths[-1]
        wls = res.workloads(part)
        out += ["", "Throughput, %s, %d thread(s): median Mops/s (min .. max over repetitions)." % (title, t), "",
                "| scheme | " + " | ".join(wls) + " |", "|---|" + "---:|" * len(wls)]
        for s in res.schemes():
            cells = []
            for w in wls:
                v = [r["throughput_mops"] for r in res.cell(part, w, t, s)]
                cells.append("%.2f (%.2f .. %.2f)" % (med(v), min(v), max(v)) if v else "–")
            out.append("| %s | %s |" % (s, " | ".join(cells)))
    if not out:
        return "No throughput records in `%s`." % rel(res.root)
    return "\n".join([_source(res)] + out)


def _peak(rs, path):
    vals = []
    for r in rs:
        cur = r
        for p in path.split("."):
            cur = cur.get(p) if isinstance(cur, dict) else None
        if isinstance(cur, (int, float)) and cur >= 0:
            vals.append(cur)
    return med(vals)


def rss_growth(r):
    peak, before = r["memory"].get("rss_peak"), r["memory"]["before"].get("rss")
    if peak is None or before is None:
        return None
    return peak - before


def table_memory(res):
    cols = []  # (title, function(scheme) -> text)
    for part in PARTS:
        ths = res.threads(part)
        if not ths:
            continue
        t = ths[-1]
        w = "churn-50/50" if part == "churn" else "50/50"
        if w not in res.workloads(part):
            w = res.workloads(part)[0]

        def retired(s, part=part, w=w, t=t):
            return _fmt(_mib(_peak(res.cell(part, w, t, s), "memory.retired_bytes_peak")), "%.2f")

        def rss(s, part=part, w=w, t=t):
            return _fmt(_mib(med([rss_growth(r) for r in res.cell(part, w, t, s)])), "%.1f")
        cols.append(("%s %s: peak retired MiB" % (part, w), retired))
        cols.append(("%s %s: RSS growth MiB" % (part, w), rss))
        if part == "churn":
            def resizes(s, w=w, t=t):
                rs = res.cell("churn", w, t, s)
                v = med([r["memory"]["resizes"] / r["wall_s"] for r in rs if r["memory"]["resizes"] is not None
                         and r.get("wall_s")])
                return _fmt(v, "%.0f")
            cols.append(("churn %s: resizes/s" % w, resizes))
        if part == "pointer":
            def values(s, w=w, t=t):
                return _fmt(_peak(res.cell("pointer", w, t, s), "memory.retired_values_peak"), "%.0f")

            def unfreed(s):
                rs = [r for r in res.runs["pointer"] if scheme_of(r) == s and isinstance(r.get("values"), dict)]
                v = [r["values"].get("unfreed_after_free") for r in rs]
                v = [x for x in v if isinstance(x, int)]
                return str(sum(v)) if v else "–"
            cols.append(("pointer %s: peak retired values" % w, values))
            cols.append(("pointer: objects unfreed after lfmap_free (all runs)", unfreed))
    if not cols:
        return "No memory records in `%s`." % rel(res.root)
    out = [_source(res), "",
           "Memory per scheme at the most threads (medians over repetitions).  Peak retired: the largest "
           "retired_bytes_pending the monitor saw (every 10 ms); RSS growth: peak resident set minus the "
           "resident set before the map was created (one process runs every scheme, so RSS is shared).", "",
           "| scheme | " + " | ".join(c for c, _ in cols) + " |", "|---|" + "---:|" * len(cols)]
    for s in res.schemes():
        out.append("| %s | %s |" % (s, " | ".join(f(s) for _, f in cols)))
    return "\n".join(out)


def stall_summary(r):
    """Figures of one stalled-reader record."""
    ts = r["timeseries"]["samples"]
    fields = r["timeseries"].get("fields", ["t_s", "retired_bytes", "retired_values", "rss", "resizes", "size"])
    ix = {f: i for i, f in enumerate(fields)}
    left = r["stall"]["left_s"]

    def col(name):
        return [(p[ix["t_s"]], p[ix[name]]) for p in ts if p[ix[name]] is not None]
    rb, rv, rss = col("retired_bytes"), col("retired_values"), col("rss")
    entered = r["stall"].get("entered_s", 0.0) or 0.0

    def peak_within(s):
        # None when the reader left before s seconds (the figure does not exist)
        if left - entered < s - 0.05:
            return None
        v = [x for t, x in rb if t <= entered + s]
        return max(v) if v else None
    during = [v for t, v in rb if t <= left]
    at_leave = [v for t, v in rb if t <= left][-1:] or [None]
    vals_during = [v for t, v in rv if t <= left]
    before = r["memory"]["before"].get("rss")
    mon = r["memory"].get("monitor", {})
    drained = mon.get("drained_s")
    # First sample after the reader left with the backlog back under 1/10 of its level then.
    lvl = at_leave[0]
    back = None if lvl else "n/a"  # "n/a": nothing was pending when the reader left
    if lvl:
        for t, v in rb:
            if t > left and v <= lvl / 10:
                back = t - left
                break
    return {
        "peak_1s": peak_within(1.0),
        "peak_4s": peak_within(4.0),
        "peak_retired": max(during) if during else None,
        "at_leave": lvl,
        "peak_values": max(vals_during) if vals_during else None,
        "rss_growth": (max(v for _, v in rss) - before) if rss and before is not None else None,
        "tenth_after_s": back,
        "drained_after_stop_s": (drained - mon["workers_stopped_s"]) if drained is not None and
        mon.get("workers_stopped_s") is not None else None,
        "stall_s": r["stall"]["s"],
    }


def table_stall(res):
    if not res.stall:
        return "No stalled-reader records in `%s`." % rel(res.root)
    by = {}
    for r in res.stall:
        by.setdefault(scheme_of(r), r)
    r0 = res.stall[0]
    out = [_source(res), "",
           "The stalled reader: one thread inside a read-side section (lfmap_read_lock; xenium: the scheme's "
           "region guard and its last accessor) for %g s of a %g s run while %d writer "
           "thread(s) churn pointer values (%s, %s keys at the low watermark)."
           % (r0["stall"]["s"], r0["duration_s"], r0["threads"], r0["workload"]["name"],
              r0["workload"]["initial"]), "",
           "Peak retired: the largest retired_bytes_pending the monitor saw (every 10 ms) within 1 s and 4 s "
           "of the reader's entry, and while it stayed in.  xenium's counts are its value objects only "
           "(%d bytes each; it does not expose its own blocks); lfmap's, its retired tables and the retire "
           "records of its values (72 bytes each), not the values' objects." % 32, "",
           "| scheme | peak retired MiB, 1 s | peak retired MiB, 4 s | peak retired MiB (reader in) | "
           "retired MiB when it leaves | peak retired values | "
           "back under 1/10 after it leaves (s) | all freed after the writers stop (s) | RSS growth MiB |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for s in res.schemes():
        if s not in by:
            continue
        x = stall_summary(by[s])
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            s, _fmt(_mib(x["peak_1s"]), "%.3f"), _fmt(_mib(x["peak_4s"]), "%.3f"),
            _fmt(_mib(x["peak_retired"])), _fmt(_mib(x["at_leave"])), _fmt(x["peak_values"], "%.0f"),
            x["tenth_after_s"] if x["tenth_after_s"] == "n/a" else _fmt(x["tenth_after_s"], "%.2f", "never"), _fmt(x["drained_after_stop_s"], "%.2f", "not within 2 s"),
            _fmt(_mib(x["rss_growth"]), "%.1f")))
    return "\n".join(out)


def table_readside(res):
    if not res.summary:
        return "No read-side records in `%s`." % rel(res.root)
    ref_name = res.reference()
    leak = res.summary.get((ref_name, "get"))
    out = [_source(res), "",
           "Read-side cost: ns per lfmap_get, 1 thread, a small prefilled map in cache, median of %s "
           "repetitions (min .. max), schemes interleaved; locked = lfmap_read_lock + get + unlock."
           % next(iter(res.summary.values())).get("reps", "?"), "",
           "| scheme | get ns | locked ns | get over %s (ns) | get over urcu-memb (ns) |"
           % (ref_name or "a scheme without read side"),
           "|---|---:|---:|---:|---:|"]
    memb = res.summary.get(("urcu-memb", "get"))
    for s in res.schemes():
        g, lk = res.summary.get((s, "get")), res.summary.get((s, "locked"))
        if not g:
            continue
        over = "%+.2f" % (g["median_ns"] - leak["median_ns"]) if leak else "–"
        over_memb = "%+.2f" % (g["median_ns"] - memb["median_ns"]) if memb else "–"
        out.append("| %s | %.2f (%.2f .. %.2f) | %s | %s | %s |" % (
            s, g["median_ns"], g["min_ns"], g["max_ns"],
            "%.2f (%.2f .. %.2f)" % (lk["median_ns"], lk["min_ns"], lk["max_ns"]) if lk else "–", over,
            over_memb))
    t = res.target
    if t:
        out += ["", "Target: the default scheme's get at most %.0f ns over `%s`: %s %.2f ns − %s "
                "%.2f ns = %+.2f ns: **%s**." % (t["target_ns"], t["reference"], t["default"], t["default_ns"],
                                                  t["reference"], t["leak_ns"],
                                                  t["over_leak_ns"], "met" if t["met"] else "not met")]
    robust = [(s, res.summary[(s, "get")]) for s in ROBUST if (s, "get") in res.summary]
    if memb and robust:
        out += ["", "Target for the robust schemes (a stalled reader holds a bounded set): get at most 2 ns over "
                "urcu-memb's: " + "; ".join(
                    "%s %+.2f ns: **%s**" % (s, g["median_ns"] - memb["median_ns"],
                                             "met" if g["median_ns"] - memb["median_ns"] <= 2.0 else "not met")
                    for s, g in robust) + "."]
    return "\n".join(out)


if __name__ == "__main__":
    import sys
    if len(sys.argv) != 3 or sys.argv[1] != "--newest":
        sys.stderr.write("usage: scheme_records.py --newest results/schemes\n")
        sys.exit(64)
    run = newest_run(sys.argv[2])
    if run is None:
        sys.stderr.write("scheme_records: no run under %s\n" % sys.argv[2])
        sys.exit(1)
    print(run)
