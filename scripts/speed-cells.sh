#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The core-speed cells: lfmap as users link it (the shared library, series
# lfmap; the static one, lfmap-static) against the plain (non-concurrent)
# map, all through build/lfbench: uniform keys in a range K with K/2 keys
# prefilled, 95/5, 50/50 and 10/90 (writes split between insert-if-absent
# and remove), K = 1e4 and 1e6, one untimed second of the workload first
# (--warmup: the steady state that churn leads to), threads pinned
# compactly.  One thread: plain, plain-locked (the plain map whose effective
# writes commit with one locked instruction: the floor of any concurrent
# map's write), lfmap and lfmap-static, interleaved within each repetition.
# Two threads: lfmap and lfmap-static; the core-to-core round trip is
# measured around each run, and a 2-thread point counts only in the fast
# phase (field-notes.md): it is retried, up to SPEED_RETRIES times, until
# SPEED_REPEAT fast-phase repetitions are in.  Prints the table that
# results/speed/README.md reports (scripts/speed_table.py): ratios to plain at one
# thread in the same repetition, medians, and shared/static per cell.
#
#   scripts/speed-cells.sh [OUTDIR]    (default results/speed/<sha>)
#
# Environment: SPEED_REPEAT (default 5), SPEED_DURATION (s, default 1),
# SPEED_RETRIES (default 12), SPEED_FAST_C2C_NS (default 200).  About 6
# minutes when the machine stays in the fast phase.  Run nothing else meanwhile.
set -euo pipefail
cd "$(dirname "$0")/.."
sha=$(git rev-parse --short HEAD)
[ -z "$(git status --porcelain --untracked-files=no)" ] || sha="$sha-dirty"
out=${1:-results/speed/$sha}
repeat=${SPEED_REPEAT:-5}
duration=${SPEED_DURATION:-1}
retries=${SPEED_RETRIES:-12}
fast=${SPEED_FAST_C2C_NS:-200}
python=$(scripts/find-python.sh json)
mkdir -p "$out"
make -s lib experiments
cells=$out/cells.jsonl
common=(-w 95/5,50/50,10/90 -d "$duration" --warmup 1 --pin compact -o "$cells")
for initial in 5000 500000; do
    build/lfbench -m plain,plain-locked,lfmap,lfmap-static -n 1 -i $initial --repeat "$repeat" "${common[@]}" >/dev/null
    # Two threads, one repetition at a time, until enough of them ran in the
    # fast phase (each record keeps its round trips; the table filters).
    for ((try = 0; try < retries; try++)); do
        have=$("$python" scripts/speed_table.py --count-fast "$fast" --initial $initial "$cells")
        [ "$have" -ge "$repeat" ] && break
        build/lfbench -m lfmap,lfmap-static -n 2 -i $initial --repeat 1 -s $((try + 2)) "${common[@]}" >/dev/null
    done
done
"$python" scripts/speed_table.py --fast "$fast" "$cells" | tee "$out/table.md"
