#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Regenerates every figure of results/first/README.md ("first figures") in
# one command: builds the benchmarks, runs bench_first (5 repetitions, 1e3
# and 1e7 keys, growth to 1e7) and bench_rcu_readside, and plots.
#
#   scripts/reproduce-first.sh [OUTDIR]     (default results/first/<sha>)
#
# Takes about 5 minutes on the 2-core reference VM.  Run nothing else
# meanwhile: a concurrent job corrupts the timings.
set -euo pipefail
cd "$(dirname "$0")/.."
sha=$(git rev-parse --short HEAD)
[ -z "$(git status --porcelain --untracked-files=no)" ] || sha="$sha-dirty"
out=${1:-results/first/$sha}
mkdir -p "$out"
make -s experiments
build/experiments/bench_first -r 5 -o "$out/first.jsonl" 2>"$out/first.txt"
build/experiments/bench_rcu_readside -r 7 >"$out/rcu_readside.jsonl"
/usr/bin/python3 scripts/plot_first.py "$out/first.jsonl" "$out" >"$out/tables.md"
cat "$out/tables.md"
tail -n 1 "$out/rcu_readside.jsonl"
echo "figures: $out/ratios.png $out/growth.png"
