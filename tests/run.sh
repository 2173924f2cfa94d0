#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs the test suite of one build tree, group by group (tests/GROUP/: core,
# rcu, harness, packaging, tooling; arguments pick groups: tests/run.sh core
# rcu): every program $BUILD/tests/NAME of a tests/GROUP/unit_*.c or
# stress_*.c and every tests/GROUP/*.sh, each under
# `timeout ${LFMAP_TEST_TIMEOUT:-300}`.  Prints a line "== GROUP" and one
# line per test (PASS, FAIL or SKIP), the log tail of each failure, and
# finally exactly "N passed, N failed, N skipped"; exits non-zero if anything
# failed (a program whose source exists but that was not built is a failure).
#
# Exit codes of a test: 0 pass; 77 skipped, and expected to be in this build
# configuration (hooks compiled out outside `make perturb`, install tests in
# sanitizer trees); 78 skipped because a tool is missing (python3, ...).
# A skip is never a pass.  When CI is set (and not "false" or "0"), a 78 skip
# is a failure: CI installs every tool (scripts/install-deps.sh all), so a
# missing one means the CI setup is broken.  The last line of a skipping
# test's output says why.
#
# Every map test (the programs of the core and rcu groups) runs once more
# under each registered reclamation scheme but the default (LFMAP_RCU=name,
# at a quarter of the scale; in sanitizer and perturbed trees, every scheme
# but those that share an implementation with another): see below.
#
# LFMAP_SUITE=library (make tsan, make perturb) runs the library's suite
# only: every group but harness, and no shell test marked
# "# lfmap-suite: full" (packaging, exported symbols, the figure scripts, the
# scheme-copy recipe), which test the same code in every build tree and run
# in the plain one (make test) and under ASan (make asan).
#
# Environment: BUILD (default build), CC, CI, LFMAP_SUITE (full or library,
# default full); LFMAP_TEST_SCALE is set to 0.1
# for sanitizer trees (unless already set); sanitizer reports fail the test;
# LFMAP_TEST_SCHEMES, LFMAP_SCHEME_SCALE (below).
set -u
cd "$(dirname "$0")/.." || exit 2
export BUILD=${BUILD:-build}
export CC=${CC:-cc}

case "$BUILD" in
*tsan* | *asan*) export LFMAP_TEST_SCALE=${LFMAP_TEST_SCALE:-0.1} ;;
esac
# Check's per-test timeout (default 4 s) is too short for the longer unit tests
# on a loaded 2-core machine; the outer `timeout` still bounds each program.
export CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-120}
logdir=$BUILD/test-logs
mkdir -p "$logdir"
# A sanitizer report must fail the test, not just print.  TSan suppressions:
# the ones installed for users (packaging/tsan.supp) and the suite's own.
cat packaging/tsan.supp tests/tsan.supp >"$logdir/tsan.supp"
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 allocator_may_return_null=1 suppressions=$(cd "$logdir" && pwd)/tsan.supp${TSAN_OPTIONS:+ $TSAN_OPTIONS}"
export ASAN_OPTIONS="halt_on_error=1 detect_leaks=1 allocator_may_return_null=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1 print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
# LeakSanitizer: the suite's suppressions (tests/lsan.supp says why each).
export LSAN_OPTIONS="suppressions=$(pwd)/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
# ASan's options are ':'-separated, TSan's accept spaces.
ASAN_OPTIONS=${ASAN_OPTIONS// /:}
UBSAN_OPTIONS=${UBSAN_OPTIONS// /:}

pass=0
fail=0
skip=0
failed_names=()
skipped_names=()
case "${CI:-}" in
"" | false | 0) in_ci=false ;;
*) in_ci=true ;;
esac

run_one() { # name, command...
    local name=$1
    shift
    local log="$logdir/$name.log" start end rc
    start=$(date +%s.%N)
    timeout "${LFMAP_TEST_TIMEOUT:-300}" "$@" >"$log" 2>&1
    rc=$?
    end=$(date +%s.%N)
    # Belt and braces: a sanitizer report fails the test whatever the exit code.
    if { [ $rc -eq 0 ] || [ $rc -eq 77 ] || [ $rc -eq 78 ]; } && grep -q -e '^WARNING: ThreadSanitizer' -e '^==[0-9]*==ERROR: ' \
        -e 'runtime error: ' "$log"; then
        rc=99
    fi
    local secs
    secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
    if [ $rc -eq 78 ] && $in_ci; then
        echo "(CI: a skip for a missing tool is a failure; scripts/install-deps.sh all installs it)" >>"$log"
        rc="78 (skipped for a missing tool under CI)"
    fi
    if [ "$rc" = 0 ]; then
        pass=$((pass + 1))
        printf 'PASS %-28s %6ss  %s\n' "$name" "$secs" "$(tail -n 1 "$log")"
    elif [ "$rc" = 77 ] || [ "$rc" = 78 ]; then
        skip=$((skip + 1))
        skipped_names+=("$name")
        printf 'SKIP %-28s %6ss  %s\n' "$name" "$secs" "$(tail -n 1 "$log")"
    else
        fail=$((fail + 1))
        failed_names+=("$name")
        [ "$rc" = 124 ] && rc="$rc (timeout)"
        printf 'FAIL %-28s %6ss  exit %s, log %s\n' "$name" "$secs" "$rc" "$log"
        tail -n 30 "$log" | sed 's/^/    | /'
    fi
}

suite=${LFMAP_SUITE:-full}
case "$suite" in
full | library) ;;
*) echo "LFMAP_SUITE must be full or library, not '$suite'"; exit 2 ;;
esac
left_out=()

