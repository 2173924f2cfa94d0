#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# build/lfbench must refuse every bad option, value or combination with one
# clear message (naming the option) and exit status 64, before running
# anything; --help and --list-maps succeed; a tiny real run writes valid
# JSON lines.  Needs BUILD.
set -u
BUILD=${BUILD:-build}
cd "$(dirname "$0")/.." || exit 2
bin=$BUILD/lfbench
[ -x "$bin" ] || { echo "lfbench_options: $bin not built"; exit 1; }
fail=0
out=$(mktemp)
trap 'rm -f "$out" "$out.jsonl"' EXIT

expect_usage_error() { # expected-text args...
    local want=$1
    shift
    "$bin" "$@" >"$out" 2>&1
    local rc=$?
    if [ $rc -ne 64 ] || ! grep -qF -- "$want" "$out"; then
        echo "FAIL: lfbench $* -> exit $rc, wanted 64 and '$want':"
        sed 's/^/    | /' "$out"
        fail=1
    fi
}

expect_usage_error "--threads" -n -5
expect_usage_error "--threads" -n 0
expect_usage_error "--threads" -n 1,,2
expect_usage_error "--threads" -n 2x
expect_usage_error "--threads" -n 100000
expect_usage_error "--initial" -i -1
expect_usage_error "--initial" -i 1e99
expect_usage_error "--duration" -d 0
expect_usage_error "--duration" -d abc
expect_usage_error "--duration" -d nan
expect_usage_error "--update" -u 101
expect_usage_error "--update" -u -1
expect_usage_error "--map" --map nosuch
expect_usage_error "listed twice" --map lfmap,lfmap
expect_usage_error "--workload" --workload 60/60
expect_usage_error "--workload" --workload hot
expect_usage_error "--pin" --pin everywhere
expect_usage_error "--mem" --mem node:x
expect_usage_error "--allocator" --allocator tcmalloc
expect_usage_error "--write-mix" --write-mix upsert
expect_usage_error "--repeat" --repeat 0
expect_usage_error "unknown option" --bogus
expect_usage_error "needs a value" --threads
expect_usage_error "unexpected argument" stray
expect_usage_error "given twice" -d 1 -d 2
expect_usage_error "--zipf-s needs --dist zipf" --zipf-s 1.2
expect_usage_error "both set the workload" -u 10 -w 50/50
expect_usage_error "smaller than --initial" -i 1000 -r 10
expect_usage_error "single --initial" -i 10,20 -r 100
expect_usage_error "at most 1 thread" --map plain -n 2
expect_usage_error "--hot-keys" -w hotkeys -i 50 --hot-keys 100
expect_usage_error "not to hotkeys" -w hotkeys --write-mix put
expect_usage_error "--rcu" --rcu nosuchscheme -d 0.01 -o "$out.jsonl"

"$bin" --help >"$out" 2>&1 && grep -q -- "--threads" "$out" && grep -q "readmostly" "$out" ||
    { echo "FAIL: --help"; fail=1; }
n=$("$bin" --list-maps | wc -l)
[ "$n" -ge 11 ] || { echo "FAIL: --list-maps printed $n lines"; fail=1; }

# A tiny run: two maps, every preset kind, one JSON line per run.
if "$bin" -m lfmap,plain -w 50/50,hotkeys,bulkload -n 1 -i 2000 -d 0.02 --repeat 1 \
    --allocator glibc -o "$out.jsonl" >"$out" 2>&1; then
    lines=$(wc -l <"$out.jsonl")
    # 2 maps x (50/50 + hotkeys + 2 bulkload variants)
    [ "$lines" -eq 8 ] || { echo "FAIL: $lines records, expected 8"; fail=1; }
    grep -q '"conserved":false' "$out.jsonl" && { echo "FAIL: a run lost keys"; fail=1; }
    grep -q '"git_sha"' "$out.jsonl" || { echo "FAIL: records lack the environment"; fail=1; }
else
    echo "FAIL: the tiny run failed:"
    tail -n 20 "$out"
    fail=1
fi
[ $fail -eq 0 ] && echo "ok: bad options rejected with exit 64, tiny run wrote its records"
exit $fail
