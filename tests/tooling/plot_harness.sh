#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lfmap-suite: full (not in the library suite of make tsan / make perturb: tests/run.sh)
# scripts/plot_harness.py's input handling: a tiny valid matrix
# (tests/tooling/fixtures/harness-mini.jsonl: lfmap, mutex and plain, 95/5 and
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
# draws from results/bytes/plot-inputs.txt.  Without -o, the figures go to
# results/harness/figures/.  Also
# scripts/find-python.sh's message when PYTHON cannot import matplotlib.
# The figures' defects of issue 21, checked mechanically: each caption is
# in the image only (the SVG's text has it; index.html does not repeat it,
# and links the records instead); no figure reports a layout defect
# (plot_layout.layout_defects: a legend on a panel, a caption on the labels,
# either off the figure); the checker itself finds a legend put on the
# data; a value axis over less than a decade (15-19 MiB) is linear and one
# over decades logarithmic with plain-number labels; growth.png's windowed
# series are one per panel.
# Exit 78 when no interpreter here can import matplotlib.
set -u
cd "$(dirname "$0")/../.." || exit 2
PY=$(scripts/find-python.sh matplotlib 2>&1) || { echo "$PY"; echo "plot_harness: skipped, no matplotlib"; exit 78; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fx=tests/tooling/fixtures/harness-mini.jsonl
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

# The text of an SVG figure, its lines joined (matplotlib writes each text
# line as a comment before its glyphs).
svgtext() { sed -n 's/.*<!-- \(.*\) -->.*/\1/p' "$1" 2>/dev/null | tr '\n' ' '; }

# A results directory as scripts/reproduce.sh leaves it.
mkdir -p "$tmp/res"
cp "$fx" "$tmp/res/runs.jsonl"
cp tests/tooling/fixtures/first-mini.jsonl "$tmp/res/first.jsonl"
cp tests/tooling/fixtures/microbench-mini.json "$tmp/res/microbench.json"
echo "build/lfbench -m lfmap,mutex,plain -w 95/5,hotkeys -n 1,2 -i 1e4" >"$tmp/res/command.txt"
check valid-dir 0 "figures (PNG and SVG)" "$PY" scripts/plot_harness.py "$tmp/res" -o "$tmp/fig"
grep "layout:" "$tmp/out" && { echo "FAIL: valid-dir: layout defects (above)"; fail=1; }
for f in throughput-95-5 latency-95-5 memory-95-5 throughput-hotkeys latency-hotkeys memory-hotkeys \
    growth microbench-ns microbench-threads; do
    for ext in png svg; do
        [ -s "$tmp/fig/$f.$ext" ] || { echo "FAIL: valid-dir: $f.$ext not written"; fail=1; }
    done
done
if [ -f "$tmp/fig/index.html" ]; then
    for want in throughput-95-5.png growth.png microbench-ns.png "<table>" "mutex" \
        "records: <a href=\"../res/runs.jsonl\">" "<a href=\"../res/first.jsonl\">" \
        "<a href=\"../res/microbench.json\">"; do
        grep -qF "$want" "$tmp/fig/index.html" || { echo "FAIL: index.html lacks '$want'"; fail=1; }
    done
    # The caption is in the image (the SVG's text), never repeated in the page.
    for want in "host vm" "build/lfbench -m lfmap" "records"; do
        svgtext "$tmp/fig/throughput-95-5.svg" | grep -qF -- "$want" ||
            { echo "FAIL: throughput-95-5.svg's caption lacks '$want'"; fail=1; }
    done
    for nowant in 'class="cap"' "error bars min..max" "build/lfbench -m lfmap"; do
        grep -qF -- "$nowant" "$tmp/fig/index.html" &&
            { echo "FAIL: index.html repeats a figure caption ('$nowant')"; fail=1; }
    done
    grep -q PARTIAL "$tmp/fig/throughput-95-5.svg" && { echo "FAIL: a full matrix is captioned PARTIAL"; fail=1; }
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
svgtext "$tmp/fig3/throughput-hotkeys.svg" | grep -q "PARTIAL MATRIX, missing 1 cell" ||
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
grep "layout:" "$tmp/out" && { echo "FAIL: bytes: layout defects (above)"; fail=1; }
for want in bytes-throughput.png caches.png "1e5 entries, 64-512 B values" "1e5 entries, 16-64 B values" \
    "records: <a href="; do
    grep -qF -- "$want" "$tmp/fig4/index.html" 2>/dev/null || { echo "FAIL: bytes: index.html lacks '$want'"; fail=1; }
done
for want in "issue 19" "host vm"; do
    svgtext "$tmp/fig4/bytes-throughput.svg" | grep -qF -- "$want" ||
        { echo "FAIL: bytes: bytes-throughput.svg's caption lacks '$want'"; fail=1; }
done
svgtext "$tmp/fig4/caches.svg" | grep -qF -- "-w cache -m caches" ||
    { echo "FAIL: bytes: caches.svg's caption lacks its command"; fail=1; }
grep -qF 'class="cap"' "$tmp/fig4/index.html" && { echo "FAIL: bytes: index.html repeats the captions"; fail=1; }
# Drop lfmap-cache's third repetition at 2 threads (the repetition comes
# before the thread count in a record).
grep -v '"map":"lfmap-cache".*"repeat_index":2,.*"threads":2,' "$bx/cache.jsonl" >"$tmp/cache-partial.jsonl"
[ "$(wc -l <"$tmp/cache-partial.jsonl")" -eq $(($(wc -l <"$bx/cache.jsonl") - 1)) ] ||
    { echo "FAIL: bytes-partial: fixture not built"; fail=1; }
check bytes-partial 3 "cache 1e5 entries, 64-512 B values: lfmap-cache cache 1e5 keys 2 thread(s): 2 of 3" \
    "$PY" scripts/plot_harness.py --bytes "$tmp/cache-partial.jsonl" -o "$tmp/x"
check bytes-none 2 "no byte-key or cache records" "$PY" scripts/plot_harness.py --bytes "$fx" -o "$tmp/x"
check bytes-default 0 "3 figures (PNG and SVG)" "$PY" scripts/plot_harness.py --bytes -o "$tmp/fig5"

# Without -o the harness figures go to the study's own directory,
# results/harness/figures/ (on a copy of scripts/, so the committed figures
# stay untouched; the micro-benchmarks alone, the quickest to draw).
mkdir -p "$tmp/tree"
cp -r scripts "$tmp/tree/"
check default-outdir 0 "results/harness/figures/index.html" \
    "$PY" "$tmp/tree/scripts/plot_harness.py" --microbench tests/tooling/fixtures/microbench-mini.json
[ -s "$tmp/tree/results/harness/figures/index.html" ] ||
    { echo "FAIL: plot_harness.py's default OUTDIR is not results/harness/figures/"; fail=1; }

# The layout helpers (scripts/plot_layout.py) on figures built to fail and to pass.
cat >"$tmp/layout.py" <<'EOF'
import sys
sys.path.insert(0, "scripts")
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import plot_layout as pf
import plot_first
# A legend on the data is found; the same legend above the panels is not.
fig, ax = plt.subplots(figsize=(5, 4))
for i in range(8):
    ax.plot([0, 1], [i, i + 1], label="series %d" % i)
ax.legend(loc="center")
t = pf.place_caption(fig, "a caption " * 30)
assert any("legend overlaps" in d for d in pf.layout_defects(fig, t)), pf.layout_defects(fig, t)
ax.get_legend().remove()
top = pf.legend_above(fig, pf.handles_of([ax]))
t = pf.place_caption(fig, "a caption " * 30, top=top)
assert pf.layout_defects(fig, t) == [], pf.layout_defects(fig, t)
# 15-19 MiB: linear from 0; 0.5-300: logarithmic, labels without powers of ten.
fig, (a1, a2) = plt.subplots(1, 2)
a1.bar([0, 1, 2], [15.2, 17.0, 19.1])
assert pf.value_axis(a1, "symlog", linthresh=1) == "linear" and a1.get_ylim()[0] == 0
a2.bar([0, 1, 2], [0.5, 30, 300])
assert pf.value_axis(a2, "log") == "log"
fig.canvas.draw()
labels = [t.get_text() for t in a2.get_yticklabels() if t.get_text()]
assert labels and not any("^" in x or "times" in x for x in labels), labels
assert [pf.plain_number(v) for v in (0, 0.01, 15, 1000, 1e4, 2.5e6)] == ["0", "0.01", "15", "1,000", "1e4", "2.5e6"]
# growth.png: one windowed series per panel on the right.
recs = plot_first.load("tests/tooling/fixtures/first-mini.jsonl")
fig = plot_first.growth_figure(recs, "caption")
right = [ax for ax in fig.axes if any(ln.get_drawstyle() == "steps-post" for ln in ax.lines)]
assert len(right) >= 2 and all(len(ax.lines) == 1 for ax in right), [len(ax.lines) for ax in right]
print("layout checks ok")
EOF
check layout 0 "layout checks ok" "$PY" "$tmp/layout.py"

check no-matplotlib 1 "cannot import matplotlib" env PYTHON=/bin/false scripts/find-python.sh matplotlib

[ $fail -eq 0 ] && echo "ok: plot_harness.py: valid matrix, 7 malformed inputs, partial matrix, byte-key and cache" \
    "figures, captions once, layout"
exit $fail
