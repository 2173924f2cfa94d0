#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lfmap-suite: full (not in the library suite of make tsan / make perturb: tests/run.sh)
# The C models count what the Go originals do.  On the same streams (one
# thread, --ops: a fixed sequence of operations), prefilled the same way
# (LoadOrStore of each key), readmostly's promotions and dirty-map builds
# equal those of Go 1.19's sync.Map itself (lfbench-go --count-promotions
# watches its private dirty map after every operation), and cow publishes
# as many copies as go-cow, on every preset whose operations both have:
# the hot-key presets, insert/remove mixes, put mixes and churn.  A model
# that promotes at another moment, or copies on a write that changes
# nothing, differs here; unit_lfbench_faithful checks hand-derived counts
# without Go.  Exit 78 without Go; needs BUILD with lfbench and lfbench-go.
set -u
BUILD=${BUILD:-build}
cd "$(dirname "$0")/../.." || exit 2
. tests/support/go_env.sh
go_env go_faithful
PY=$(scripts/find-python.sh json 2>&1) || { echo "$PY"; echo "go_faithful: skipped, no python3"; exit 78; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
common=(-n 1 -i 400 -d 60 --ops 30000 --repeat 1 --sample-every 0 --no-memory-probe --no-check -s 3)
"$c" -m readmostly,cow -w hotkeys,hotkeys-churn,hotkeys-churn-empty,95/5,churn "${common[@]}" --allocator glibc \
    -o "$tmp/c.jsonl" >"$tmp/c.out" 2>&1 &&
    "$c" -m readmostly,cow -w 50/50 --write-mix put "${common[@]}" --allocator glibc -o "$tmp/c.jsonl" >>"$tmp/c.out" 2>&1 ||
    { echo "FAIL: lfbench:"; tail "$tmp/c.out"; exit 1; }
"$g" -m go-syncmap,go-cow -w hotkeys,hotkeys-churn,hotkeys-churn-empty,95/5,churn "${common[@]}" --count-promotions \
    -o "$tmp/g.jsonl" >"$tmp/g.out" 2>&1 &&
    "$g" -m go-syncmap,go-cow -w 50/50 --write-mix put "${common[@]}" --count-promotions -o "$tmp/g.jsonl" >>"$tmp/g.out" 2>&1 ||
    { echo "FAIL: lfbench-go:"; tail "$tmp/g.out"; exit 1; }
"$PY" - "$tmp/c.jsonl" "$tmp/g.jsonl" <<'PYEOF'
import json, sys
pairs = {"readmostly": "go-syncmap", "cow": "go-cow"}
fields = {"readmostly": ("promotions", "dirty_builds"), "cow": ("copies",)}
def load(path):
    out = {}
    for line in open(path):
        r = json.loads(line)
        out[(r["map"], r["workload"]["name"], r["workload"]["write_mix"])] = r
    return out
c, g = load(sys.argv[1]), load(sys.argv[2])
fail, compared, promotions = 0, 0, 0
for (m, w, mix), rc in sorted(c.items()):
    rg = g.get((pairs[m], w, mix))
    if rg is None:
        print("FAIL: no %s record for %s (%s)" % (pairs[m], w, mix)); fail = 1; continue
    if rc["ops"]["total"] != rg["ops"]["total"] or rc["ops"]["reads"] != rg["ops"]["reads"]:
        print("FAIL: %s: the runs differ in operations (%s vs %s)" % (w, rc["ops"], rg["ops"])); fail = 1
    for f in fields[m]:
        a, b = rc["map_config"][f], rg["map_config"][f]
        compared += 1
        if f == "promotions":
            promotions += a
        if a != b:
            print("FAIL: %s %s (%s): %s %s, Go's %s %s" % (m, w, mix, f, a, pairs[m], b)); fail = 1
if promotions == 0:
    print("FAIL: no promotion in any run: the comparison tests nothing"); fail = 1
if not fail:
    print("ok: readmostly and cow count what sync.Map and go-cow do (%d counts over %d presets, %d promotions)"
          % (compared, len(c) // 2, promotions))
sys.exit(fail)
PYEOF
