#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lfmap-suite: full (not in the library suite of make tsan / make perturb: tests/run.sh)
# The reclamation-scheme figures and tables from raw records:
# tests/tooling/fixtures/schemes-mini/ (a tiny scripts/run-scheme-matrix.sh run, with
# a synthetic second scheme "leak" copied from the first so that grouping by
# scheme is exercised) gives every figure, PNG and SVG
# (scripts/plot_schemes.py, also through scripts/scheme-figures.sh, whose
# default FIGDIR is the study's results/schemes/figures/), and
# scripts/scheme_tables.py its four regions, idempotently, in a notes file;
# the generated results/schemes/tables.md carries the four marker pairs.  A
# missing directory, one without records, malformed JSON, a record without a required field and a
# foreign schema each fail with exit 2 and a message naming the problem.
# No figure reports a layout defect (a legend on a panel, a caption on the
# labels).
# Exit 78 when no interpreter here can import matplotlib.
set -u
cd "$(dirname "$0")/../.." || exit 2
PY=$(scripts/find-python.sh matplotlib 2>&1) || { echo "$PY"; echo "plot_schemes: skipped, no matplotlib"; exit 78; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fx=tests/tooling/fixtures/schemes-mini
fail=0
regions="scheme-throughput scheme-memory scheme-stall scheme-readside"

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

check figures 0 "4 figures (PNG and SVG)" "$PY" scripts/plot_schemes.py "$fx" -o "$tmp/fig"
# No legend on a panel, no caption on the labels (scripts/plot_layout.py's
# layout_defects, which plot_schemes.py runs on every figure it saves).
grep "layout:" "$tmp/out" && { echo "FAIL: figures: layout defects (above)"; fail=1; }
for f in schemes-throughput schemes-memory schemes-stall schemes-readside; do
    for ext in png svg; do
        [ -s "$tmp/fig/$f.$ext" ] || { echo "FAIL: $f.$ext not written"; fail=1; }
    done
done
grep -q "leak" "$tmp/fig/schemes-readside.svg" || { echo "FAIL: the read-side figure lacks the leak scheme"; fail=1; }

# scheme-figures.sh: the same from a named directory, tables beside the records.
cp -r "$fx" "$tmp/res"
check scheme-figures 0 "figures in $tmp/fig2" env FIGDIR="$tmp/fig2" PYTHON="$PY" scripts/scheme-figures.sh "$tmp/res"
[ -s "$tmp/fig2/schemes-stall.png" ] || { echo "FAIL: scheme-figures.sh drew no stall figure"; fail=1; }
[ -s "$tmp/res/tables.md" ] || { echo "FAIL: scheme-figures.sh wrote no tables.md"; fail=1; }
# Without FIGDIR the figures go to the study's own directory,
# results/schemes/figures/ (on a copy of scripts/, so the committed figures
# stay untouched).
mkdir -p "$tmp/tree"
cp -r scripts "$tmp/tree/"
check default-figdir 0 "figures in results/schemes/figures," env PYTHON="$PY" "$tmp/tree/scripts/scheme-figures.sh" "$tmp/res"
[ -s "$tmp/tree/results/schemes/figures/schemes-stall.png" ] ||
    { echo "FAIL: scheme-figures.sh's default FIGDIR is not results/schemes/figures/"; fail=1; }

# The tables: every region, both schemes, the target.
check print 0 "<!-- BEGIN scheme-readside -->" "$PY" scripts/scheme_tables.py "$fx" --print
for want in "| urcu-memb |" "| leak |" "Target: the default scheme" "churn-50/50" "back under 1/10" "unfreed after lfmap_free"; do
    grep -qF -- "$want" "$tmp/out" || { echo "FAIL: scheme_tables --print lacks '$want'"; fail=1; }
done
{
    printf '# notes\nbefore\n'
    for r in $regions; do printf '<!-- BEGIN %s -->\nstale\n<!-- END %s -->\nbetween\n' "$r" "$r"; done
    printf 'after\n'
} >"$tmp/notes.md"
check notes 0 "4 table regions updated" "$PY" scripts/scheme_tables.py "$fx" --notes "$tmp/notes.md"
grep -q stale "$tmp/notes.md" && { echo "FAIL: a stale region survived"; fail=1; }
cp "$tmp/notes.md" "$tmp/notes.once"
check idempotent 0 "already current" "$PY" scripts/scheme_tables.py "$fx" --notes "$tmp/notes.md"
cmp -s "$tmp/notes.once" "$tmp/notes.md" || { echo "FAIL: a second run changed the notes"; fail=1; }
sed '/^<!-- END scheme-stall -->$/d' "$tmp/notes.once" >"$tmp/bad.md"
check missing-marker 1 "marker '<!-- END scheme-stall -->' not found" "$PY" scripts/scheme_tables.py "$fx" --notes "$tmp/bad.md"
for r in $regions; do
    [ "$(grep -cxF "<!-- BEGIN $r -->" results/schemes/tables.md)" = 1 ] &&
        [ "$(grep -cxF "<!-- END $r -->" results/schemes/tables.md)" = 1 ] ||
        { echo "FAIL: results/schemes/tables.md lacks the marker pair of $r"; fail=1; }
done

# Bad input: exit 2, nothing drawn.
check missing 2 "no such file or directory" "$PY" scripts/plot_schemes.py "$tmp/nonexistent" -o "$tmp/x"
mkdir -p "$tmp/empty"
check no-records 2 "none of throughput.jsonl" "$PY" scripts/plot_schemes.py "$tmp/empty" -o "$tmp/x"
mkdir -p "$tmp/bad"
{ head -n 2 "$fx/throughput.jsonl"; echo '{"schema":"lfbench/1",'; } >"$tmp/bad/throughput.jsonl"
check malformed 2 "throughput.jsonl:3: not valid JSON" "$PY" scripts/plot_schemes.py "$tmp/bad" -o "$tmp/x"
sed '1s/"rss_peak":[0-9]*,//' "$fx/pointer.jsonl" >"$tmp/bad/throughput.jsonl"
check missing-field 2 "lacks field 'memory.rss_peak'" "$PY" scripts/plot_schemes.py "$tmp/bad" -o "$tmp/x"
sed '1s/"scheme-get\/1"/"scheme-get\/0"/' "$fx/readside.jsonl" >"$tmp/bad/readside.jsonl"
cp "$fx/throughput.jsonl" "$tmp/bad/throughput.jsonl"
check schema 2 "expected 'scheme-get/1'" "$PY" scripts/scheme_tables.py "$tmp/bad" --print
[ -e "$tmp/x" ] && { echo "FAIL: a failed input check wrote $tmp/x"; fail=1; }

# Which run scheme-figures.sh draws: chosen by the records, not the names.
# A partial run whose name sorts last, a complete quick run and a complete
# full run recorded earlier than the quick one: the full run wins; without
# it the complete quick run; a run that names no mode counts as full.
sel=$tmp/select
mkdir -p "$sel/20990101T0000Z-vm-readside" "$sel/20200101T000000Z-vm" "$sel/20300101T000000Z-vm-quick"
cp "$fx/readside.jsonl" "$sel/20990101T0000Z-vm-readside/"
for d in 20200101T000000Z-vm 20300101T000000Z-vm-quick; do cp "$fx"/*.jsonl "$sel/$d/"; done
echo "# scripts/run-scheme-matrix.sh (full), 2020-01-01T00:00:00Z" >"$sel/20200101T000000Z-vm/command.txt"
echo "# scripts/run-scheme-matrix.sh (quick), 2030-01-01T00:00:00Z" >"$sel/20300101T000000Z-vm-quick/command.txt"
check newest-full 0 "$sel/20200101T000000Z-vm" "$PY" scripts/scheme_records.py --newest "$sel"
rm -r "$sel/20200101T000000Z-vm"
check newest-quick 0 "$sel/20300101T000000Z-vm-quick" "$PY" scripts/scheme_records.py --newest "$sel"
rm -r "$sel/20300101T000000Z-vm-quick"
check newest-partial 0 "$sel/20990101T0000Z-vm-readside" "$PY" scripts/scheme_records.py --newest "$sel"
check newest-none 1 "no run under" "$PY" scripts/scheme_records.py --newest "$tmp/nonexistent"

[ $fail -eq 0 ] && echo "ok: plot_schemes.py: 4 figures; scheme_tables.py: 4 regions, idempotent; 5 bad inputs rejected; the newest complete run chosen by its records"
exit $fail
