#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lfmap-suite: full (not in the library suite of make tsan / make perturb: tests/run.sh)
# build/lfbench must refuse every bad option, value or combination with one
# clear message (naming the option) and exit status 64, before running
# anything; --help, --list-maps and --list-schemes succeed (the schemes are
# exactly rcu/schemes.def's); a tiny real run writes valid JSON lines, and so
# do short runs of every reclamation scheme side by side (--scheme all), with
# pointer values (every object freed once the map is), and with a stalled
# reader; without -o the records go to $BUILD/records/, not into the current
# directory.  Needs BUILD.
set -u
BUILD=${BUILD:-build}
cd "$(dirname "$0")/../.." || exit 2
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
expect_usage_error "not to the hot-key presets" -w hotkeys --write-mix put
expect_usage_error "not to the hot-key presets" -w hotkeys-churn --dist zipf
expect_usage_error "--hot-keys needs a hot-key workload" -w 95/5 --hot-keys 10
expect_usage_error "--lock-kind: unknown kind 'spin'" --lock-kind spin
expect_usage_error "--lock-kind: 'adaptive' is listed twice" --lock-kind adaptive,adaptive
expect_usage_error "--lock-kind adaptive: no map in --map takes it" -m lfmap,lfht --lock-kind adaptive
expect_usage_error "--lock-kind prefer-writer: no map in --map takes it" -m mutex --lock-kind prefer-writer
expect_usage_error "--profile-locks: no map in --map takes locks" -m lfmap,cuckoo --profile-locks
expect_usage_error "--ops does not apply to bulkload" --ops 100 -w bulkload
expect_usage_error "--ops" --ops 0
expect_usage_error "--dump-streams" --dump-streams 0
expect_usage_error "one map at one -i and one -n" --probe-memory -m mutex,lfmap
expect_usage_error "--rcu" --rcu nosuchscheme -d 0.01 -o "$out.jsonl"
expect_usage_error "--scheme: unknown reclamation scheme 'nosuch'" --scheme nosuch -d 0.01 -o "$out.jsonl"
expect_usage_error "--scheme" --scheme urcu-memb,,leak
expect_usage_error "listed twice" --scheme urcu-memb,urcu-memb
expect_usage_error "give one of them" --rcu urcu-memb --scheme urcu-memb
expect_usage_error "no map of --map runs it" -m mutex --scheme urcu-memb
expect_usage_error "no map of --map runs it" -m lfmap --scheme hazard-eras
expect_usage_error "--values" --values float
expect_usage_error "mutex does not" -m lfmap,mutex --values pointer
expect_usage_error "--stall" --stall 0
expect_usage_error "shorter than --duration" -m lfmap --stall 2 -d 1
expect_usage_error "give --map lfmap or xenium" -m mutex --stall 0.1
expect_usage_error "not bulkload" -m lfmap --stall 0.1 -w bulkload
expect_usage_error "--monitor-ms" --monitor-ms 0
expect_usage_error "--workload" -w churn-60/60
expect_usage_error "--workload" -w churn-hotkeys
expect_usage_error "does not apply to churn" -w churn --write-mix put
expect_usage_error "equals --initial" -w churn -i 100 -r 100
expect_usage_error "runs the caches only" -w cache -m lfmap
expect_usage_error "is a cache" -m lockmap-cache -w 95/5
expect_usage_error "runs alone" -w cache,95/5 -m caches
expect_usage_error "--key-len" -m lfmap-bytes --key-len 4
expect_usage_error "--key-len" -m lfmap-bytes --key-len 8-300
expect_usage_error "larger than MAX" -m lfmap-bytes --key-len 20-10
expect_usage_error "--key-len" -m lfmap-bytes --key-len 8-
expect_usage_error "--key-len needs a byte-key map" -m lfmap --key-len 16
expect_usage_error "--value-len and --ttl apply" -m lfmap-bytes --ttl 5
expect_usage_error "--value-len" -w cache --value-len 8
expect_usage_error "--ttl" -w cache --ttl -1
expect_usage_error "does not apply to the cache workload" -w cache --write-mix put
expect_usage_error "--map" -m lfmap-bytes,nosuch-bytes

"$bin" --help >"$out" 2>&1 && grep -q -- "--threads" "$out" && grep -q "readmostly" "$out" ||
    { echo "FAIL: --help"; fail=1; }
