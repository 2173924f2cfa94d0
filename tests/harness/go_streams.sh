#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lfmap-suite: full (not in the library suite of make tsan / make perturb: tests/run.sh)
# The Go program runs the very streams lfbench runs: for every preset (the
# mixed ones with each write mix and with Zipf keys, the hot-key ones,
# bulkload and churn), at two sizes, one and two threads, two repetitions
# and two seeds, `lfbench-go --dump-streams` prints exactly what `lfbench
# --dump-streams` prints, entry by entry (operation and key).  That covers
# the generator's port (splitmix64, the key permutation, the Zipf sampler,
# the operation mix, the presets' sizes, the per-repetition and per-thread
# seeds), and with it the mix and key distribution that
# unit_lfbench_workload checks on lfbench's streams.  The comparison is shown
# to see a difference: another seed for one side must differ.  Exit 78
# without Go (scripts/install-deps.sh go); needs BUILD with lfbench and
# lfbench-go (make tests builds both where Go is found).
set -u
BUILD=${BUILD:-build}
cd "$(dirname "$0")/../.." || exit 2
. tests/support/go_env.sh
go_env go_streams
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
n=0

same() { # description, options...
    local what=$1
    shift
    if ! "$c" -m lfmap --dump-streams 20000 "$@" >"$tmp/c" 2>"$tmp/c.err" || ! "$g" --dump-streams 20000 "$@" >"$tmp/g" 2>"$tmp/g.err"; then
        echo "FAIL: $what: a program refused the options:"
        cat "$tmp/c.err" "$tmp/g.err" | sed 's/^/    | /'
        fail=1
        return
    fi
    if ! cmp -s "$tmp/c" "$tmp/g"; then
        echo "FAIL: $what: the streams differ (lfbench < > lfbench-go):"
        diff "$tmp/c" "$tmp/g" | head -n 6 | sed 's/^/    | /'
        fail=1
    fi
    n=$((n + $(wc -l <"$tmp/c")))
}

for seed in 1 77; do
    common=(-i 1000,30000 -n 1,2 --repeat 2 -s "$seed")
    same "seed $seed: 95/5, 50/50, 10/90, 70/30" -w 95/5,50/50,10/90,70/30 "${common[@]}"
    same "seed $seed: --write-mix put" -w 50/50 --write-mix put "${common[@]}"
    same "seed $seed: --write-mix cas-increment" -w 10/90 --write-mix cas-increment "${common[@]}"
    same "seed $seed: --dist zipf" -w 95/5,50/50 --dist zipf "${common[@]}"
    same "seed $seed: --dist zipf --zipf-s 1.4" -w 50/50 --dist zipf --zipf-s 1.4 "${common[@]}"
    same "seed $seed: hot-key presets" -w hotkeys,hotkeys-churn,hotkeys-churn-empty --hot-keys 64 "${common[@]}"
    same "seed $seed: bulkload, churn, churn-90/10" -w bulkload,churn,churn-90/10 "${common[@]}"
    same "seed $seed: -r" -w 50/50,churn -i 2000 -r 50000 -n 2 -s "$seed"
done
# The check can fail: one seed apart, the streams differ.
"$c" -m lfmap --dump-streams 1000 -w 50/50 -n 1 --repeat 1 -s 1 >"$tmp/c"
"$g" --dump-streams 1000 -w 50/50 -n 1 --repeat 1 -s 2 >"$tmp/g"
cmp -s "$tmp/c" "$tmp/g" && { echo "FAIL: seeds 1 and 2 gave the same stream: the comparison sees nothing"; fail=1; }
[ $fail -eq 0 ] && echo "ok: lfbench-go's streams equal lfbench's, $n lines compared"
exit $fail
