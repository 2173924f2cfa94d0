#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The shared library's read path against the static one, side by side:
# builds experiments/bench_readpath against liblfmap.a and liblfmap.so and
# runs each (5 runs, median ns per lfmap_get hit), static first.  Extra
# arguments go to both programs.  Run nothing else meanwhile.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
make -s BUILD="$BUILD" "$BUILD"/experiments/bench_readpath "$BUILD"/experiments/bench_readpath_shared
s=$("$BUILD"/experiments/bench_readpath "$@" | tail -n 1)
d=$("$BUILD"/experiments/bench_readpath_shared "$@" | tail -n 1)
echo "$s"
echo "$d"
med() { sed 's/.*"median_ns_per_get":\([0-9.]*\).*/\1/' <<<"$1"; }
awk -v s="$(med "$s")" -v d="$(med "$d")" \
    'BEGIN { printf "lfmap_get hit, median ns: static %.2f, shared %.2f (%+.2f ns, %+.0f%%)\n", s, d, d - s, 100 * (d - s) / s }'