n=$("$bin" --list-maps | wc -l)
[ "$n" -ge 11 ] || { echo "FAIL: --list-maps printed $n lines"; fail=1; }

# --list-schemes: exactly the registry's names (rcu/schemes.def, one
# LFRCU_SCHEME(name) line per scheme, '_' spelled '-'), the default first,
# each one of the names the issue fixes.
schemes=$("$bin" --list-schemes)
registry=$(sed -n 's/^LFRCU_SCHEME(\([a-z0-9_]*\)).*/\1/p' rcu/schemes.def | tr _ -)
[ -n "$schemes" ] && [ "$schemes" = "$registry" ] ||
    { echo "FAIL: --list-schemes printed '$(echo $schemes)', rcu/schemes.def lists '$(echo $registry)'"; fail=1; }
[ "$(head -n 1 <<<"$schemes")" = urcu-memb ] || { echo "FAIL: --list-schemes does not start with urcu-memb"; fail=1; }
for s in $schemes; do
    case " urcu-memb urcu-mb urcu-qsbr urcu-bp ck-epoch ck-hp ebr leak he ibr " in
    *" $s "*) ;;
    *) echo "FAIL: --list-schemes: '$s' is not a scheme name of rcu/schemes.def"; fail=1 ;;
    esac
done
nschemes=$(wc -w <<<"$schemes")

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
# The article's hot-key pattern, lock kinds side by side, a profiling run:
# hotkeys-churn's pairs are put+remove over keys never prefilled (nothing at
# all for -empty), each --lock-kind a series MAP/KIND whose map_config says
# the kind it used, contention recorded only with --profile-locks, and
# --ops runs exactly that many stream entries per thread.
rm -f "$out.jsonl"
if "$bin" -m mutex,readmostly,lfmap -w hotkeys-churn,hotkeys-churn-empty -n 1 -i 1000 -d 2 --ops 4096 --repeat 1 \
    --lock-kind normal,adaptive --no-memory-probe --allocator glibc -o "$out.jsonl" >"$out" 2>&1 &&
    "$bin" -m mutex,rwlock -w 50/50 -n 2 -i 1000 -d 0.02 --repeat 1 --profile-locks --allocator glibc \
        -o "$out.jsonl" >>"$out" 2>&1; then
    lines=$(wc -l <"$out.jsonl")
    # (mutex x 2 kinds + readmostly x 2 kinds + lfmap) x 2 presets, + 2 profiled
    [ "$lines" -eq 12 ] || { echo "FAIL: hot-key churn / lock kinds / profile: $lines records, expected 12"; fail=1; }
    for k in normal adaptive; do
        n=$(grep -c "\"series\":\"readmostly/$k\".*\"kind\":\"$k\"" "$out.jsonl")
        [ "$n" -eq 2 ] || { echo "FAIL: --lock-kind: $n readmostly/$k records using kind $k, expected 2"; fail=1; }
    done
    n=$(grep -c '"write_mix":"store-then-load-and-delete".*"prefill":0,' "$out.jsonl")
    [ "$n" -eq 5 ] || { echo "FAIL: hotkeys-churn-empty: $n records with nothing prefilled, expected 5"; fail=1; }
    n=$(grep -c '"ops_limit":4096,.*"total":[0-9]*,"reads":[0-9]*,"read_hits":0,' "$out.jsonl")
    [ "$n" -eq 5 ] || { echo "FAIL: hotkeys-churn-empty: $n records whose reads all missed, expected 5"; fail=1; }
    grep -q '"conserved":false' "$out.jsonl" && { echo "FAIL: a hot-key churn run lost keys"; fail=1; }
    n=$(grep -c '"profile_locks":true.*"contention":{"acquisitions":[1-9]' "$out.jsonl")
    [ "$n" -eq 2 ] || { echo "FAIL: --profile-locks: $n records with a contention profile, expected 2"; fail=1; }
    n=$(grep -c '"profile_locks":false.*"contention":null' "$out.jsonl")
    [ "$n" -eq 10 ] || { echo "FAIL: throughput runs: $n records without a profile, expected 10"; fail=1; }
else
    echo "FAIL: the hot-key churn / lock kind / profile runs failed:"
    tail -n 20 "$out"
    fail=1
