#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Reproduces every harness result in one command: builds, runs the
# experiment matrix (build/lfbench, and build/lfbench-go for the Go maps
# when Go is installed: the same presets, streams and seeds, their records
# in the same file), a labelled lock-contention profile (--profile-locks,
# locks.jsonl) and the lock kinds side by side (--lock-kind,
# lockkinds.jsonl), the growth-latency part of bench_first and the Google
# Benchmark micro-benchmarks, keeps the raw records in
# results/harness/<date>-<host>/ (-quick, -tiny: ignored by git), draws the
# figures (scripts/plot_harness.py: C and Go series in the same figures;
# FIGDIR, results/harness/figures/ in the full mode), regenerates the
# generated tables file results/harness/tables.md between its markers
# (scripts/update_notes_tables.py; paper-notes.md links to it and is never
# rewritten) and writes FIGDIR/index.html; then redraws the
# reclamation-scheme figures (results/schemes/figures/schemes-*) and tables
# (results/schemes/tables.md) from the newest raw records in results/schemes/
# (scripts/scheme-figures.sh; `make schemes` measures them) and, in the full
# mode, the byte-key map and cache figures (results/bytes/figures/) from the
# records results/bytes/plot-inputs.txt names (scripts/plot_harness.py
# --bytes; redrawn, not measured).
#
#   scripts/reproduce.sh [--quick | --tiny] [--estimate]      (make figures [QUICK=1])
#
#   full   every map (C and Go); 95/5, 50/50, 10/90, hotkeys, hotkeys-churn,
#          hotkeys-churn-empty, bulkload; threads 1, 2, 4 ... up to the CPU
#          count; 1e4 and 1e6 keys; 0.5 s runs, 3 repetitions; growth to
#          1e7 keys, 5 repetitions; micro-benchmarks at 0.2 s each.  Prints
#          an estimate first.  Figures in results/harness/figures/, tables in
#          results/harness/tables.md and results/schemes/tables.md.
#          For a quiet machine: nothing else running.
#   quick  (--quick or QUICK=1) 1e4 keys, threads 1 and 2, 0.2 s runs, 1
#          repetition, growth to 1e6 keys, micro-benchmarks at 0.01 s: a few
#          minutes on a 2-core machine.  Figures and tables in
#          results/harness/figures/quick/ (index.html), ignored by git like
#          the records; the generated tables files are left alone unless
#          NOTES=FILE (and SCHEME_NOTES=FILE).
#   tiny   (--tiny) the whole pipeline at 2000 keys and 0.01 s runs, to test
#          this script (about a minute); figures in
#          results/harness/figures/tiny/.
#   --estimate  print the plan and the estimate, run nothing.
#
# Environment: PYTHON (an interpreter with matplotlib; scripts/find-python.sh),
# BUILD (build), FIGDIR, RESULTS_DIR, NOTES (generated file whose harness
# table markers to rewrite; "none" for none), SCHEME_NOTES (the same for the
# scheme tables; default results/schemes/tables.md when NOTES is not none),
# LFB_EXTRA (more lfbench options, e.g. --pin compact), GO (the go command;
# NO_GO=1 leaves the Go maps out).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=full
estimate_only=false
case "${QUICK:-}" in "" | 0 | false | no) ;; *) mode=quick ;; esac
for a in "$@"; do
    case "$a" in
    --quick) mode=quick ;;
    --tiny) mode=tiny ;;
    --estimate) estimate_only=true ;;
    -h | --help) sed -n '3,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
    *) echo "reproduce: unknown argument '$a' (--quick, --tiny, --estimate)" >&2; exit 64 ;;
    esac
done
BUILD=${BUILD:-build}
ncpu=$(nproc)

# The plan.
maps=all
workloads=95/5,50/50,10/90,hotkeys,hotkeys-churn,hotkeys-churn-empty,bulkload
case $mode in
quick)
    threads=1,2 sizes=1e4 duration=0.2 repeat=1
    growth_keys=1e6 growth_reps=1 mb_min_time=0.01
    figdir=${FIGDIR:-results/harness/figures/quick} notes=${NOTES:-none} tag=-quick ;;
tiny)
    threads=1,2 sizes=2000 duration=0.01 repeat=1
    growth_keys=1e4 growth_reps=1 mb_min_time=0.001
    figdir=${FIGDIR:-results/harness/figures/tiny} notes=${NOTES:-none} tag=-tiny ;;
full)
    sizes=1e4,1e6 duration=0.5 repeat=3
    threads=1 t=2
    while [ "$t" -le "$ncpu" ]; do threads=$threads,$t; t=$((t * 2)); done
    case ",$threads," in *",$ncpu,"*) ;; *) threads=$threads,$ncpu ;; esac
    growth_keys=1e7 growth_reps=5 mb_min_time=0.2
    figdir=${FIGDIR:-results/harness/figures} notes=${NOTES:-results/harness/tables.md} tag= ;;
