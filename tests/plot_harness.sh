#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lfmap-suite: full (not in the library suite of make tsan / make perturb: tests/run.sh)
# scripts/plot_harness.py's input handling: a tiny valid matrix
# (tests/fixtures/harness-mini.jsonl: lfmap, mutex and plain, 95/5 and
# hotkeys, 1e4 keys, 1 and 2 threads; with a bench_first growth file and a
# Google Benchmark file beside it) gives every expected figure, PNG and SVG,
# and an index.html; a missing path, an empty file, malformed JSON, a record
# without a required field, a foreign schema and a directory without
# runs.jsonl each fail with exit 2 and a message naming the problem; a
# partial matrix fails with exit 3 naming the missing cell, and with
# --allow-partial plots and says PARTIAL in the captions.  --bytes on the
# committed byte-key and cache records (results/bytes/20261207T044111Z-vm,
# plus a copy of its caches relabelled 16-64 B values: a second
# configuration at the same capacity) gives bytes-throughput, bytes-memory
# and caches, PNG and SVG, and an index naming both configurations; a
# missing cache repetition fails with exit 3 naming its configuration;
# records without byte-key or cache maps fail with exit 2; --bytes alone
# draws from results/bytes/plot-inputs.txt.  Also
# scripts/find-python.sh's message when PYTHON cannot import matplotlib.
# Exit 78 when no interpreter here can import matplotlib.
set -u
cd "$(dirname "$0")/.." || exit 2
PY=$(scripts/find-python.sh matplotlib 2>&1) || { echo "$PY"; echo "plot_harness: skipped, no matplotlib"; exit 78; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fx=tests/fixtures/harness-mini.jsonl
fail=0

check() { # name expected-rc expected-text command...
    local name=$1 want_rc=$2 want=$3
    shift 3
    "$@" >"$tmp/out" 2>&1
    local rc=$?
    if [ "$rc" -ne "$want_rc" ] || ! grep -qF -- "$want" "$tmp/out"; then
        echo "FAIL: $name: exit $rc (wanted $want_rc) and output without '$want':"
        sed 's/^/    | /' "$tmp/out"
        fail=1
    fi
}

# A results directory as scripts/reproduce.sh leaves it.
mkdir -p "$tmp/res"
cp "$fx" "$tmp/res/runs.jsonl"
cp tests/fixtures/first-mini.jsonl "$tmp/res/first.jsonl"
cp tests/fixtures/microbench-mini.json "$tmp/res/microbench.json"
echo "build/lfbench -m lfmap,mutex,plain -w 95/5,hotkeys -n 1,2 -i 1e4" >"$tmp/res/command.txt"
check valid-dir 0 "figures (PNG and SVG)" "$PY" scripts/plot_harness.py "$tmp/res" -o "$tmp/fig"
for f in throughput-95-5 latency-95-5 memory-95-5 throughput-hotkeys latency-hotkeys memory-hotkeys \
    growth microbench-ns microbench-threads; do
    for ext in png svg; do
        [ -s "$tmp/fig/$f.$ext" ] || { echo "FAIL: valid-dir: $f.$ext not written"; fail=1; }
    done
done
if [ -f "$tmp/fig/index.html" ]; then
    for want in throughput-95-5.png growth.png microbench-ns.png "host vm" "build/lfbench -m lfmap" \
        "<table>" "mutex"; do
        grep -qF "$want" "$tmp/fig/index.html" || { echo "FAIL: index.html lacks '$want'"; fail=1; }
    done
    grep -q PARTIAL "$tmp/fig/index.html" && { echo "FAIL: a full matrix is captioned PARTIAL"; fail=1; }
else
    echo "FAIL: valid-dir: no index.html"
    fail=1
fi
# A file alone: the figures, and a note that there is no growth data.
check valid-file 0 "no first.jsonl" "$PY" scripts/plot_harness.py "$fx" -o "$tmp/fig2"

check missing 2 "no such file or directory" "$PY" scripts/plot_harness.py "$tmp/nonexistent.jsonl" -o "$tmp/x"
: >"$tmp/empty.jsonl"
check empty 2 "no records (empty file)" "$PY" scripts/plot_harness.py "$tmp/empty.jsonl" -o "$tmp/x"
{ head -n 3 "$fx"; echo '{"schema":"lfbench/1","status":"ok",'; } >"$tmp/bad.jsonl"
check malformed 2 "bad.jsonl:4: not valid JSON" "$PY" scripts/plot_harness.py "$tmp/bad.jsonl" -o "$tmp/x"
sed '2s/"throughput_mops":[0-9.]*,//' "$fx" >"$tmp/nofield.jsonl"
check missing-field 2 ":2: record (map " "$PY" scripts/plot_harness.py "$tmp/nofield.jsonl" -o "$tmp/x"
grep -q "lacks field 'throughput_mops'" "$tmp/out" || { echo "FAIL: missing-field: field not named"; fail=1; }
sed '1s/"lfbench\/1"/"lfbench\/0"/' "$fx" >"$tmp/schema.jsonl"
check schema 2 "expected 'lfbench/1'" "$PY" scripts/plot_harness.py "$tmp/schema.jsonl" -o "$tmp/x"
mkdir -p "$tmp/nodir"
check dir-without-runs 2 "directory without runs.jsonl" "$PY" scripts/plot_harness.py "$tmp/nodir" -o "$tmp/x"
[ -e "$tmp/x" ] && { echo "FAIL: a failed input check wrote $tmp/x"; fail=1; }

# Partial: drop mutex's 2-thread hotkeys run.
grep -v '"map":"mutex".*"name":"hotkeys".*"threads":2,' "$fx" >"$tmp/partial.jsonl"
[ "$(wc -l <"$tmp/partial.jsonl")" -eq $(($(wc -l <"$fx") - 1)) ] || { echo "FAIL: partial fixture not built"; fail=1; }
check partial 3 "mutex hotkeys 1e4 keys 2 thread(s): 0 of 1 repetition(s)" \
    "$PY" scripts/plot_harness.py "$tmp/partial.jsonl" -o "$tmp/x"
check partial-allowed 0 "figures (PNG and SVG)" \
    "$PY" scripts/plot_harness.py "$tmp/partial.jsonl" --allow-partial -o "$tmp/fig3"
grep -q "PARTIAL MATRIX, missing 1 cell" "$tmp/fig3/index.html" 2>/dev/null ||
    { echo "FAIL: partial-allowed: the captions do not say what is missing"; fail=1; }

# --bytes: the byte-key maps and the caches.
bx=results/bytes/20261207T044111Z-vm
sed 's/"value_min":64,"value_max":512/"value_min":16,"value_max":64/' "$bx/cache.jsonl" >"$tmp/cache-small.jsonl"
check bytes 0 "3 figures (PNG and SVG)" \
    "$PY" scripts/plot_harness.py --bytes "$bx/bytes.jsonl" "$bx/cache.jsonl" "$tmp/cache-small.jsonl" -o "$tmp/fig4"
for f in bytes-throughput bytes-memory caches; do
    for ext in png svg; do
        [ -s "$tmp/fig4/$f.$ext" ] || { echo "FAIL: bytes: $f.$ext not written"; fail=1; }
    done
done
for want in bytes-throughput.png caches.png "1e5 entries, 64-512 B values" "1e5 entries, 16-64 B values" \
    "issue 19" "host vm" "-w cache -m caches"; do
    grep -qF -- "$want" "$tmp/fig4/index.html" 2>/dev/null || { echo "FAIL: bytes: index.html lacks '$want'"; fail=1; }
done
# Drop lfmap-cache's third repetition at 2 threads (the repetition comes
# before the thread count in a record).
grep -v '"map":"lfmap-cache".*"repeat_index":2,.*"threads":2,' "$bx/cache.jsonl" >"$tmp/cache-partial.jsonl"
[ "$(wc -l <"$tmp/cache-partial.jsonl")" -eq $(($(wc -l <"$bx/cache.jsonl") - 1)) ] ||
    { echo "FAIL: bytes-partial: fixture not built"; fail=1; }
check bytes-partial 3 "cache 1e5 entries, 64-512 B values: lfmap-cache cache 1e5 keys 2 thread(s): 2 of 3" \
    "$PY" scripts/plot_harness.py --bytes "$tmp/cache-partial.jsonl" -o "$tmp/x"
check bytes-none 2 "no byte-key or cache records" "$PY" scripts/plot_harness.py --bytes "$fx" -o "$tmp/x"
check bytes-default 0 "3 figures (PNG and SVG)" "$PY" scripts/plot_harness.py --bytes -o "$tmp/fig5"

check no-matplotlib 1 "cannot import matplotlib" env PYTHON=/bin/false scripts/find-python.sh matplotlib

[ $fail -eq 0 ] && echo "ok: plot_harness.py: valid matrix, 7 malformed inputs, partial matrix, byte-key and cache figures"
exit $fail
