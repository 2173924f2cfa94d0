#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# LFMAP_RCU is resolved once per process, race-free: concurrent first maps
# that name no scheme all get the same answer, a valid name never yields a
# spurious failure (2 in 3,000 runs on the reviewed code), an unknown name
# fails every such lfmap_new with EINVAL, not only the first, and thread
# registration succeeds whatever LFMAP_RCU says.
set -u
prog=${BUILD:-build}/tests/prog_rcu_select
[ -x "$prog" ] || { echo "missing $prog (make tests)"; exit 1; }
# 500 runs at scale 1; sanitizer trees (LFMAP_TEST_SCALE 0.1) run 50, each
# ten times slower: ThreadSanitizer reports the race itself, in any run that
# reaches it, where a plain build needs the outcome to go wrong.
. "$(dirname "$0")/../support/scaled_count.sh"
runs=${LFMAP_RCU_SELECT_RUNS:-$(scaled_count 500 50)}
fail=0
for ((i = 0; i < runs; i++)); do
    LFMAP_RCU=urcu-memb "$prog" 0 || { echo "run $i: LFMAP_RCU=urcu-memb"; fail=$((fail + 1)); }
done
for ((i = 0; i < runs / 10; i++)); do
    LFMAP_RCU=bogus "$prog" -22 || { echo "run $i: LFMAP_RCU=bogus"; fail=$((fail + 1)); }
    LFMAP_RCU= "$prog" 0 || { echo "run $i: LFMAP_RCU empty"; fail=$((fail + 1)); }
done
total=$((runs + runs / 10 * 2))
echo "$((total - fail)) passed, $fail failed"
[ $fail -eq 0 ]
