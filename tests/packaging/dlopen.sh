#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The installed shared library loads with dlopen() by its SONAME (it failed
# with "cannot allocate memory in static TLS block" when built with
# initial-exec TLS) and works: tests/packaging/abi/dlopen.c resolves the API
# with dlsym and uses it from three threads.  Needs BUILD and CC.
set -u
. "$(dirname "$0")/../support/stage.sh"
stage_install

$CC -std=c11 -D_GNU_SOURCE -o "$tmp/dlopen" tests/packaging/abi/dlopen.c -ldl -lpthread ||
    die "cannot build tests/packaging/abi/dlopen.c"
out=$(LD_LIBRARY_PATH="$libdir" "$tmp/dlopen" "$soname" 2>&1) || die "$out"
echo "ok: $out"