esac
GO=${GO:-go}
have_go=false
[ -z "${NO_GO:-}" ] && command -v "$GO" >/dev/null 2>&1 && have_go=true
ngo=0
$have_go && ngo=$(grep -c '^	{"go-' experiments/go/maps.go)
nmaps=$(grep -c "^LFB_\(LOCK_\)\{0,1\}MAP(" experiments/lfbench/maps/maps.def)
nlock=$(grep -c "^LFB_LOCK_MAP(" experiments/lfbench/maps/maps.def)
nthreads=$(tr ',' '\n' <<<"$threads" | wc -l)
nsizes=$(tr ',' '\n' <<<"$sizes" | wc -l)
nmt=$(tr ',' '\n' <<<"$threads" | grep -vc '^1$' || true)
# Variants per point: one per preset, two for bulkload (growing, presized);
# the 1-thread-only maps (plain, plain-locked) run at 1 thread only; the Go maps at every
# point too.  Then the lock profile and the lock kinds: the lock-based maps
# at 95/5 and hotkeys-churn, the most threads, the first size, once per kind.
nvar=$(($(tr ',' '\n' <<<"$workloads" | wc -l) + 1))
nsingle=$(grep -c "^LFB_MAP(plain" experiments/lfbench/maps/maps.def)
runs=$(((nmaps - nsingle + ngo) * nvar * nthreads * nsizes * repeat + nsingle * nvar * nsizes * repeat))
side=$((nlock * 2 * repeat * 3))
# Seconds: each run's duration plus ~0.05 s and ~0.2 us per prefilled key of
# set-up (bulkload runs often stop early; a memory probe per map, size and
# thread count adds about as much once); bench_first's growth part ~0.35 us
# per insert for 5 variants; microbench 6 ops x maps x thread counts, about
# 2 x min_time each with Google Benchmark's search for an iteration count.
est=$(awk -v r="$runs" -v side="$side" -v d="$duration" -v g="$growth_keys" -v gr="$growth_reps" \
    -v m="$mb_min_time" -v nm="$nmaps" -v nt="$((nmt + 1))" -v sizes="$sizes" -v probes="$(((nmaps + ngo) * nthreads))" 'BEGIN {
    n = split(sizes, sz, ","); s = 0
    for (i = 1; i <= n; i++) s += r / n * (d + 0.05 + sz[i] * 0.2e-6) + probes * (0.05 + sz[i] * 0.4e-6)
    s += side * (d + 0.05 + sz[1] * 0.2e-6)
    s += 5 * gr * g * 0.35e-6 + 6 * nm * nt * (2 * m + 0.05)
    printf "%d", s + 30 }')
echo "reproduce ($mode): $runs runs ($nmaps C maps$($have_go && echo " and $ngo Go maps" || echo ", no Go (install it:" \
    "scripts/install-deps.sh go)"); $workloads; threads $threads; keys $sizes; ${duration} s x $repeat)," \
    "$side runs of lock profiles and kinds, bench_first growth to $growth_keys keys x $growth_reps, micro-benchmarks;" \
    "estimated $((est / 60)) min $((est % 60)) s on this machine ($ncpu CPUs), build not included"
$estimate_only && exit 0

# Plotting needs an interpreter with matplotlib: find it before the long part.
PY=$(scripts/find-python.sh matplotlib) || exit 1

out=${RESULTS_DIR:-results/harness/$(date -u +%Y%m%dT%H%M%SZ)-$(hostname -s)$tag}
mkdir -p "$out" "$figdir"
start=$(date +%s)
make -s -j"$ncpu" BUILD="$BUILD" "$BUILD/lfbench" "$BUILD/experiments/bench_first" "$BUILD/experiments/microbench"
$have_go && make -s BUILD="$BUILD" GO="$GO" "$BUILD/lfbench-go"

lfb=("$BUILD/lfbench" --map "$maps" -w "$workloads" -n "$threads" -i "$sizes" -d "$duration" --repeat "$repeat"
    --seed 1 -o "$out/runs.jsonl" ${LFB_EXTRA:-})
# The Go maps: the same points, streams and seed, appended to the same file.
lfg=("$BUILD/lfbench-go" -w "$workloads" -n "$threads" -i "$sizes" -d "$duration" --repeat "$repeat" --seed 1
    -o "$out/runs.jsonl")
# The lock-based maps' contention profile, in a run of its own (the
# profiler costs throughput), and their lock kinds side by side.
side_args=(-w 95/5,hotkeys-churn -n "${threads##*,}" -i "${sizes%%,*}" -d "$duration" --repeat "$repeat" --seed 1
    --no-memory-probe)
