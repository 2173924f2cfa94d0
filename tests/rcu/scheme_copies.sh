#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lfmap-suite: full (the recipe is the same in every tree: make test and make asan run it; tests/run.sh)
# rcu/README.md's recipe for adding a scheme works for a renamed copy of every
# scheme: in a scratch copy of the sources, each rcu/scheme_NAME.c listed in
# rcu/schemes.def is copied to rcu/scheme_NAME_copy.c with its struct renamed
# (lfrcu_scheme_NAME_copy; an era scheme's LFRCU_ERA_SCHEME id) and its
# .name suffixed "-copy", registered with one
# LFRCU_SCHEME line, and nothing else is edited: the library and the scheme
# tests build, and tests/run.sh runs unit_schemes (the scheme contract:
# deferral, poison, stalled reader, no leak) and unit_alloc under every copy,
# which must pass as the originals do.  It failed while tests special-cased
# schemes by name (a copy of leak was expected to free, a copy of ck-hp to
# let a stalled reader's backlog grow); now they ask what the scheme
# declares (never_frees, protect; tests/support/scheme_props.h).
# Needs BUILD and CC; builds with the flags of the tree it tests (sanitizers
# included), without LTO.
set -u
. "$(dirname "$0")/../support/shell_test.sh"
src=$tmp/src
mkdir -p "$src/tests/core" "$src/tests/rcu" "$src/experiments"
cp -r Makefile fuzz.mk VERSION lib rcu packaging "$src/" || die "cannot copy the sources"
cp -r tests/support tests/run.sh tests/tsan.supp tests/lsan.supp "$src/tests/" || die "cannot copy the tests"
cp tests/rcu/prog_schemes.c tests/rcu/unit_schemes.c "$src/tests/rcu/" || die "cannot copy the tests"
cp tests/core/unit_alloc.c "$src/tests/core/" || die "cannot copy the tests"
cp experiments/harness.mk "$src/experiments/"

copies=()
for name in $(sed -n 's/^LFRCU_SCHEME(\([a-z0-9_]*\)).*/\1/p' rcu/schemes.def); do
    f=rcu/scheme_$name.c
    [ -f "$f" ] || die "$f (listed in rcu/schemes.def) not found"
    # A scheme is a struct with a .name line, or one LFRCU_ERA_SCHEME(id,
    # "name", ...) line (rcu/era.h) that defines the struct.
    sed -e "s/\blfrcu_scheme_$name\b/lfrcu_scheme_${name}_copy/" \
        -e 's/^\(    \.name = "\)\([^"]*\)"/\1\2-copy"/' \
        -e 's/^LFRCU_ERA_SCHEME(\([a-z0-9_]*\), "\([^"]*\)"/LFRCU_ERA_SCHEME(\1_copy, "\2-copy"/' \
        "$f" >"$src/rcu/scheme_${name}_copy.c"
    copy=$(sed -n -e 's/^    \.name = "\([^"]*\)".*/\1/p' -e 's/^LFRCU_ERA_SCHEME([a-z0-9_]*, "\([^"]*\)".*/\1/p' \
        "$src/rcu/scheme_${name}_copy.c")
    [ "${copy%-copy}" != "$copy" ] || die "$f: no '    .name = \"...\"' or LFRCU_ERA_SCHEME line to rename"
    echo "LFRCU_SCHEME(${name}_copy)" >>"$src/rcu/schemes.def"
    copies+=("$copy")
done

# The tree's own flags (sanitizers, extra defines), read from the flags file
# the build keeps (Makefile, $(BUILD)/obj/static.flags).
flags=$(cat "$BUILD/obj/static.flags" 2>/dev/null) || die "$BUILD/obj/static.flags missing (make lib first)"
sanitize=$(grep -o -e '-fsanitize=[^ ]*' -e '-fno-sanitize-recover=[^ ]*' -e '-fno-omit-frame-pointer' <<<"$flags" | paste -sd' ')
extra=$(grep -o -e '-DLFMAP_[A-Z_]*' <<<"$flags" | paste -sd' ')
b=$tmp/build
make -s -C "$src" -j2 BUILD="$b" CC="$CC" OPT=-O1 LTO= SANITIZE="$sanitize" EXTRA_CFLAGS="$extra" \
    "$b/tests/unit_schemes" "$b/tests/unit_alloc" "$b/tests/prog_schemes" >"$tmp/build.log" 2>&1 ||
    { tail -n 20 "$tmp/build.log"; die "the tree with the copies does not build"; }
listed=$("$b/tests/prog_schemes" | tr '\n' ' ')
for c in "${copies[@]}"; do
    case " $listed" in *" $c "*) ;; *) die "$c is not registered (lfmap_reclamation_scheme lists: $listed)" ;; esac
done
# A short run: a quarter of this run's scale (the copies get a quarter of that).
scale=$(awk -v a="${LFMAP_TEST_SCALE:-1}" 'BEGIN { print a * 0.25 }')
out=$(cd "$src" && BUILD="$b" LFMAP_TEST_SCALE="$scale" LFMAP_TEST_SCHEMES="${copies[*]}" bash tests/run.sh core rcu 2>&1)
rc=$?
[ $rc -eq 0 ] || { printf '%s\n' "$out" | grep -v -e '^PASS' -e '^== ' | head -n 40; die "the tests fail under a renamed copy"; }
echo "ok: ${#copies[@]} renamed copies (${copies[*]}): $(tail -n 1 <<<"$out")"
