#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# make modelcheck-seeded: proves the model check (make modelcheck) bites.
#
# Applies each seeded bug (tests/model/seeded/*.mut, the format of
# tests/mutants/README.md) and each mutant of tests/mutants/ listed as
# expressible in tests/model/mutants.list to a scratch copy of the tree,
# builds the model there, runs the pinned-order check of the sizing bound
# (tests/model/check_pinned_orders.sh), then the scenarios
# (LFMAP_MODEL_ITERATIONS executions each), in order, until one fails.  Each bug must fail one.  Prints,
# and writes to results/model/seeded.md, the scenario that caught each bug,
# after how many executions and how long (that scenario's run), and the
# whole model run's time.  Exits non-zero if any does not apply, or
# survives without a "# model-expect: survives: REASON" line in its .mut (a
# weakening the model shows harmless under C11, or one beyond Relacy).
#
# Usage: scripts/model-seeded.sh [NAME...]   (default: all; NAME without .mut)
# Environment: MODEL_SEEDED_TIMEOUT (per bug, default 600 s),
# LFMAP_MODEL_ITERATIONS (executions per scenario, default 20000: a quarter
# to a half of make modelcheck's; the 47 bugs took 6 to 8 min on the 2-vCPU VM).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
python=$(command -v python3 || echo /usr/bin/python3)
timeout_s=${MODEL_SEEDED_TIMEOUT:-600}
export LFMAP_MODEL_ITERATIONS=${LFMAP_MODEL_ITERATIONS:-20000}

muts=()
for f in tests/model/seeded/*.mut; do muts+=("$f"); done
while read -r name rest; do
    case "$name" in '' | \#*) continue ;; esac
    [ "${rest%% *}" = expressible ] && muts+=("tests/mutants/$name.mut")
done <tests/model/mutants.list
if [ $# -gt 0 ]; then
    sel=()
    for n in "$@"; do
        for f in "${muts[@]}"; do [ "$(basename "$f" .mut)" = "$n" ] && sel+=("$f"); done
    done
    muts=("${sel[@]}")
fi

# The C++ half of the model (runtime and scenarios) does not change with a
# bug in lib/: build it once here and reuse its objects in every copy.
make -s -j2 model-build >/dev/null || { echo "model-seeded: the model does not build" >&2; exit 2; }

scratch=$(mktemp -d /tmp/lfmap-model-seeded.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
# Private copies of the tree and of its C++ objects, taken now: the tree
# may change while this runs.
tree0=$scratch/tree0
mkdir -p "$tree0"
git ls-files -z --cached --others --exclude-standard >"$scratch/files"
xargs -0 cp --parents -t "$tree0" <"$scratch/files"
mkdir -p "$scratch/prebuilt"
cp build/model/tests/model/*.o build/model/tests/model/*.d "$scratch/prebuilt/"
mkdir -p results/model
table=results/model/seeded.md
{
    echo "| bug | what it breaks | caught by (scenario: executions, seconds) |"
    echo "|---|---|---|"
} >"$table.tmp"

apply_mutant() { # mut file, tree dir
    "$python" scripts/mutfile.py apply "$1" "$2"
}

survivors=0
pinned_caught=0
broken=0
explained=0
for mut in "${muts[@]}"; do
    name=$(basename "$mut" .mut)
    what=$(grep -m1 '^#' "$mut" | sed 's/^# *//')
    tree=$scratch/$name
    mkdir -p "$tree"
    (cd "$tree0" && xargs -0 cp --parents -t "$tree" <"$scratch/files")
    if ! apply_mutant "$mut" "$tree"; then
        echo "SEEDED $name: does not apply"
        echo "| $name | $what | **does not apply** |" >>"$table.tmp"
        broken=$((broken + 1))
        continue
    fi
    mkdir -p "$tree/build/model/tests/model"
    cp "$scratch"/prebuilt/*.o "$scratch"/prebuilt/*.d "$tree/build/model/tests/model/"
    touch "$tree"/build/model/tests/model/*.o
    if ! (cd "$tree" && make -s model-build >"$tree/build.log" 2>&1); then
        echo "SEEDED $name: does not build"
        echo "| $name | $what | **does not build** |" >>"$table.tmp"
        broken=$((broken + 1))
        continue
    fi
    # The pinned-order check of the sizing bound (make modelcheck runs it
    # too): the orders Relacy cannot judge (tests/model/check_pinned_orders.sh).
    # A bug it catches still runs the scenarios, so that the table shows
    # what the model itself does with it.
    pinned=
    if ! (cd "$tree" && tests/model/check_pinned_orders.sh) >"$tree/orders.log" 2>&1; then
        pinned="check_pinned_orders (pinned memory orders, backed by the hand proof); model: "
        echo "SEEDED $name: caught by check_pinned_orders (pinned orders, not model exploration)"
        pinned_caught=$((pinned_caught + 1))
    fi
    log=$tree/run.log
    start=$(date +%s.%N)
    (cd "$tree" && timeout "$timeout_s" build/model/lfmap_model --stop) >"$log" 2>&1
    rc=$?
    secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
    caught=$(sed -n -e 's/^FAIL \([a-z_0-9]*\) *FAILED after \([0-9]*\) executions, \([0-9.]*\) s.*/\1: \2, \3 s/p' \
        -e 's/^FAIL \([a-z_0-9]*\) crashed (signal \([0-9]*\).*/\1: crashed (signal \2)/p' "$log" |
        paste -sd ';' - | sed 's/;/; /g')
    if [ $rc -ne 0 ] && [ -n "$caught" ]; then
        why=$(grep -m1 -o '^[A-Z ]*FAILED ([^)]*)\|^ *[a-z_0-9]*: [A-Z][A-Z ]*$' "$log" | cut -c1-100)
        echo "SEEDED $name: caught ($caught) [$why] in ${secs} s"
        echo "| $name | $what | $pinned$caught (run: $secs s) |" >>"$table.tmp"
    elif [ $rc -ne 0 ]; then
        echo "SEEDED $name: the model run crashed or timed out (rc $rc) in ${secs} s"
        echo "| $name | $what | ${pinned}crash or timeout (rc $rc) |" >>"$table.tmp"
    elif [ -n "$pinned" ]; then
        echo "SEEDED $name: the scenarios pass (${secs} s); caught by the pinned-order check only"
        echo "| $name | $what | ${pinned}not caught by the scenarios (beyond Relacy: tests/model/README.md, \"Limits of the checker\") |" >>"$table.tmp"
    elif expect=$(sed -n 's/^# model-expect: survives: //p' "$mut") && [ -n "$expect" ]; then
        # A seeded weakening the model shows to be harmless (redundant under
        # C11), or one beyond what Relacy can express: the .mut says which.
        echo "SEEDED $name: survived, as its file explains (${secs} s)"
        echo "| $name | $what | survives as expected: $expect |" >>"$table.tmp"
        explained=$((explained + 1))
    else
        echo "SEEDED $name: SURVIVED (${secs} s)"
        echo "| $name | $what | **SURVIVED** |" >>"$table.tmp"
        survivors=$((survivors + 1))
    fi
done
mv "$table.tmp" "$table"
echo
cat "$table"
echo
total=${#muts[@]}
echo "seeded bugs: $total run, $((total - survivors - broken - explained)) caught ($pinned_caught of them by the pinned-order check), $explained survived as their files explain, $survivors survived, $broken broken"
[ $survivors -eq 0 ] && [ $broken -eq 0 ]
