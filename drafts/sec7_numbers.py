#!/usr/bin/env python3
"""Numbers for paper-notes.md section 7 (the brief's claims, C and Go side by
side) from one results directory written by scripts/reproduce.sh.

    python3 /tmp/lf/sec7_numbers.py results/<stamp>-<host> [--json OUT.json]

Reads runs.jsonl (C and Go throughput records) and, when present,
locks.jsonl (--profile-locks) and lockkinds.jsonl, through the repository's
scripts/lfbench_records.py.  Prints plain-text tables: environment,
completeness, then one block per verdict.  Read-only; no heavy loops.
"""
import json
import os
import statistics
import sys

REPO = "/work/main"
sys.path.insert(0, os.path.join(REPO, "scripts"))
import lfbench_records as lr  # noqa: E402

ARTICLE = {  # the brief's table: workload -> (design it names, Mops/s, p99 us)
    "95/5": ("read-mostly map", 12.4, 82),
    "50/50": ("rwlock map", 3.1, 310),
    "10/90": ("lock-free map", 5.7, 240),
}
NAMED = {"95/5": ("readmostly", "go-syncmap"), "50/50": ("rwlock", "go-rwmutex"), "10/90": ("lfmap", None)}


def med(v):
    return lr.med(v)


def f(v, d=2):
    return "-" if v is None else "%.*f" % (d, v)


def mm(vals, d=2):
    vals = [v for v in vals if v is not None]
    if not vals:
        return "-"
    return "%s (%s..%s)" % (f(statistics.median(vals), d), f(min(vals), d), f(max(vals), d))


class Data:
    def __init__(self, d):
        self.dir = d
        self.runs = lr.load([d])
        self.c = lr.cells(self.runs)
        self.by_lang = lr.maps_by_lang(self.runs)
        self.sizes = lr.sizes_of(self.runs)
        self.threads = lr.threads_of(self.runs)
        self.wls = lr.workloads_of(self.runs)
        self.locks = self.lockkinds = None
        p = os.path.join(d, "locks.jsonl")
        if os.path.isfile(p) and os.path.getsize(p) > 0:
            try:
                self.locks = lr.load([p], profiled=True)
            except lr.InputError as e:
                print("locks.jsonl: %s" % e)
        p = os.path.join(d, "lockkinds.jsonl")
        if os.path.isfile(p) and os.path.getsize(p) > 0:
            try:
                self.lockkinds = lr.load([p])
            except lr.InputError as e:
                print("lockkinds.jsonl: %s" % e)

    def rs(self, w, s, t, m):
        return self.c.get((w, s, t, m), [])

    def tp(self, w, s, t, m):
        return med([r["throughput_mops"] for r in self.rs(w, s, t, m)])

    def p(self, w, s, t, m, kind, q="p99"):
        return med([lr.lat(r, kind, q) for r in self.rs(w, s, t, m)])

    def apo(self, w, s, t, m):
        return med([r.get("allocs_per_op") for r in self.rs(w, s, t, m)])

    def rank(self, w, s, t, lang):
        return lr.best_map(self.runs, w, s, t, self.by_lang[lang])


def env(D):
    print("== environment")
    shas = {}
    for r in D.runs.ok:
        e = r["env"]
        k = (lr.lang(r), (e.get("git_sha") or "?")[:7], e.get("git_dirty"), e.get("git_untracked"))
        shas[k] = shas.get(k, 0) + 1
    print("commits (lang, sha, dirty, untracked: records):", shas)
    print("C:", lr.env_line(D.runs))
    go = [r for r in D.runs.ok if lr.lang(r) == "go"]
    if go:
        e = go[0]["env"]
        print("Go: %s, GOMAXPROCS %s, GOGC %s, GODEBUG %s" % (e.get("compiler_version"), go[0]["go"].get("gomaxprocs"),
                                                              go[0]["go"].get("gogc"), e.get("GODEBUG")))
    dates = sorted(r["env"].get("date") or "" for r in D.runs.ok)
    print("dates: %s .. %s" % (dates[0], dates[-1]))
    e = D.runs.ok[0]["env"]
    print("cpu %s, nproc %s, smt %s, thp %s, mem %s, kernel %s" % (e.get("cpu_model"), e.get("nproc_online"),
          e.get("smt_active"), e.get("thp_enabled"), e.get("mem_total"), e.get("kernel")))
    print("libs:", D.runs.ok[0].get("libs"))
    cmd = os.path.join(D.dir, "command.txt")
    if os.path.isfile(cmd):
        print(open(cmd).read().rstrip())
    print("records ok %d (C %d, Go %d), skipped %d" % (len(D.runs.ok), len(D.runs.ok) - len(go), len(go),
                                                      len(D.runs.skipped)))
    for r in D.runs.skipped:
        print("  skipped: %s %s %s" % (r["map"], r["status"], r.get("reason")))
    miss = lr.missing(D.runs)
    print("missing cells: %d %s" % (len(miss), "; ".join(miss[:20])))
    print("sizes %s threads %s workloads %s" % (D.sizes, D.threads, D.wls))
    print("maps C %s\n     Go %s" % (D.by_lang["c"], D.by_lang["go"]))


