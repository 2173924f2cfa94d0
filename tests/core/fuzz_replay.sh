#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The fuzz corpora as a regression test: builds each target
# (tests/fuzz/fuzz_lfmap.c, tests/fuzz/fuzz_bytes.c) with
# tests/fuzz/replay_main.c (no libFuzzer) and the library sources, with $CC
# and this build tree's flags (asked from make, so that a sanitizer or
# perturbed suite's settings, which reach us through MAKEFLAGS, apply), into
# $BUILD/fuzz-replay/, then runs every file of its corpus (tests/fuzz/corpus,
# tests/fuzz/corpus-bytes) in its own process.  Prints "N passed, N failed".  Needs BUILD and CC.
set -u
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-build}
CC=${CC:-cc}
out=$BUILD/fuzz-replay
mkdir -p "$out"

flags=$(make --no-print-directory -s -f Makefile -f fuzz.mk BUILD="$BUILD" CC="$CC" fuzz-print-flags) || {
    echo "fuzz_replay: cannot get the build flags from make"
    exit 1
}
cflags=$(sed -n 1p <<<"$flags")
libs=$(sed -n 2p <<<"$flags")

pass=0
fail=0
log=$out/last.log
# Each target with its corpus: the uint64_t map's and the byte-string map's.
for target in lfmap:corpus bytes:corpus-bytes; do
    name=${target%%:*}
    corpus=tests/fuzz/${target#*:}
    bin=$out/fuzz_replay_$name
    srcs=(tests/fuzz/fuzz_$name.c tests/fuzz/replay_main.c lib/*.c rcu/*.c)
    # Rebuild when the compiler, flags or any source changed.
    stamp="$CC $cflags $libs"
    if [ ! -x "$bin" ] || [ "$(cat "$bin.flags" 2>/dev/null)" != "$stamp" ] ||
        [ -n "$(find "${srcs[@]}" lib/*.h rcu/*.h rcu/*.def -newer "$bin" 2>/dev/null)" ]; then
        # shellcheck disable=SC2086 # the flags are words
        if ! $CC $cflags -o "$bin" "${srcs[@]}" $libs; then
            echo "fuzz_replay: build of fuzz_$name failed"
            echo "$pass passed, $((fail + 1)) failed"
            exit 1
        fi
        echo "$stamp" >"$bin.flags"
    fi
    for f in "$corpus"/*; do
        [ -f "$f" ] || continue
        timeout 120 "$bin" "$f" >"$log" 2>&1
        rc=$?
        # A sanitizer report fails the input even if it did not stop the program.
        if [ $rc -eq 0 ] && ! grep -q -e '^==[0-9]*==ERROR: ' -e 'runtime error: ' \
            -e '^WARNING: ThreadSanitizer' "$log"; then
            pass=$((pass + 1))
        else
            fail=$((fail + 1))
            echo "FAIL $f (exit $rc):"
            tail -n 30 "$log" | sed 's/^/    | /'
        fi
    done
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