fi

# Every scheme side by side: one series lfmap/NAME per scheme, each record
# naming the scheme the map really used.  The schemes that declare
# never_frees (leak; tests/prog_schemes --never-frees) run separately: they
# never free by design, so in sanitizer trees LeakSanitizer is off for them.
rm -f "$out.jsonl"
never=$("$BUILD/tests/prog_schemes" --never-frees) || { echo "FAIL: $BUILD/tests/prog_schemes --never-frees"; exit 1; }
freeing=$(grep -vxF -e "$never" <<<"$schemes" | paste -sd, -)
[ -z "$never" ] && freeing=$(paste -sd, - <<<"$schemes")
never=$(paste -sd, - <<<"$never")
leak_env=()
case "$BUILD" in *asan*) leak_env=(env "ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0") ;; esac
if "$bin" -m lfmap --scheme "$freeing" -w 50/50,churn -n 2 -i 2000 -d 0.05 --repeat 1 --allocator glibc \
    -o "$out.jsonl" >"$out" 2>&1 && { [ -z "$never" ] ||
    "${leak_env[@]}" "$bin" -m lfmap --scheme "$never" -w 50/50,churn -n 2 -i 2000 -d 0.05 --repeat 1 \
        --allocator glibc -o "$out.jsonl" >>"$out" 2>&1; }; then
    lines=$(wc -l <"$out.jsonl")
    [ "$lines" -eq $((2 * nschemes)) ] || { echo "FAIL: --scheme all: $lines records, expected $((2 * nschemes))"; fail=1; }
    for s in $schemes; do
        n=$(grep -c "\"series\":\"lfmap/$s\".*\"scheme\":\"$s\"" "$out.jsonl")
        [ "$n" -eq 2 ] || { echo "FAIL: --scheme all: $n records of series lfmap/$s with scheme $s, expected 2"; fail=1; }
    done
    grep -q '"conserved":false' "$out.jsonl" && { echo "FAIL: --scheme all: a run lost keys"; fail=1; }
    grep -q '"kind":"churn"' "$out.jsonl" || { echo "FAIL: no churn record"; fail=1; }
    grep -q '"retired_bytes_peak":[0-9]' "$out.jsonl" || { echo "FAIL: no retired_bytes_peak"; fail=1; }
else
    echo "FAIL: the --scheme all run failed:"
    tail -n 20 "$out"
    fail=1
fi

