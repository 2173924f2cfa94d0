#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lfmap-suite: full (documentation: the same in every build tree; tests/run.sh)
# README.md's Layout table names what exists: every tracked entry at the top
# of the tree (but dot-files), every file of scripts/ and every test group
# (tests/run.sh's list) appears in it, as `name`.  It failed when two new
# scripts and the build files were missing from the table.
set -u
cd "$(dirname "$0")/../.." || exit 2
command -v git >/dev/null && git rev-parse --git-dir >/dev/null 2>&1 ||
    { echo "skipped: not a git checkout (the check reads the tracked files)"; exit 77; }
layout=$(awk '/^## Layout/ { on = 1; next } on && /^## / { exit } on' README.md)
[ -n "$layout" ] || { echo "FAIL: README.md has no '## Layout' section"; exit 1; }
missing=()
for name in $(git ls-files | cut -d/ -f1 | sort -u | grep -v '^\.') \
    $(git ls-files scripts | xargs -n1 basename) \
    $(sed -n 's/^all_groups="\(.*\)"$/\1/p' tests/run.sh); do
    grep -qF -e "\`$name" -e "\`$name/" <<<"$layout" || missing+=("$name")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "FAIL: README.md's Layout table does not name: ${missing[*]}"
    exit 1
fi
echo "ok: README.md's Layout table names every top-level entry, script and test group"
