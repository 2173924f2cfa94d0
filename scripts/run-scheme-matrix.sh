#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The reclamation-scheme experiments: lfmap under every reclamation scheme
# (build/lfbench --list-schemes) and, as an independent reference, xenium's
# vyukov_hash_map under each of xenium's schemes (series xenium/NAME), the
# series interleaved in every repetition, into
# results/schemes/<date>-<host>[-quick]/:
#
#   throughput.jsonl  95/5, 50/50, 10/90 (insert-remove writes), steady size
#   churn.jsonl       churn-95/5, churn-50/50, churn-10/90: each thread fills
#                     its keys to the high watermark (32 x the prefill) and
#                     drains them again, so the table grows and shrinks over
#                     and over (memory.resizes counts them)
#   pointer.jsonl     95/5, 50/50, 10/90 with pointer values, every write a put
#                     that replaces (and retires) a heap object
#                     (all three: peak retired bytes/values and RSS per run)
#   stall.jsonl       the stalled reader: one thread holds a read-side section
#                     (lfmap_read_lock; xenium's region guard) for STALL seconds
#                     while writers churn pointer values; memory sampled every
#                     10 ms, and after the run until drained
#   readside.jsonl    ns per get per lfmap scheme, 1 thread, small map in cache,
#                     median of repetitions (build/experiments/bench_scheme_get)
#
# plus command.txt (every command), machine.txt (host, CPUs, memory, kernel,
# compiler, commit) and the readable tables (*.txt); then draws the figures
# (scripts/plot_schemes.py, into FIGDIR, default results/schemes/figures/, or
# its quick/ in quick mode) and the
# scheme tables (scripts/scheme_tables.py --print > tables.md).
#
#   scripts/run-scheme-matrix.sh [--quick] [--estimate]     (make schemes [QUICK=1])
#
#   full   threads 1,2; 1 s runs, 3 repetitions; stalled reader 4 s in 5 s
#          runs; 21 read-side repetitions: about 25 minutes with the 10
#          schemes of rcu/schemes.def and xenium's 7 (--estimate prints the
#          plan and the estimate).
#          For a quiet machine: nothing else building or testing.  Memory:
#          `leak` keeps every retired table and value for the life of the
#          process, so the pointer part ends near 7 GB of RSS (~0.65 GB per
#          1 s leak run at 10/90); RSS figures are growth within each run.
#   quick  (--quick or QUICK=1) threads 2; 0.2 s runs, 1 repetition; stall
#          0.5 s in 1 s runs; 5 read-side repetitions: about 1 minute;
#          figures in results/schemes/figures/quick/ (ignored), records in
#          results/schemes/<date>-<host>-quick/ (ignored).
#
# Environment: BUILD (build), SCHEMES (default all: lfmap's and xenium's;
# a list may name either's), MAPS (default lfmap,xenium), THREADS, DURATION,
# REPEAT, STALL, RESULTS_DIR, FIGDIR, NOTES (a generated file whose scheme-*
# markers to rewrite, e.g. results/schemes/tables.md; default none), LFB_EXTRA (more lfbench options, e.g.
# --pin compact), PYTHON (an interpreter with matplotlib).
set -euo pipefail
cd "$(dirname "$0")/.."
quick=false
estimate_only=false
case "${QUICK:-}" in "" | 0 | false | no) ;; *) quick=true ;; esac
for a in "$@"; do
    case "$a" in
    --quick) quick=true ;;
    --estimate) estimate_only=true ;;
    -h | --help) sed -n '3,41s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "run-scheme-matrix: unknown argument '$a' (--quick, --estimate)" >&2; exit 64 ;;
    esac
done
BUILD=${BUILD:-build}
if $quick; then
    threads=${THREADS:-2} duration=${DURATION:-0.2} repeat=${REPEAT:-1}
    stall=${STALL:-0.5} stall_duration=1 rs_reps=5 rs_gets=500000 tag=-quick
else
    threads=${THREADS:-1,2} duration=${DURATION:-1} repeat=${REPEAT:-3}
    stall=${STALL:-4} stall_duration=5 rs_reps=21 rs_gets=2000000 tag=
fi
schemes=${SCHEMES:-all}
maps=${MAPS:-lfmap,xenium}
# Quick runs are not for citing: their figures go to an ignored directory,
# never over the committed ones (.gitignore: /results/schemes/figures/quick/).
if $quick; then
    figdir=${FIGDIR:-results/schemes/figures/quick}
else
    figdir=${FIGDIR:-results/schemes/figures}
fi
notes=${NOTES:-none}
# Steady workloads at 1e5 keys (a 4 MiB table: out of L2, as a real map);
# churn from 1e4 to 3.2e5 keys (a fill-and-drain cycle takes ~0.1-1 s, so a
# run sees several, each doubling the table 3-4 times and shrinking it once).
steady_keys=1e5 churn_keys=1e4 stall_keys=1e4

make -s -j"$(nproc)" BUILD="$BUILD" "$BUILD/lfbench" "$BUILD/experiments/bench_scheme_get" >&2
# lfmap's schemes (the read-side part measures only these) and the series count.
lfmap_schemes=$("$BUILD/lfbench" --list-schemes | paste -sd, -)
if [ "$schemes" = all ]; then
    rs_schemes=all
    nschemes=$(($("$BUILD/lfbench" --list-schemes | wc -l) + ($(tr ',' '\n' <<<"$maps" | grep -cx xenium) ? 7 : 0)))