def c2c(D, s, t):
    v = [r["c2c_round_trip_ns"][k] for (w, s_, t_, m), rs in D.c.items() if s_ == s and t_ == t for r in rs
         for k in ("before", "after") if (r.get("c2c_round_trip_ns") or {}).get(k) is not None]
    return "c2c round trip median %s ns (%s..%s)" % (f(med(v), 0), f(min(v), 0), f(max(v), 0)) if v else "no c2c"


def full_tables(D):
    """Every point: map, Mops/s median (min..max), p99 read/write, p99.9 r/w,
    allocs/op; Go: bytes/op, GC cycles, GC pause per run; readmostly:
    promotions per op."""
    for s in D.sizes:
        for t in D.threads:
            print("\n== %s keys, %d thread(s); %s" % (lr.fmt_keys(s), t, c2c(D, s, t)))
            for w in D.wls:
                print("-- %s" % w)
                for lang in ("c", "go"):
                    order = D.rank(w, s, t, lang)
                    for i, (v, m) in enumerate(order):
                        rs = D.rs(w, s, t, m)
                        extra = ""
                        if lang == "go":
                            g = [r.get("go") or {} for r in rs]
                            extra = " B/op %s gc/run %s pause_us/run %s" % (
                                f(med([x.get("bytes_per_op") for x in g]), 1),
                                f(med([x.get("gc_cycles") for x in g]), 0),
                                f(med([(x.get("gc_pause_total_ns") or 0) / 1e3 for x in g]), 0))
                        if m == "readmostly":
                            pr = [(r["map_config"].get("promotions") or 0) / max(r["ops"]["total"], 1) for r in rs]
                            extra += " promo/op %s promos %s" % (f(med(pr), 5), [r["map_config"].get("promotions") for r in rs])
                        cap = "" if all(r.get("completed", True) for r in rs) else " CAPPED"
                        print("  %-2s %d %-12s %s%s p99 r/w %s/%s  p99.9 r/w %s/%s  apo %s%s" % (
                            lang, i + 1, m, mm([r["throughput_mops"] for r in rs]), cap,
                            f(D.p(w, s, t, m, "read"), 0), f(D.p(w, s, t, m, "write"), 0),
                            f(D.p(w, s, t, m, "read", "p99_9"), 0), f(D.p(w, s, t, m, "write", "p99_9"), 0),
                            f(D.apo(w, s, t, m), 3), extra))


def claims_123(D):
    print("\n== claims 1-3 and the article's table")
    for w in ("95/5", "50/50", "10/90"):
        if w not in D.wls:
            print("%s not measured" % w)
            continue
        design, a_tp, a_p99 = ARTICLE[w]
        print("-- %s: article: %s best/steadiest, %.1f Mops/s, p99 %d us" % (w, design, a_tp, a_p99))
        for s in D.sizes:
            for t in D.threads:
                line = []
                for lang, m in zip(("c", "go"), NAMED[w]):
                    order = D.rank(w, s, t, lang)
                    names = [x for _, x in order]
                    top = "%s %.2f" % (order[0][1], order[0][0]) if order else "-"
                    if m and m in names:
                        i = names.index(m)
                        line.append("%s: %s rank %d/%d %.2f (top %s; %s/top %.2f) p99 r/w %s/%s ns" % (
                            lang, m, i + 1, len(names), order[i][0], top, m, order[i][0] / order[0][0],
                            f(D.p(w, s, t, m, "read"), 0), f(D.p(w, s, t, m, "write"), 0)))
                    else:
                        line.append("%s: top %s" % (lang, top))
                print("  %s keys %d thr: %s" % (lr.fmt_keys(s), t, " | ".join(line)))
    # steadiness at 50/50: spread of throughput and p99 over repetitions
    if "50/50" in D.wls:
        print("-- 50/50 steadiness (throughput max/min over reps; p99 write min..max; p99.9 max(r,w) median)")
        for s in D.sizes:
            for t in D.threads:
                rows = []
                for m in D.by_lang["c"] + D.by_lang["go"]:
                    rs = D.rs("50/50", s, t, m)
                    if not rs:
                        continue
                    tps = [r["throughput_mops"] for r in rs]
                    pw = [lr.lat(r, "write", "p99") for r in rs]
                    p999 = [max(lr.lat(r, "write", "p99_9") or 0, lr.lat(r, "read", "p99_9") or 0) for r in rs]
                    rows.append((med(p999), m, max(tps) / min(tps) if min(tps) > 0 else None,
                                 "%s..%s" % (f(min(x for x in pw if x is not None), 0) if any(pw) else "-",
                                             f(max(x for x in pw if x is not None), 0) if any(pw) else "-")))
                rows.sort(key=lambda x: (x[0] is None, x[0]))
                print("  %s keys %d thr: %s" % (lr.fmt_keys(s), t, "; ".join(
                    "%s p99.9 %s tpspread %s p99w %s" % (m, f(p, 0), f(sp, 2), pw) for p, m, sp, pw in rows)))


