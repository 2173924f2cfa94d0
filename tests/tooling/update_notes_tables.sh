#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lfmap-suite: full (not in the library suite of make tsan / make perturb: tests/run.sh)
# scripts/update_notes_tables.py replaces exactly the lines between each
# BEGIN/END marker pair (everything else byte for byte), is idempotent, and
# fails clearly, writing nothing, when a marker is missing, duplicated, out
# of order or not alone on its line; bad records fail with exit 2; refuses
# to rewrite a prose file (paper-notes.md, a README.md).  Also checks that
# the generated results/harness/tables.md carries every marker pair and that
# paper-notes.md carries none (the prose links to the tables).  Needs only
# python3 (standard library); exit 78 without one.
set -u
cd "$(dirname "$0")/../.." || exit 2
PY=$(scripts/find-python.sh json 2>&1) || { echo "$PY"; echo "update_notes_tables: skipped, no python3"; exit 78; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fx=tests/tooling/fixtures/harness-mini.jsonl
fail=0
regions="harness-table harness-memory harness-claims microbench-table"

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

# Notes with text around and between the regions, and stale bodies.
{
    printf '# notes\n\nbefore, with a trailing space \n'
    for r in $regions; do
        printf '<!-- BEGIN %s -->\nstale %s line 1\nstale line 2\n<!-- END %s -->\nbetween %s\n\n' "$r" "$r" "$r" "$r"
    done
    printf 'after\n<!-- not a marker -->\nno newline at the end'
} >"$tmp/notes.md"
strip() { awk '/^<!-- BEGIN /{print; skip=1; next} /^<!-- END /{skip=0} !skip' "$1"; }
strip "$tmp/notes.md" >"$tmp/outside.before"
check update 0 "table regions updated" "$PY" scripts/update_notes_tables.py "$fx" --notes "$tmp/notes.md"
strip "$tmp/notes.md" >"$tmp/outside.after"
cmp -s "$tmp/outside.before" "$tmp/outside.after" ||
    { echo "FAIL: text outside the markers changed:"; diff "$tmp/outside.before" "$tmp/outside.after" | head; fail=1; }
grep -q stale "$tmp/notes.md" && { echo "FAIL: a stale region body survived"; fail=1; }
grep -qF "| workload | lfmap | mutex | plain |" "$tmp/notes.md" || { echo "FAIL: no 1-thread table"; fail=1; }
grep -qF "| workload | lfmap | mutex |" "$tmp/notes.md" || { echo "FAIL: no 2-thread table"; fail=1; }
grep -qF "harness-mini.jsonl" "$tmp/notes.md" || { echo "FAIL: the source is not named"; fail=1; }
cp "$tmp/notes.md" "$tmp/notes.once"
check idempotent 0 "already current" "$PY" scripts/update_notes_tables.py "$fx" --notes "$tmp/notes.md"
cmp -s "$tmp/notes.once" "$tmp/notes.md" || { echo "FAIL: a second run changed the file"; fail=1; }

# Marker errors: nothing written.
bad() { # name expected-text sed-script
    sed "$3" "$tmp/notes.once" >"$tmp/bad.md"
    cp "$tmp/bad.md" "$tmp/bad.orig"
    check "$1" 1 "$2" "$PY" scripts/update_notes_tables.py "$fx" --notes "$tmp/bad.md"
    cmp -s "$tmp/bad.md" "$tmp/bad.orig" || { echo "FAIL: $1: the file was changed"; fail=1; }
}
bad missing-end "marker '<!-- END harness-memory -->' not found" '/^<!-- END harness-memory -->$/d'
bad missing-begin "marker '<!-- BEGIN harness-claims -->' not found" '/^<!-- BEGIN harness-claims -->$/d'
bad duplicate "appears more than once" '$a\
<!-- BEGIN harness-table -->\
<!-- END harness-table -->'
bad order "comes before its BEGIN" 's/^<!-- BEGIN microbench-table -->$/XX/; s/^<!-- END microbench-table -->$/<!-- BEGIN microbench-table -->/; s/^XX$/<!-- END microbench-table -->/'
bad inline "must be alone on its line" 's/^<!-- BEGIN harness-memory -->$/text <!-- BEGIN harness-memory -->/'

check bad-records 2 "no records (empty file)" "$PY" scripts/update_notes_tables.py /dev/null --notes "$tmp/notes.md"
check print 0 "<!-- BEGIN harness-claims -->" "$PY" scripts/update_notes_tables.py "$fx" --print
mkdir "$tmp/prose"
cp "$tmp/notes.once" "$tmp/prose/paper-notes.md"
check prose 1 "refusing to rewrite a prose file" "$PY" scripts/update_notes_tables.py "$fx" --notes "$tmp/prose/paper-notes.md"
cmp -s "$tmp/notes.once" "$tmp/prose/paper-notes.md" || { echo "FAIL: a prose file was rewritten"; fail=1; }

tables=results/harness/tables.md
for r in $regions; do
    [ "$(grep -cxF "<!-- BEGIN $r -->" $tables)" = 1 ] && [ "$(grep -cxF "<!-- END $r -->" $tables)" = 1 ] ||
        { echo "FAIL: $tables lacks the marker pair of $r"; fail=1; }
done
grep -n '^<!-- \(BEGIN\|END\) ' paper-notes.md && { echo "FAIL: paper-notes.md carries generated regions (they belong in results/<study>/tables.md)"; fail=1; }

[ $fail -eq 0 ] && echo "ok: update_notes_tables.py: exact replacement, idempotent, 5 marker errors caught, prose refused"
exit $fail
