#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A program that links liblfmap.a and liburcu-memb.a (a static build, as
# `pkg-config --static` users get) and uses a map from its own constructor,
# which runs before liburcu's (tests/packaging/abi/ctor_map.c).  The thread then meets
# urcu-memb first through a map whose read side calls liburcu
# (urcu_memb_has_sys_membarrier was still 0), and later through a map that
# names "urcu-memb", created in main(), with the inline read side: it must
# find the thread's reader counter (the thread record's memb_ctr).  On
# 6ae181a memb_ctr is still NULL there and the first insert dies of SIGSEGV.
# Needs BUILD, CC.
set -u
. "$(dirname "$0")/../support/stage.sh"
urcu_libdir=$(pkg-config --variable=libdir liburcu-memb)
urcu_a=$urcu_libdir/liburcu-memb.a
[ -f "$urcu_a" ] || {
    echo "skipped: $urcu_a is not installed (liburcu-dev)"
    exit 78
}
stage_install
[ -f "$libdir/liblfmap.a" ] || die "make install did not install liblfmap.a"
# shellcheck disable=SC2046 # word splitting of pkg-config's output is meant
$CC -std=c11 -D_GNU_SOURCE -I"$incdir" -o "$tmp/ctor_map" tests/packaging/abi/ctor_map.c "$libdir/liblfmap.a" "$urcu_a" \
    $(pkg-config --libs liburcu-mb liburcu-qsbr liburcu-bp ck) -lurcu-common -lpthread ||
    die "cannot build tests/packaging/abi/ctor_map.c"
out=$(env -u LFMAP_RCU "$tmp/ctor_map" 2>&1)
rc=$?
[ $rc -eq 0 ] && [ "$out" = ok ] || die "ctor_map exited $rc (139 = SIGSEGV): $out"
echo "ok: a map created in a constructor before liburcu-memb's, then maps created in main()"
