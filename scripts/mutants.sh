#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# make mutants: proves the test suite catches known classes of concurrency bug.
#
# For each tests/mutants/*.mut (format in tests/mutants/README.md) it copies
# the working tree to a scratch directory, applies the mutant, and runs the
# suite in each mode of MUTANT_MODES (default: test perturb asan tsan, i.e.
# `make test`, the perturbed build, ASan+UBSan, ThreadSanitizer; the
# linearizability checker runs inside every mode as tests/stress_lincheck).
# It prints a table of which mutant was caught by which mode and program,
# writes each mutant's row into results/mutants/table.md (the row of a
# mutant run again is replaced, the others kept: the table is every
# mutant's latest run, each row naming its commit, modes and groups), and
# exits non-zero if any mutant survives every mode or does not apply.
#
# Usage: scripts/mutants.sh [NAME...]   (default: every mutant)
# Environment: MUTANTS (names to run, as the arguments), MUTANT_MODES,
# MUTANT_GROUPS (test groups each mode runs, as make test TEST_GROUPS=;
# default every group),
# LFMAP_TEST_TIMEOUT (per test program, default 120 s here: a mutant may
# hang), LFMAP_TEST_SCALE (default 0.5 for the non-sanitizer modes).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2

modes=${MUTANT_MODES:-test perturb asan tsan}
export LFMAP_TEST_TIMEOUT=${LFMAP_TEST_TIMEOUT:-120}
scale=${LFMAP_TEST_SCALE:-0.5}
python=$(command -v python3 || echo /usr/bin/python3)

# Names on the command line (scripts/mutants.sh NAME...) or in MUTANTS select
# mutants; the default is all of them.
if [ $# -gt 0 ]; then
    MUTANTS="$*"
fi
if [ -n "${MUTANTS:-}" ]; then
    files=()
    for n in $MUTANTS; do
        n=$(basename "$n" .mut)
        [ -f "tests/mutants/$n.mut" ] || { echo "no mutant tests/mutants/$n.mut" >&2; exit 2; }
        files+=("tests/mutants/$n.mut")
    done
else
    files=(tests/mutants/*.mut)
fi

scratch=$(mktemp -d /tmp/lfmap-mutants.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
mkdir -p results/mutants
table=results/mutants/table.md
groups=${MUTANT_GROUPS:-}
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && commit="$commit+changes"
run_label="commit $commit, modes: $modes${groups:+, groups: $groups}"
: >"$scratch/rows"

apply_mutant() { # mut file, tree dir
    "$python" scripts/mutfile.py apply "$1" "$2"
}

survivors=0
broken=0
for mut in "${files[@]}"; do
    name=$(basename "$mut" .mut)
    what=$(grep -m1 '^#' "$mut" | sed 's/^# *//')
    tree=$scratch/$name
    mkdir -p "$tree"
    # The tracked and untracked (not ignored) files: the tree as it is now.
    git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$tree"
    if ! apply_mutant "$mut" "$tree"; then
        echo "MUTANT $name: does not apply"
        echo "| $name | $what | **does not apply** |" >>"$scratch/rows"
        broken=$((broken + 1))
        continue
    fi
    if ! (cd "$tree" && make -s -j2 lib >/dev/null 2>&1); then
        echo "MUTANT $name: does not build"
        echo "| $name | $what | **does not build** |" >>"$scratch/rows"
        broken=$((broken + 1))
        continue
    fi
    caught=()
    for mode in $modes; do
        log=$scratch/$name-$mode.log
        case $mode in
        test | perturb) s=$scale ;;
        *) s=${LFMAP_TEST_SCALE:-0.1} ;;
        esac
        (cd "$tree" && LFMAP_TEST_SCALE=$s make -s "$mode" ${groups:+TEST_GROUPS="$groups"}) >"$log" 2>&1
        rc=$?
        if [ $rc -ne 0 ]; then
            progs=$(grep -m1 '^failed: ' "$log" | sed 's/^failed: //')
            caught+=("$mode (${progs:-build or runner failed, rc $rc})")
            echo "MUTANT $name: caught by $mode: ${progs:-rc $rc}"
        else
            echo "MUTANT $name: survived $mode"
        fi
    done
    if [ ${#caught[@]} -eq 0 ]; then
        survivors=$((survivors + 1))
        echo "| $name | $what | **SURVIVED** |" >>"$scratch/rows"
    else
        joined=$(printf '%s; ' "${caught[@]}")
        echo "| $name | $what | ${joined%; } ($run_label) |" >>"$scratch/rows"
    fi
done
# The rows of this run replace those of the same mutants; the rest stay.
"$python" - "$table" "$scratch/rows" <<'PY'
import sys
table, rows = sys.argv[1], sys.argv[2]
header = ["| mutant | what it breaks | caught by |", "|---|---|---|"]
def by_name(path):
    out = {}
    try:
        lines = open(path, encoding="utf-8").read().split("\n")
    except FileNotFoundError:
        return out, []
    order = []
    for line in lines:
        if line.startswith("| ") and not line.startswith(("| mutant |", "|---")):
            name = line.split("|")[1].strip()
            out[name] = line
            order.append(name)
    return out, order
old, order = by_name(table)
new, new_order = by_name(rows)
for name in new_order:
    if name not in old:
        order.append(name)
old.update(new)
with open(table, "w", encoding="utf-8") as fh:
    fh.write("\n".join(header + [old[n] for n in order]) + "\n")
PY
echo
cat "$scratch/rows"
echo
total=${#files[@]}
echo "mutants: $total run, $((total - survivors - broken)) caught, $survivors survived, $broken broken"
echo "$((total - survivors - broken)) passed, $((survivors + broken)) failed"
[ $survivors -eq 0 ] && [ $broken -eq 0 ]