locks=("$BUILD/lfbench" -m mutex,rwlock,striped,readmostly,cow,ckht "${side_args[@]}" --profile-locks
    -o "$out/locks.jsonl")
kinds=("$BUILD/lfbench" -m mutex,rwlock,striped,readmostly,cow,ckht "${side_args[@]}"
    --lock-kind normal,adaptive,prefer-reader,prefer-writer -o "$out/lockkinds.jsonl")
first=("$BUILD/experiments/bench_first" -w growth -g "$growth_keys" -r "$growth_reps" -o "$out/first.jsonl")
mb=("$BUILD/experiments/microbench" --benchmark_min_time="$mb_min_time" --benchmark_out="$out/microbench.json"
    --benchmark_out_format=json)
{
    echo "# scripts/reproduce.sh ($mode), $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
    echo "${lfb[*]}"
    $have_go && echo "${lfg[*]}"
    echo "# ${locks[*]}"
    echo "# ${kinds[*]}"
    echo "# ${first[*]}"
    echo "# ${mb[*]}"
} >"$out/command.txt"
rm -f "$out/runs.jsonl" "$out/locks.jsonl" "$out/lockkinds.jsonl"
echo "== lfbench -> $out/runs.jsonl" >&2
"${lfb[@]}" >"$out/table.txt"
tail -n 1 "$out/table.txt"
if $have_go; then
    echo "== lfbench-go -> $out/runs.jsonl" >&2
    "${lfg[@]}" >"$out/table-go.txt"
    tail -n 1 "$out/table-go.txt"
fi
echo "== lock profile and lock kinds -> $out/locks.jsonl, $out/lockkinds.jsonl" >&2
"${locks[@]}" >"$out/locks.txt"
"${kinds[@]}" >"$out/lockkinds.txt"
echo "== bench_first growth -> $out/first.jsonl" >&2
"${first[@]}" 2>"$out/first.txt"
echo "== micro-benchmarks -> $out/microbench.json" >&2
"${mb[@]}" >"$out/microbench.txt"
ran=$(($(date +%s) - start))

echo "== figures -> $figdir" >&2
"$PY" scripts/plot_harness.py "$out" -o "$figdir" >"$out/figures.txt"
"$PY" scripts/update_notes_tables.py "$out" --print >"$out/tables.md"
if [ "$notes" != none ]; then
    "$PY" scripts/update_notes_tables.py "$out" --notes "$notes"
fi
# The reclamation-scheme figures and tables from their newest raw
# records in results/schemes/ (measured by `make schemes`): redrawn here, not
# measured.
if ls -d results/schemes/*/ >/dev/null 2>&1; then
    echo "== scheme figures -> $([ "$mode" = full ] && echo results/schemes/figures || echo "$figdir")" >&2
    scheme_notes=none
    [ "$notes" != none ] && scheme_notes=${SCHEME_NOTES:-results/schemes/tables.md}
    # The full mode redraws the committed figures and tables; the others
    # write only under $figdir and $out (ignored by git: `git status` stays
    # clean after `make quick`, tests/tooling/quick_leaves_tree_clean.sh).
    scheme_out=()
    [ "$mode" != full ] && scheme_out=(FIGDIR="$figdir" TABLES="$out/scheme-tables.md")
    env "${scheme_out[@]}" NOTES=$scheme_notes PYTHON="$PY" scripts/scheme-figures.sh >"$out/scheme-figures.txt" 2>&1 ||
        echo "reproduce: the scheme figures failed (see $out/scheme-figures.txt)" >&2
else
    echo "reproduce: no results/schemes/ yet: \`make schemes\` measures the reclamation schemes first" >&2
fi
# The byte-key maps' and caches' figures from the records
# results/bytes/plot-inputs.txt names: redrawn here, not measured (their
# lfbench commands are in results/bytes/*/command.txt).  Full mode only.
if [ "$mode" = full ] && [ -f results/bytes/plot-inputs.txt ]; then
    echo "== byte-key and cache figures -> results/bytes/figures" >&2
    "$PY" scripts/plot_harness.py --bytes >"$out/bytes-figures.txt" 2>&1 ||
        echo "reproduce: the byte-key and cache figures failed (see $out/bytes-figures.txt)" >&2
fi
"$PY" scripts/summarise_harness.py --profile "$out/locks.jsonl" >"$out/locks.md"
"$PY" scripts/summarise_harness.py "$out/lockkinds.jsonl" >"$out/lockkinds.md"
echo "reproduce ($mode): measured in $((ran / 60)) min $((ran % 60)) s (estimate was $((est / 60)) min $((est % 60)) s);" \
    "raw records in $out; $(grep -c '\.png$' "$out/figures.txt") figures (PNG and SVG) in $figdir;" \
    "tables in $out/tables.md$([ "$notes" != none ] && echo " and $notes")"
echo "$figdir/index.html"
