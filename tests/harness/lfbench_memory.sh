#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lfmap-suite: full (not in the library suite of make tsan / make perturb: tests/run.sh)
# memory.held counts every byte a map holds, the same way for every map
# (experiments/lfbench/memprobe.h).  A map of known size: the mutex map at
# 1e5 keys holds its plain table, 262,144 slots of 16 bytes = 4 MiB, which
# it maps with mmap (the old malloc'd-bytes figure counted ~0 of it), plus
# a little allocator and per-thread state: held must lie in [4 MiB,
# 4 MiB + 128 KiB].  lfmap holds at least the table its own statistics
# report (a read-only run, so that the table is the prefilled one: the
# probe measures the map right after its prefill).  Every map, at 1 and 2 threads, has a figure and none is
# negative.  Skipped (77) in sanitizer trees, where the probe is off.
set -u
BUILD=${BUILD:-build}
cd "$(dirname "$0")/../.." || exit 2
case "$BUILD" in *tsan* | *asan*) echo "lfbench_memory: no memory probe under a sanitizer"; exit 77 ;; esac
PY=$(scripts/find-python.sh json 2>&1) || { echo "$PY"; echo "lfbench_memory: skipped, no python3"; exit 78; }
bin=$BUILD/lfbench
[ -x "$bin" ] || { echo "lfbench_memory: $bin not built"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" -m mutex,lfmap -w 100/0 -n 1 -i 1e5 -d 0.01 --repeat 1 --no-check -o "$tmp/big.jsonl" >"$tmp/out" 2>&1 &&
    "$bin" -m all -w 95/5 -n 1,2 -i 2000 -d 0.01 --repeat 1 --no-check -o "$tmp/all.jsonl" >>"$tmp/out" 2>&1 ||
    { echo "FAIL: lfbench:"; tail -n 20 "$tmp/out"; exit 1; }
"$PY" - "$tmp/big.jsonl" "$tmp/all.jsonl" <<'PYEOF'
import json, sys
fail = 0
big = {json.loads(l)["map"]: json.loads(l) for l in open(sys.argv[1])}
table = 262144 * 16
h = big["mutex"]["memory"]["held"]
if not h or not (table <= h["bytes"] <= table + 128 * 1024):
    print("FAIL: mutex at 1e5 keys holds %s bytes; its table alone is %d" % (h and h["bytes"], table)); fail = 1
lf = big["lfmap"]
if not lf["memory"]["held"] or lf["memory"]["held"]["bytes"] < lf["map_config"]["table_bytes"]:
    print("FAIL: lfmap holds %s bytes, less than its table (%d)" % (lf["memory"]["held"], lf["map_config"]["table_bytes"]))
    fail = 1
seen = set()
for line in open(sys.argv[2]):
    r = json.loads(line)
    h = r["memory"]["held"]
    seen.add((r["map"], r["threads"]))
    if h is None or h["bytes"] < 0 or h["keys"] != 2000 or h["threads"] != r["threads"]:
        print("FAIL: %s at %d thread(s): memory.held %s" % (r["map"], r["threads"], h)); fail = 1
if len(seen) < 20:
    print("FAIL: only %d map/thread points measured" % len(seen)); fail = 1
if not fail:
    print("ok: mutex holds its 4 MiB table (%d bytes), lfmap at least its table, %d map/thread points none negative"
          % (big["mutex"]["memory"]["held"]["bytes"], len(seen)))
sys.exit(fail)
PYEOF
