#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lfmap-suite: full (not in the library suite of make tsan / make perturb: tests/run.sh)
# The Go program's smoke run and its records: every Go map passes its
# differential check and runs every preset briefly at 1 and 2 threads; its
# records and lfbench's conform to experiments/RESULTS-SCHEMA.md
# (scripts/lfbench_records.py --validate; "lang" says which program wrote
# each); every Go run conserves its keys where the map can tell; and
# scripts/plot_harness.py draws the C and Go series of one workload in one
# figure (its SVG names both).  Exit 78 without Go or matplotlib.
set -u
BUILD=${BUILD:-build}
cd "$(dirname "$0")/../.." || exit 2
. tests/support/go_env.sh
go_env go_records
PY=$(scripts/find-python.sh matplotlib 2>&1) || { echo "$PY"; echo "go_records: skipped, no matplotlib"; exit 78; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
presets=95/5,hotkeys,hotkeys-churn,hotkeys-churn-empty,bulkload,churn
"$g" -w "$presets" -n 1,2 -i 500 -d 0.01 --repeat 1 -o "$tmp/runs.jsonl" >"$tmp/g.out" 2>&1 ||
    { echo "FAIL: the Go smoke run:"; tail -n 20 "$tmp/g.out"; exit 1; }
grep -q "FAILED the differential check" "$tmp/g.out" && { echo "FAIL: a Go map failed its check:"; grep FAILED "$tmp/g.out"; fail=1; }
n=$(grep -c '"lang":"go","status":"ok"' "$tmp/runs.jsonl")
# 5 maps x (5 presets + 2 bulkload variants - 1) x 2 thread counts
[ "$n" -eq 70 ] || { echo "FAIL: $n Go records, expected 70"; fail=1; }
grep -q '"conserved":false' "$tmp/runs.jsonl" && { echo "FAIL: a Go run lost keys"; fail=1; }
grep -q '"memory":{[^}]*}[^}]*}[^}]*},"held":{"method":"fresh-process-anon-rss"' "$tmp/runs.jsonl" ||
    { echo "FAIL: Go records without the memory probe"; fail=1; }
"$c" -m mutex,readmostly -w "$presets" -n 1,2 -i 500 -d 0.01 --repeat 1 -o "$tmp/runs.jsonl" >"$tmp/c.out" 2>&1 ||
    { echo "FAIL: the C run:"; tail -n 20 "$tmp/c.out"; exit 1; }
"$PY" scripts/lfbench_records.py --validate "$tmp/runs.jsonl" >"$tmp/v.out" 2>&1 ||
    { echo "FAIL: records do not conform to RESULTS-SCHEMA.md:"; head -n 20 "$tmp/v.out"; fail=1; }
# The validator catches a record that lacks a field of the schema.
sed '1s/"allocs_per_op":[^,]*,//' "$tmp/runs.jsonl" >"$tmp/bad.jsonl"
"$PY" scripts/lfbench_records.py --validate "$tmp/bad.jsonl" >"$tmp/v.out" 2>&1 &&
    { echo "FAIL: the validator accepted a record without allocs_per_op"; fail=1; }
# Both programs size their streams alike (16 operations per key of the
# range, 2^20 .. 2^24: 2^21 and 2^22 here) and warm up alike
# (--warmup: untimed operations counted in the size check).
w=(-w 95/5,hotkeys-churn -n 1 -i 1e5 -d 0.01 --repeat 1 --warmup 0.02 --no-memory-probe --no-check)
"$c" -m mutex "${w[@]}" -o "$tmp/warm.jsonl" >"$tmp/wc.out" 2>&1 &&
    "$g" -m go-mutex,go-syncmap "${w[@]}" -o "$tmp/warm.jsonl" >"$tmp/wg.out" 2>&1 ||
    { echo "FAIL: the --warmup runs:"; tail -n 5 "$tmp/wc.out" "$tmp/wg.out"; fail=1; }
"$PY" - "$tmp/warm.jsonl" <<'PYEOF' || fail=1
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
bad = []
for want in (("c", "mutex"), ("go", "go-mutex"), ("go", "go-syncmap")):
    got = [r for r in recs if (r["lang"], r["map"]) == want and r["status"] == "ok"]
    if len(got) != 2:
        bad.append("%s: %d records, expected 2" % (want[1], len(got)))
for r in recs:
    w, s, name = r["workload"], r["size"], r["map"] + " " + r["workload"]["name"]
    n = 1 << 20
    while n < 1 << 24 and n < 16 * w["range"]:
        n <<= 1
    if r["stream_len"] != n or n == 1 << 20:
        bad.append("%s: stream_len %s, expected %d (range %d)" % (name, r["stream_len"], n, w["range"]))
    if r["warmup_s"] != 0.02 or not s["warmup_ops"] > 0:
        bad.append("%s: warmup_s %s, warmup_ops %s" % (name, r["warmup_s"], s["warmup_ops"]))
    if s["expected"] is not None and not s["conserved"]:
        bad.append("%s: size %s" % (name, s))
for b in bad:
    print("FAIL: --warmup / stream length:", b)
sys.exit(1 if bad else 0)
PYEOF
echo "build/lfbench ...; build/lfbench-go ..." >"$tmp/command.txt"
if "$PY" scripts/plot_harness.py "$tmp" -o "$tmp/fig" >"$tmp/p.out" 2>&1; then
    # matplotlib writes each text of an SVG (legend labels too) as a comment
    for m in go-mutex mutex go-syncmap readmostly; do
        grep -qF -- "<!-- $m -->" "$tmp/fig/throughput-hotkeys-churn.svg" 2>/dev/null ||
            { echo "FAIL: throughput-hotkeys-churn.svg has no legend entry $m"; fail=1; }
    done
else
    echo "FAIL: plot_harness.py on C and Go records:"
    tail -n 20 "$tmp/p.out"
    fail=1
fi
[ $fail -eq 0 ] && echo "ok: Go smoke run ($n records), C and Go records conform to the schema and share a figure"
exit $fail