# The groups, one directory of tests/ each (tests/README.md); arguments pick
# some of them (tests/run.sh core rcu), in the order given.
all_groups="core rcu harness packaging tooling"
groups=${*:-$all_groups}
for group in $groups; do
    case " $all_groups " in *" $group "*) ;; *)
        echo "unknown test group '$group' (the groups: $all_groups)"
        exit 2
        ;;
    esac
done
# Every program is built as $BUILD/tests/NAME whatever its group, so two
# sources of one name in two groups would be one program: refuse.
dups=$(for g in $all_groups; do ls tests/"$g"/ 2>/dev/null; done | grep -E '^(unit|stress|prog)_.*\.c$' | sort | uniq -d)
if [ -n "$dups" ]; then
    echo "test programs named alike in two groups (build/tests/NAME would be one of them): $dups"
    exit 2
fi

# The map tests again under every other registered reclamation scheme (the
# list comes from the library, so a new scheme is covered without an edit
# here): LFMAP_RCU sets the default for maps created without one, and
# LFMAP_RCU_ANY_CONTRACT=1 lets it name a scheme that does not keep the
# default's contract.  Scaled down (LFMAP_SCHEME_SCALE of the run's scale,
# default 0.25) to keep the suite's time sane; the first run is the default
# scheme at full scale.  The map tests are the programs of the core and rcu
# groups but those whose source says "lfmap-scheme-passes: none" (a test that
# picks its schemes itself, such as unit_rcu_env, which sets LFMAP_RCU).
# LFMAP_TEST_SCHEMES="a b" restricts the list (it must name registered
# schemes); LFMAP_TEST_SCHEMES=none skips this part.
schemes=${LFMAP_TEST_SCHEMES:-}
never_frees=
if [ -x "$BUILD/tests/prog_schemes" ]; then
    [ -z "$schemes" ] && schemes=$("$BUILD/tests/prog_schemes" | tail -n +2)
    never_frees=" $("$BUILD/tests/prog_schemes" --never-frees | tr '\n' ' ') "
elif [ -z "$schemes" ]; then
    echo "FAIL prog_schemes: $BUILD/tests/prog_schemes not built"
    fail=$((fail + 1))
    failed_names+=(prog_schemes)
fi
[ "$schemes" = none ] && schemes=
# Sanitizer and perturbed trees (CI's time): without the schemes that share
# their implementation with one already run.  urcu-mb and urcu-bp are
# liburcu's grace-period engine of urcu-memb and urcu-qsbr, reached through
# the same calls of lfmap (rcu/registry.c, LFRCU_CALLS) as urcu-qsbr; leak
# frees nothing.  make test runs them all; a new scheme is never left out.
case "$BUILD:${LFMAP_TEST_SCHEMES:-}" in
*tsan*: | *asan*: | *perturb*:)
    kept=
    for scheme in $schemes; do
        case " urcu-mb urcu-bp leak " in *" $scheme "*) left_out+=("[$scheme]") ;; *) kept="$kept $scheme" ;; esac
    done
    schemes=$kept
    ;;
esac
base_scale=${LFMAP_TEST_SCALE:-1}
scheme_scale=$(awk -v a="$base_scale" -v b="${LFMAP_SCHEME_SCALE:-0.25}" 'BEGIN { print a * b }')

found=0
for group in $groups; do
    # LFMAP_SUITE=library: the harness's programs are not built (make
    # lib-tests), and its shell tests test the same code in every tree.
    if [ "$suite" = library ] && [ "$group" = harness ]; then
        left_out+=("harness/")
        continue
    fi
    echo "== $group"
    programs=()
    for src in tests/"$group"/unit_*.c tests/"$group"/stress_*.c; do
        [ -f "$src" ] || continue
        bin=$BUILD/tests/$(basename "$src" .c)
        found=$((found + 1))
        if ! [ -x "$bin" ]; then
            fail=$((fail + 1))
            failed_names+=("$(basename "$bin")")
            printf 'FAIL %-28s %6s   not built (%s; make tests)\n' "$(basename "$bin")" - "$bin"
            continue
        fi
        run_one "$(basename "$bin")" "$bin"
        case "$group" in core | rcu)
            grep -q 'lfmap-scheme-passes: none' "$src" || programs+=("$bin")
            ;;
        esac
    done
    for scheme in $schemes; do
        [ ${#programs[@]} -eq 0 ] && break
        # A scheme that declares never_frees (leak) keeps everything on
        # purpose (some of it in mmap()ed tables, which LeakSanitizer does
        # not scan): no leak report for it.
        scheme_asan=$ASAN_OPTIONS
        case "$never_frees" in *" $scheme "*) scheme_asan="$ASAN_OPTIONS:detect_leaks=0" ;; esac
        for bin in "${programs[@]}"; do
            found=$((found + 1))
            run_one "$(basename "$bin")[$scheme]" env LFMAP_RCU="$scheme" LFMAP_RCU_ANY_CONTRACT=1 \
                LFMAP_TEST_SCALE="$scheme_scale" ASAN_OPTIONS="$scheme_asan" "$bin"
        done
    done
    for sh in tests/"$group"/*.sh; do
        [ -f "$sh" ] || continue
        if [ "$suite" = library ] && grep -q '^# lfmap-suite: full' "$sh"; then
            left_out+=("$group/$(basename "$sh")")
            continue
        fi
        found=$((found + 1))
        run_one "$(basename "$sh")" bash "$sh"
    done
done
if [ $found -eq 0 ]; then
    echo "no tests found in $BUILD/tests (run make tests first)"
    fail=1
fi
[ ${#left_out[@]} -gt 0 ] && echo "left out of this tree's suite (make test runs them): ${left_out[*]}"
[ $skip -gt 0 ] && echo "skipped: ${skipped_names[*]}"
[ $fail -gt 0 ] && echo "failed: ${failed_names[*]}"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
