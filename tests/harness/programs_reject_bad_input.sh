#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lfmap-suite: full (not in the library suite of make tsan / make perturb: tests/run.sh)
# Every program of the project (the demo and the experiments/*.c benchmarks;
# build/lfbench has tests/harness/lfbench_options.sh) takes --help (usage on stdout,
# exit 0) and rejects an unknown option, a stray argument, a missing value and
# every malformed, negative or out-of-range number with exit status 64 and a
# message naming the option, before doing any work (nothing on stdout); and
# reports the library's errno text when it refuses (LFMAP_RCU=bogus).
#
# The programs are built by `make experiments examples` (CI builds them before
# `make test`), not by `make test` itself, nor in the sanitizer trees: a
# program missing from $BUILD, or older than its sources, is a skip (77).
# Needs BUILD.
set -u
BUILD=${BUILD:-build}
cd "$(dirname "$0")/../.." || exit 2
root=$PWD
case "$BUILD" in
/*) build_abs=$BUILD ;;
*) build_abs=$root/$BUILD ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
missing=()

# program path -> its source (for the staleness check)
declare -A source_of=(
    [examples/demo]=examples/demo.c
    [experiments/bench_first]=experiments/bench_first.c
    [experiments/bench_rcu_readside]=experiments/bench_rcu_readside.c
    [experiments/bench_scheme_get]=experiments/bench_scheme_get.c
    [experiments/bench_readpath]=experiments/bench_readpath.c
    [experiments/bench_readpath_shared]=experiments/bench_readpath.c
)

usable() { # relative program path: 0 if built and up to date, else notes why
    local rel=$1 bin=$build_abs/$1 src=${source_of[$1]}
    if ! [ -x "$bin" ]; then
        missing+=("$rel (not built)")
        return 1
    fi
    local f
    for f in "$src" experiments/common/cli.c experiments/common/cli.h; do
        if [ "$f" -nt "$bin" ]; then
            missing+=("$rel (older than $f)")
            return 1
        fi
    done
    return 0
}

ok() {
    pass=$((pass + 1))
}

bad() { # message; prints the output of the last run
    fail=$((fail + 1))
    echo "FAIL: $1"
    sed 's/^/    | out: /' "$tmp/out"
    sed 's/^/    | err: /' "$tmp/err"
}

# run prog safe-args... -- args...: runs "$bin safe-args args" under timeout 10;
# sets rc.  The safe arguments come first so that, should a bad option ever be
# accepted, the run is short (later options override earlier ones).
run() {
    local bin=$1
    shift
    local safe=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        safe+=("$1")
        shift
    done
    shift
    timeout 10 "$bin" "${safe[@]}" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
}

# expect_usage prog want-text safe-args... -- args...
expect_usage() {
    local bin=$1 want=$2
    shift 2
    run "$bin" "$@"
    local shown=$* # the arguments under test: what follows "--"
    shown=${shown#* -- }
    shown=${shown#-- }
    if [ $rc -eq 124 ]; then
        bad "$(basename "$bin") $shown: timed out (ran instead of rejecting the option)"
    elif [ $rc -ne 64 ]; then
        bad "$(basename "$bin") $shown: exit $rc, wanted 64"
    elif ! grep -qF -- "$want" "$tmp/err"; then
        bad "$(basename "$bin") $shown: the message does not name '$want'"
    elif [ -s "$tmp/out" ]; then
        bad "$(basename "$bin") $shown: wrote to stdout before rejecting (did it start working?)"
    else
        ok
    fi
}

expect_help() { # prog words-that-must-appear...
    local bin=$1
    shift
    run "$bin" -- --help
    if [ $rc -ne 0 ]; then
        bad "$(basename "$bin") --help: exit $rc, wanted 0"
        return
    fi
    local w
    for w in Usage "$@"; do
        if ! grep -qF -- "$w" "$tmp/out"; then
            bad "$(basename "$bin") --help: '$w' missing from the usage on stdout"
            return
        fi
    done
    ok
    run "$bin" -- -h
    if [ $rc -eq 0 ] && grep -q Usage "$tmp/out"; then ok; else bad "$(basename "$bin") -h: exit $rc"; fi
}

# The generic cases: unknown options, a stray argument, a missing value.
expect_generic() { # prog an-option-that-takes-a-value safe-args...
    local bin=$1 valued=$2
    shift 2
    expect_usage "$bin" "unknown option" "$@" -- --bogus
    expect_usage "$bin" "unknown option" "$@" -- -Z
    expect_usage "$bin" "unexpected argument" "$@" -- stray
    expect_usage "$bin" "needs a value" "$@" -- "$valued"
}

# expect_number prog option-name-in-message flag safe-args... -- out-of-range...
# abc, -5 and 1x are malformed or negative for every numeric option.
expect_number() {
    local bin=$1 name=$2 flag=$3
    shift 3
    local safe=()
    while [ "$1" != -- ]; do
        safe+=("$1")
        shift
    done
    shift
    local v
    for v in abc -5 1x "" "$@"; do
        expect_usage "$bin" "$name" "${safe[@]}" -- "$flag" "$v"
    done
}

# LFMAP_RCU=bogus: a non-zero exit and the errno text of the failing call
# ($errtext: lfmap_new's EINVAL for a map that names no scheme; the lfrcu
# layer's ENOENT for bench_rcu_readside).
expect_errno() { # prog args...
    local bin=$1
    shift
    LFMAP_RCU=bogus timeout 10 "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ $rc -eq 0 ] || [ $rc -eq 124 ]; then
        bad "LFMAP_RCU=bogus $(basename "$bin"): exit $rc, wanted a failure"
    elif ! grep -q "${errtext:-Invalid argument}" "$tmp/err" || ! grep -q LFMAP_RCU "$tmp/err"; then
        bad "LFMAP_RCU=bogus $(basename "$bin"): no errno text naming the cause"
    else
        ok
    fi
}

# ---- examples/demo
if usable examples/demo; then
    bin=$build_abs/examples/demo
    safe=(-t 1 -d 0.01 -o "$tmp/demo")
    expect_help "$bin" --out --threads --duration "results/demo"
    expect_generic "$bin" -t "${safe[@]}"
    expect_number "$bin" "-t/--threads" -t "${safe[@]}" -- 0 65 99999999999999999999
    expect_number "$bin" "-t/--threads" --threads "${safe[@]}" -- 65
    expect_number "$bin" "-d/--duration" -d "${safe[@]}" -- 0 3601 nan inf
    expect_number "$bin" "-d/--duration" --duration "${safe[@]}" -- 1e9
    expect_usage "$bin" "-o/--out" "${safe[@]}" -- -o ""
    # Outside the repository root, -o is required.
    (cd "$tmp" && timeout 10 "$bin" -t 1 -d 0.01 >"$tmp/out" 2>"$tmp/err")
    rc=$?
    if [ $rc -eq 64 ] && grep -qF -- "-o" "$tmp/err" && ! [ -e "$tmp/results" ]; then ok; else
        bad "demo run outside the repository without -o: exit $rc, wanted 64 naming -o"
    fi
    # An output path that is a file: the errno text, before any work.
    : >"$tmp/file"
    run "$bin" -- -t 1 -d 0.01 -o "$tmp/file"
    if [ $rc -eq 1 ] && grep -q "Not a directory" "$tmp/err" && ! [ -s "$tmp/out" ]; then ok; else
        bad "demo -o FILE: exit $rc, wanted 1 with 'Not a directory' before any work"
    fi
    expect_errno "$bin" -o "$(mktemp -d -p "$tmp")"
    # A short real run with every option writes its figure where -o says.
    run "$bin" -- --threads 2 --duration 0.05 --out "$tmp/real/demo"
    if [ $rc -eq 0 ] && grep -q "demo: OK" "$tmp/out" && [ -s "$tmp/real/demo/demo-throughput.svg" ] &&
        [ -s "$tmp/real/demo/demo-throughput.csv" ]; then ok; else
        bad "demo --threads 2 --duration 0.05 --out DIR: exit $rc or no figure in DIR"
    fi
fi

# ---- experiments/bench_first
if usable experiments/bench_first; then
    bin=$build_abs/experiments/bench_first
    safe=(-q -n 10 -g 10 -w memory -r 1)
    expect_help "$bin" --reps --seed --growth-keys --sizes --parts --output
    expect_generic "$bin" -r "${safe[@]}"
    expect_number "$bin" "-r/--reps" -r "${safe[@]}" -- 0 102
    expect_number "$bin" "-r/--reps" --reps "${safe[@]}" -- 102
    expect_number "$bin" "-s/--seed" -s "${safe[@]}" -- 18446744073709551616
    expect_number "$bin" "-g/--growth-keys" -g "${safe[@]}" -- 0 1000000001 1e99
    expect_number "$bin" "-n/--sizes" -n "${safe[@]}" -- 0 1000000001 1,,2 "1," \
        1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17
    expect_usage "$bin" "-w/--parts" "${safe[@]}" -- -w get,nosuch
    expect_usage "$bin" "-o/--output" "${safe[@]}" -- -o ""
    expect_errno "$bin" "${safe[@]}" -o "$tmp/first.jsonl"
fi

# ---- experiments/bench_rcu_readside
if usable experiments/bench_rcu_readside; then
    bin=$build_abs/experiments/bench_rcu_readside
    safe=(-r 1 -n 1000)
    expect_help "$bin" --reps --pairs
    expect_generic "$bin" -n "${safe[@]}"
    expect_number "$bin" "-r/--reps" -r "${safe[@]}" -- 0 102
    expect_number "$bin" "-n/--pairs" -n "${safe[@]}" -- 0 10000000001 18446744073709551611
    expect_number "$bin" "-n/--pairs" --pairs "${safe[@]}" -- 0
    errtext="No such file or directory" expect_errno "$bin" "${safe[@]}"
fi

# ---- experiments/bench_scheme_get
if usable experiments/bench_scheme_get; then
    bin=$build_abs/experiments/bench_scheme_get
    safe=(-r 1 -n 1000 -k 16)
    expect_help "$bin" --schemes --reps --gets --keys --output
    expect_generic "$bin" -n "${safe[@]}"
    expect_number "$bin" "-r/--reps" -r "${safe[@]}" -- 0 102
    expect_number "$bin" "-n/--gets" -n "${safe[@]}" -- 0 10000000001
    expect_number "$bin" "-k/--keys" --keys "${safe[@]}" -- 0 15 24 2097152
    expect_usage "$bin" "unknown reclamation scheme 'bogus'" "${safe[@]}" -- -s bogus
    expect_usage "$bin" "listed twice" "${safe[@]}" -- -s urcu-memb,urcu-memb
    expect_usage "$bin" "-o/--output" "${safe[@]}" -- -o ""
    # (No LFMAP_RCU=bogus case: every map it makes names its scheme, so
    # LFMAP_RCU means nothing to it; lib/lfmap.h, "Reclamation schemes".)
    # A short real run: a summary line per scheme and mode.
    run "$bin" -- -r 1 -n 1000 -k 16
    nsch=$(grep -o '"kind":"timing","scheme":"[^"]*"' "$tmp/out" | sort -u | wc -l)
    if [ $rc -eq 0 ] && [ "$nsch" -ge 1 ] && [ "$(grep -c '"kind":"summary"' "$tmp/out")" -eq $((2 * nsch)) ]; then
        ok
    else
        bad "bench_scheme_get -r 1 -n 1000 -k 16: exit $rc or not one summary per scheme and mode"
    fi
fi

# ---- experiments/bench_readpath (static and shared builds)
for rel in experiments/bench_readpath experiments/bench_readpath_shared; do
    usable "$rel" || continue
    bin=$build_abs/$rel
    safe=(-r 1 -k 16 -n 1000)
    expect_help "$bin" --runs --keys --gets
    expect_generic "$bin" -k "${safe[@]}"
    # an odd argument count used to be ignored silently
    expect_usage "$bin" "unknown option" "${safe[@]}" -- -r 1 -x
    expect_number "$bin" "-r/--runs" -r "${safe[@]}" -- 0 102
    expect_number "$bin" "-k/--keys" -k "${safe[@]}" -- 0 1000 3 2147483648
    expect_number "$bin" "-n/--gets" -n "${safe[@]}" -- 0 10000000001
    expect_number "$bin" "-n/--gets" --gets "${safe[@]}" -- 0
    expect_errno "$bin" "${safe[@]}"
done

echo "$pass passed, $fail failed"
if [ $fail -gt 0 ]; then
    exit 1
fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "skipped: ${missing[*]}; \`make BUILD=$BUILD experiments examples\` builds them"
    exit 77
fi
exit 0