def claim_4(D):
    print("\n== claim 4: read-mostly vs mutex on hot keys (ratio mutex/readmostly; ns per op per thread)")
    for w in ("hotkeys-churn", "hotkeys-churn-empty", "hotkeys", "95/5"):
        if w not in D.wls:
            print("%s not measured" % w)
            continue
        for s in D.sizes:
            for t in D.threads:
                parts = []
                for lang, (rm, mx) in lr.HOT_PAIRS.items():
                    a, b = D.tp(w, s, t, rm), D.tp(w, s, t, mx)
                    if a and b:
                        parts.append("%s %s %.2f (%.1f ns/op/thr, apo %s), %s %.2f (%.1f ns/op/thr, apo %s): %s/%s = %.2f"
                                     % (lang, rm, a, 1e3 * t / a, f(D.apo(w, s, t, rm), 3), mx, b, 1e3 * t / b,
                                        f(D.apo(w, s, t, mx), 3), mx, rm, b / a))
                rs = D.rs(w, s, t, "readmostly")
                if rs:
                    pr = [r["map_config"].get("promotions") for r in rs]
                    db = [r["map_config"].get("dirty_builds") for r in rs]
                    ops = [r["ops"]["total"] for r in rs]
                    parts.append("readmostly promotions %s dirty_builds %s ops %s (promo/op %s)" % (
                        pr, db, ops, f(med([(p or 0) / o for p, o in zip(pr, ops)]), 4)))
                print("  %s %s keys %d thr: %s" % (w, lr.fmt_keys(s), t, " | ".join(parts)))


def claim_5(D):
    print("\n== claim 5: memory.held bytes per key (median over reps), by workload 95/5, per thread count")
    for t in D.threads:
        for s in D.sizes:
            parts = []
            for m in D.by_lang["c"] + D.by_lang["go"]:
                rs = D.rs("95/5", s, t, m)
                v = [lr.held_per_key(r) for r in rs]
                ab = [((r.get("memory") or {}).get("held") or {}).get("allocator_bytes") for r in rs]
                ab = [x / s for x in ab if x is not None]
                if rs:
                    parts.append("%s %s (alloc %s; %s)" % (m, f(med(v), 1), f(med(ab), 1),
                                                           "/".join(f(x, 1) for x in v)))
            print("  %s keys %d thr: %s" % (lr.fmt_keys(s), t, "; ".join(parts)))
    # table bytes / resizes at the end for lfmap
    for s in D.sizes:
        rs = D.rs("95/5", s, 1, "lfmap")
        if rs:
            print("  lfmap 95/5 %s 1thr map_config: %s resizes %s" % (
                lr.fmt_keys(s), {k: v for k, v in rs[0]["map_config"].items() if "slot" in k or "byte" in k},
                [r["memory"].get("resizes") for r in rs]))


