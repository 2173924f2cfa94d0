#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lfmap-suite: full (not in the library suite of make tsan / make perturb: tests/run.sh)
# `make quick` (scripts/reproduce.sh --quick) writes only under directories
# git ignores: after it, `git status` shows what it showed before.  Quick
# numbers are not for citing, so they must never overwrite the committed
# figures (results/*/figures/) or tables (results/*/tables.md).
# Runs reproduce.sh --tiny, the quick mode's code path with smaller
# parameters (~1 min here).  Skipped (exit 78) outside a git checkout or
# without matplotlib.
set -u
cd "$(dirname "$0")/../.." || exit 2
git rev-parse --is-inside-work-tree >/dev/null 2>&1 || { echo "quick_leaves_tree_clean: skipped, not a git checkout"; exit 78; }
scripts/find-python.sh matplotlib >/dev/null 2>&1 || { echo "quick_leaves_tree_clean: skipped, no matplotlib"; exit 78; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status() { git status --porcelain=v1 --untracked-files=all; }
# Writes are caught even when they leave the same bytes (deterministic figures
# redrawn from the same records): a tracked file newer than the stamp was
# written.
status >"$tmp/before"
sleep 1
stamp=$(date +%s)
out=results/harness/$(date -u +%Y%m%dT%H%M%SZ)-check-tiny
if ! RESULTS_DIR=$out scripts/reproduce.sh --tiny >"$tmp/log" 2>&1; then
    echo "FAIL: scripts/reproduce.sh --tiny failed:"
    tail -n 20 "$tmp/log" | sed 's/^/    | /'
    rm -rf "$out"
    exit 1
fi
status >"$tmp/after"
rm -rf "$out"
git ls-files -z | xargs -0 -r stat -c '%Y %n' 2>/dev/null | awk -v s="$stamp" '$1 >= s { print $2 }' >"$tmp/written"
if [ -s "$tmp/written" ]; then
    echo "FAIL: the tiny reproduction wrote tracked files:"
    sed 's/^/    | /' "$tmp/written"
    exit 1
fi
if ! diff -u "$tmp/before" "$tmp/after" >"$tmp/diff"; then
    echo "FAIL: the tiny reproduction changed the tree (git status before -> after):"
    sed 's/^/    | /' "$tmp/diff"
    exit 1
fi
echo "ok: reproduce.sh --tiny wrote only ignored files (git status unchanged)"
