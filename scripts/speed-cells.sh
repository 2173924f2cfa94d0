#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The core-speed cells: lfmap against the plain (non-concurrent) map, both
# through build/lfbench, uniform keys in a range K with K/2 keys prefilled,
# 95/5, 50/50 and 10/90 (writes split between insert-if-absent and remove),
# K = 1e4 and 1e6, lfmap at 1 and 2 threads pinned compactly, the plain map at
# 1 thread; medians of --repeat runs with the maps interleaved.  Prints the
# ratio table (lfmap / plain at 1 thread) that paper-notes.md reports.
#
#   scripts/speed-cells.sh [OUTDIR]    (default results/speed/<sha>)
#
# About 3 minutes.  Run nothing else meanwhile.
set -euo pipefail
cd "$(dirname "$0")/.."
sha=$(git rev-parse --short HEAD)
[ -z "$(git status --porcelain --untracked-files=no)" ] || sha="$sha-dirty"
out=${1:-results/speed/$sha}
repeat=${SPEED_REPEAT:-3}
duration=${SPEED_DURATION:-1}
mkdir -p "$out"
make -s lib experiments
for initial in 5000 500000; do
    build/lfbench -m plain,lfmap -w 95/5,50/50,10/90 -n 1 -i $initial -d "$duration" --repeat "$repeat" \
        --pin compact -o "$out/cells.jsonl" >/dev/null
    build/lfbench -m lfmap -w 95/5,50/50,10/90 -n 2 -i $initial -d "$duration" --repeat "$repeat" \
        --pin compact -o "$out/cells.jsonl" >/dev/null
done
/usr/bin/python3 scripts/speed_table.py "$out/cells.jsonl" | tee "$out/table.md"