def claim_6(D):
    print("\n== claim 6: allocations per operation vs throughput, every workload, %s keys, most threads"
          % lr.fmt_keys(D.sizes[0]))
    for s in D.sizes:
        t = D.threads[-1]
        for w in D.wls:
            parts = []
            for lang in ("c", "go"):
                for v, m in D.rank(w, s, t, lang):
                    parts.append("%s %.2f/%s" % (m, v, f(D.apo(w, s, t, m), 3)))
            print("  %s %s %dthr (Mops/apo): %s" % (w, lr.fmt_keys(s), t, ", ".join(parts)))
    # Spearman-free summary: Go GC totals per workload at the first size
    print("-- Go GC per run (median): cycles, pause total us, bytes/op, at each point")
    for s in D.sizes:
        for t in D.threads:
            for w in D.wls:
                parts = []
                for m in D.by_lang["go"]:
                    g = [r.get("go") or {} for r in D.rs(w, s, t, m)]
                    if g:
                        parts.append("%s %s/%s/%s" % (m, f(med([x.get("gc_cycles") for x in g]), 0),
                                                      f(med([(x.get("gc_pause_total_ns") or 0) / 1e3 for x in g]), 0),
                                                      f(med([x.get("bytes_per_op") for x in g]), 1)))
                if parts:
                    print("  %s %s %dthr: %s" % (w, lr.fmt_keys(s), t, ", ".join(parts)))


def claim_7(D):
    print("\n== claim 7: bulkload (Mops/s median, speedup 2thr/1thr)")
    for w in ("bulkload-growing", "bulkload-presized"):
        if w not in D.wls:
            continue
        for s in D.sizes:
            parts = []
            for m in D.by_lang["c"] + D.by_lang["go"]:
                a = D.tp(w, s, 1, m)
                b = D.tp(w, s, D.threads[-1], m) if D.threads[-1] > 1 else None
                if a is None:
                    continue
                capped = any(not r.get("completed", True) for t in D.threads for r in D.rs(w, s, t, m))
                parts.append("%s %s->%s (x%s)%s" % (m, f(a), f(b), f(b / a if a and b else None), " CAPPED" if capped else ""))
            print("  %s %s: %s" % (w, lr.fmt_keys(s), "; ".join(parts)))


def claim_8(D):
    print("\n== claim 8: copy on write")
    for m in ("cow", "go-cow"):
        for w in ("95/5", "50/50", "10/90", "hotkeys-churn"):
            for s in D.sizes:
                for t in D.threads:
                    rs = D.rs(w, s, t, m)
                    if not rs:
                        continue
                    g = [r.get("go") or {} for r in rs]
                    print("  %s %s %s %dthr: %s Mops/s, p99 r/w %s/%s ns, apo %s, B/op %s, gc %s" % (
                        m, w, lr.fmt_keys(s), t, f(D.tp(w, s, t, m), 4), f(D.p(w, s, t, m, "read"), 0),
                        f(D.p(w, s, t, m, "write"), 0), f(D.apo(w, s, t, m), 3),
                        f(med([x.get("bytes_per_op") for x in g]), 0) if m.startswith("go") else "-",
                        f(med([x.get("gc_cycles") for x in g]), 0) if m.startswith("go") else "-"))


def claim_9(D):
    print("\n== claim 9: contention profile (locks.jsonl: --profile-locks runs)")
    if not D.locks:
        print("  no locks.jsonl")
    else:
        c = lr.cells(D.locks)
        for (w, s, t, m), rs in sorted(c.items()):
            prof = []
            for r in rs:
                k = r.get("contention") or {}
                ops = r["ops"]["total"] or 1
                if k.get("acquisitions"):
                    prof.append((100.0 * k["contended"] / k["acquisitions"], k["wait_ns"] / ops,
                                 k["wait_ns"] / 1e9 / (r["wall_s"] or 1)))
            print("  %s %s %dthr %s: %s Mops/s (profiled), contended %% %s, wait ns/op %s, wait s per wall s %s" % (
                w, lr.fmt_keys(s), t, m, f(med([r["throughput_mops"] for r in rs])),
                f(med([p[0] for p in prof]), 1), f(med([p[1] for p in prof]), 1), f(med([p[2] for p in prof]), 2)))
    if D.lockkinds:
        print("-- lock kinds (lockkinds.jsonl)")
        c = lr.cells(D.lockkinds)
        for (w, s, t, m), rs in sorted(c.items()):
            print("  %s %s %dthr %s: %s Mops/s p99 r/w %s/%s" % (w, lr.fmt_keys(s), t, m,
                  mm([r["throughput_mops"] for r in rs]), f(med([lr.lat(r, "read", "p99") for r in rs]), 0),
                  f(med([lr.lat(r, "write", "p99") for r in rs]), 0)))


def main(argv):
    if not argv:
        sys.exit("usage: sec7_numbers.py RESULTS_DIR")
    D = Data(argv[0])
    env(D)
    claims_123(D)
    claim_4(D)
    claim_5(D)
    claim_6(D)
    claim_7(D)
    claim_8(D)
    claim_9(D)
    full_tables(D)


if __name__ == "__main__":
    main(sys.argv[1:])
