#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The harness's measurement matrix: every map through 95/5, 50/50, 10/90,
# hotkeys and bulkload, at 1 and 2 threads and 1e4 and 1e6 keys, 3
# repetitions with the maps interleaved.  ~756 runs of 0.5 s (bulkload capped
# at 2.5 s): about 12-15 minutes.  Run it on a quiet machine (nothing else
# building or testing).  Writes results/harness/<date>-<host>/ with the JSON
# lines, the stdout table and the markdown summary.
#
#   scripts/run-harness-matrix.sh [extra lfbench options, e.g. --pin compact]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${LFB_MATRIX_DURATION:-0.5}
out=results/harness/$(date -u +%Y%m%dT%H%M%SZ)-$(hostname -s)
mkdir -p "$out"
make -j"$(nproc)" build/lfbench >&2
build/lfbench --map all -w 95/5,50/50,10/90,hotkeys,bulkload -n 1,2 -i 1e4,1e6 \
    -d "$DURATION" --repeat 3 --seed 1 -o "$out/runs.jsonl" "$@" | tee "$out/table.txt"
python3 scripts/summarise_harness.py "$out/runs.jsonl" >"$out/summary.md"
echo "matrix done: $out/summary.md" >&2