# Pointer values, every write a put: the destructor frees every object the
# run allocated once the map is freed (all schemes but leak, which never
# frees; under ASan, a use after free or a double free stops the run).
rm -f "$out.jsonl"
if "$bin" -m lfmap --scheme "$freeing" --values pointer --write-mix put -w 50/50 -n 2 -i 2000 -d 0.05 \
    --repeat 1 --allocator glibc -o "$out.jsonl" >"$out" 2>&1; then
    n=$(grep -c '"values":{"kind":"pointer"' "$out.jsonl")
    [ "$n" -eq "$(wc -w <<<"${freeing//,/ }")" ] || { echo "FAIL: --values pointer: $n pointer records"; fail=1; }
    if grep -q '"unfreed_after_free":[1-9]' "$out.jsonl"; then
        echo "FAIL: --values pointer: objects left unfreed after lfmap_free:"
        grep -o '"series":"[^"]*"\|"unfreed_after_free":[0-9]*' "$out.jsonl" | paste - - | sed 's/^/    | /'
        fail=1
    fi
else
    echo "FAIL: the --values pointer run failed:"
    tail -n 20 "$out"
    fail=1
fi

# The stalled reader: a time series in every record, the reader's section
# inside the run.
rm -f "$out.jsonl"
if "$bin" -m lfmap --scheme "$freeing" --values pointer -w churn -n 1 -i 1000 -d 0.1 --stall 0.05 --repeat 1 \
    --allocator glibc -o "$out.jsonl" >"$out" 2>&1; then
    n=$(grep -c '"stall":{"s":0.05,.*"timeseries":{"fields":\["t_s","retired_bytes"' "$out.jsonl")
    [ "$n" -eq "$(wc -w <<<"${freeing//,/ }")" ] || { echo "FAIL: --stall: $n records with a stall and a time series"; fail=1; }
else
    echo "FAIL: the --stall run failed:"
    tail -n 20 "$out"
    fail=1
fi

# xenium under its own schemes (--scheme all names them too), pointer values
# and a stalled reader: one series xenium/NAME each.
rm -f "$out.jsonl"
xschemes="epoch new-epoch debra quiescent-state hazard-pointer hazard-eras stamp-it"
if "$bin" -m xenium --scheme all --values pointer -w churn -n 1 -i 1000 -d 0.1 --stall 0.05 --repeat 1 \
    --allocator glibc -o "$out.jsonl" >"$out" 2>&1; then
    for s in $xschemes; do
        n=$(grep -c "\"series\":\"xenium/$s\".*\"stall\":{\"s\":0.05,.*\"timeseries\"" "$out.jsonl")
        [ "$n" -eq 1 ] || { echo "FAIL: xenium --stall: $n records of series xenium/$s, expected 1"; fail=1; }
    done
else
    echo "FAIL: the xenium run failed:"
    tail -n 20 "$out"
    fail=1
fi
# Byte keys and caches: the byte-key maps beside the uint64_t map they are
# measured against, the caches under -w cache with expiry; every record
# carries its keys' and cache's configuration and validates against the
# schema (scripts/lfbench_records.py --validate).
rm -f "$out.jsonl"
if "$bin" -m lfmap,lfmap-bytes,mutex-bytes,lfht-bytes -w 50/50 -n 1 -i 2000 -d 0.02 --repeat 1 --key-len 16 \
    --no-memory-probe --allocator glibc -o "$out.jsonl" >"$out" 2>&1 &&
    "$bin" -w cache -n 1,2 -i 2000 -d 0.05 --repeat 1 --ttl 1 --no-memory-probe --allocator glibc \
        -o "$out.jsonl" >>"$out" 2>&1; then
    lines=$(wc -l <"$out.jsonl")
    # 4 maps + 3 caches x 2 thread counts
    [ "$lines" -eq 10 ] || { echo "FAIL: byte keys and caches: $lines records, expected 10"; fail=1; }
    n=$(grep -c '"keys":{"kind":"bytes","len_min":16,"len_max":16' "$out.jsonl")
    [ "$n" -eq 3 ] || { echo "FAIL: $n byte-key records with --key-len 16, expected 3"; fail=1; }
    n=$(grep -c '"cache":{"access":"get-then-set-on-miss",.*"ttl_s":1}.*"cache_result":{"hit_ratio":' "$out.jsonl")
    [ "$n" -eq 6 ] || { echo "FAIL: $n cache records with their configuration and hit ratio, expected 6"; fail=1; }
    grep -q '"conserved":false' "$out.jsonl" && { echo "FAIL: a byte-key run lost keys"; fail=1; }
    PY=$(command -v python3 || echo /usr/bin/python3)
    "$PY" scripts/lfbench_records.py --validate "$out.jsonl" >"$out" 2>&1 ||
        { echo "FAIL: byte-key and cache records do not validate:"; tail -n 20 "$out"; fail=1; }
else
    echo "FAIL: the byte-key and cache runs failed:"
    tail -n 20 "$out"
    fail=1
fi
# Without -o the records go beside the program ($BUILD/records/), never into
# the current directory or the source tree (they went to results/tmp/).
build_dir=$(cd "$BUILD" && pwd)
records=$build_dir/records
record_lines() { cat "$records"/*.jsonl 2>/dev/null | wc -l; }
before=$(record_lines)
cwd=$(mktemp -d)
if (cd "$cwd" && "$build_dir/lfbench" -m lfmap -w 95/5 -n 1 -i 1000 -d 0.02 --repeat 1 --no-check >/dev/null 2>&1); then
    [ -z "$(ls -A "$cwd")" ] || { echo "FAIL: lfbench without -o wrote into the current directory: $(ls -A "$cwd")"; fail=1; }
    [ "$(record_lines)" -gt "$before" ] || { echo "FAIL: lfbench without -o wrote no record into $records"; fail=1; }
else
    echo "FAIL: lfbench without -o failed"
    fail=1
fi
rm -rf "$cwd"

[ $fail -eq 0 ] && echo "ok: bad options rejected with exit 64, tiny run wrote its records, $nschemes scheme(s) side by side"
exit $fail