else
    rs_schemes=$(tr ',' '\n' <<<"$schemes" | grep -xF -f <(tr ',' '\n' <<<"$lfmap_schemes") | paste -sd, -)
    nschemes=$(tr ',' '\n' <<<"$schemes" | wc -l)
fi
nthreads=$(tr ',' '\n' <<<"$threads" | wc -l)
runs=$((3 * 3 * nthreads * repeat * nschemes))
# Seconds: each run's duration plus ~0.15 s of set-up (prefill, differential
# check, memory monitor); a stall run up to 2 s more (the drain watch); the
# read-side part ~2 modes x reps x gets x ~15 ns per scheme.
est=$(awk -v r="$runs" -v d="$duration" -v n="$nschemes" -v sd="$stall_duration" -v rr="$rs_reps" -v g="$rs_gets" \
    'BEGIN { printf "%d", r * (d + 0.15) + n * (sd + 2.5) + n * 2 * (rr + 1) * g * 15e-9 + 10 }')
mode=$($quick && echo quick || echo full)
echo "run-scheme-matrix ($mode): $nschemes scheme(s); $runs throughput runs (steady, churn, pointer values;" \
    "95/5, 50/50, 10/90; threads $threads; ${duration} s x $repeat), $nschemes stalled-reader runs" \
    "(${stall} s in ${stall_duration} s), read-side x $rs_reps; estimated $((est / 60)) min $((est % 60)) s" >&2
$estimate_only && exit 0

PY=$(scripts/find-python.sh matplotlib) || exit 1
out=${RESULTS_DIR:-results/schemes/$(date -u +%Y%m%dT%H%M%SZ)-$(hostname -s)$tag}
mkdir -p "$out"
start=$(date +%s)

lfb=("$BUILD/lfbench" -m "$maps" --scheme "$schemes" --seed 1 --repeat "$repeat" -n "$threads" -d "$duration")
# shellcheck disable=SC2206
extra=(${LFB_EXTRA:-})
steady=("${lfb[@]}" -w 95/5,50/50,10/90 -i "$steady_keys" -o "$out/throughput.jsonl" "${extra[@]}")
churn=("${lfb[@]}" -w churn-95/5,churn-50/50,churn-10/90 -i "$churn_keys" -o "$out/churn.jsonl" "${extra[@]}")
pointer=("${lfb[@]}" -w 95/5,50/50,10/90 -i "$steady_keys" --values pointer --write-mix put
    -o "$out/pointer.jsonl" "${extra[@]}")
stallrun=("$BUILD/lfbench" -m "$maps" --scheme "$schemes" --seed 1 --repeat 1 -n 2 -d "$stall_duration"
    -w churn-50/50 -i "$stall_keys" --values pointer --stall "$stall" -o "$out/stall.jsonl" "${extra[@]}")
readside=("$BUILD/experiments/bench_scheme_get" -s "$rs_schemes" -r "$rs_reps" -n "$rs_gets" -o "$out/readside.jsonl")
{
    echo "# scripts/run-scheme-matrix.sh ($mode), $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
    echo "${steady[*]}"
    echo "${churn[*]}"
    echo "${pointer[*]}"
    echo "${stallrun[*]}"
    echo "${readside[*]}"
} >"$out/command.txt"
{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "host: $(hostname)"
    echo "kernel: $(uname -srvm)"
    echo "cpus: $(nproc)"
    echo "cpu model: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
    echo "memory: $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
    echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "compiler: $(${CC:-cc} --version | head -n 1)"
    echo "commit: $(git rev-parse HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD 2>/dev/null || echo ' (dirty)')"
    echo "schemes: $("$BUILD/lfbench" --list-schemes | paste -sd' ' -)"
} >"$out/machine.txt"
rm -f "$out"/*.jsonl
run_part() { # array-name label
    local -n cmd=$1
    echo "== $2 -> $out/$2.jsonl" >&2
    "${cmd[@]}" >"$out/$2.txt"
    tail -n 1 "$out/$2.txt" >&2
}
run_part steady throughput
run_part churn churn
run_part pointer pointer
run_part stallrun stall
echo "== read-side cost -> $out/readside.jsonl" >&2
"${readside[@]}" 2>"$out/readside.txt"
tail -n 1 "$out/readside.txt" >&2
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/machine.txt"
ran=$(($(date +%s) - start))

echo "== figures -> $figdir" >&2
"$PY" scripts/plot_schemes.py "$out" -o "$figdir" >"$out/figures.txt"
"$PY" scripts/scheme_tables.py "$out" --print >"$out/tables.md"
if [ "$notes" != none ]; then
    "$PY" scripts/scheme_tables.py "$out" --notes "$notes"
fi
echo "run-scheme-matrix ($mode): measured in $((ran / 60)) min $((ran % 60)) s (estimate was" \
    "$((est / 60)) min $((est % 60)) s); raw records in $out; figures in $figdir; tables in $out/tables.md"
