#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lfmap-suite: full (not in the library suite of make tsan / make perturb: tests/run.sh)
# A program that defines the library's former internal names (table_new,
# table_free, table_retire, lfmap_self, ...; tests/packaging/abi/old_names.c) links
# against the installed liblfmap.a and liblfmap.so and works: no "multiple
# definition", and the library never calls the program's functions.  Against
# the shared library it also defines some of today's internal names (lf_*,
# lfrcu_*), which hidden visibility keeps out of the library's way.
# Needs BUILD and CC.
set -u
. "$(dirname "$0")/../support/stage.sh"
stage_install

src=tests/packaging/abi/old_names.c
flags=$(pc --static --cflags --libs | sed 's/-llfmap/-Wl,-Bstatic -llfmap -Wl,-Bdynamic/')
# shellcheck disable=SC2086 # $flags is a list of words on purpose
$CC -std=c11 -o "$tmp/static" "$src" $flags >"$tmp/cc.log" 2>&1 ||
    { cat "$tmp/cc.log"; die "static link of a program defining the old internal names failed"; }
out=$("$tmp/static" 2>&1) || die "static program failed: $out"
echo "ok: static: $out"

flags=$(pc --cflags --libs)
# shellcheck disable=SC2086
$CC -std=c11 -DCURRENT_INTERNALS -o "$tmp/shared" "$src" $flags >"$tmp/cc.log" 2>&1 ||
    { cat "$tmp/cc.log"; die "shared link of a program defining the old internal names failed"; }
out=$(LD_LIBRARY_PATH="$libdir" "$tmp/shared" 2>&1) || die "shared program failed: $out"
echo "ok: shared: $out"
