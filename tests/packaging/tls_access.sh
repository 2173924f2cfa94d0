#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lfmap-suite: full (not in the library suite of make tsan / make perturb: tests/run.sh)
# The shared library's thread-local accesses (Makefile, SHARED_TLS_DIALECT):
# an operation makes at most one, and in a program linked with the library
# at start-up none goes through __tls_get_addr.
#   1. The installed liblfmap.so, as `make` built it: tests/packaging/abi/tls_count.c,
#      run under gdb, calls __tls_get_addr at most once per operation in its
#      region of lookups and writes, and never when the library uses TLS
#      descriptors (then it must not even import __tls_get_addr, and must use
#      no vector register: glibc before 2.40 does not save them in the
#      descriptors' dynamic resolver, bug 31372).
#   2. The same sources built with the default model (global-dynamic, what a
#      compiler without descriptors gives): at most one call per operation.
#      (Before the thread record cached liburcu's reader counter, a lookup
#      made three.)
# Needs BUILD, CC, gdb.
set -u
. "$(dirname "$0")/../support/stage.sh"
command -v gdb >/dev/null || {
    echo "skipped: gdb is not installed (scripts/install-deps.sh test)"
    exit 78
}
stage_install

# Calls of function $2 (default __tls_get_addr) inside the program's region,
# under library dir $1.
count_calls() {
    local dir=$1 fn=${2:-__tls_get_addr} out
    cat >"$tmp/count.gdb" <<GDB
set breakpoint pending on
set confirm off
set \$calls = 0
set \$counting = 0
break $fn
commands 1
silent
if \$counting && \$_thread == 1
set \$calls = \$calls + 1
end
continue
end
break tls_region_begin
commands 2
silent
set \$counting = 1
continue
end
break tls_region_end
commands 3
silent
set \$counting = 0
printf "tls_get_addr calls in the region: %d\n", \$calls
continue
end
run
GDB
    out=$(LD_LIBRARY_PATH="$dir" gdb -nx -batch -x "$tmp/count.gdb" --args "$tmp/tls_count" 2>&1)
    # Counted on the main thread only (liburcu's call_rcu thread has its own).
    ops=$(grep -E '^[0-9]+$' <<<"$out" | tail -n 1)
    [ -n "$ops" ] || die "tls_count did not run to the end under gdb:"$'\n'"$out"
    calls=$(sed -n 's/^tls_get_addr calls in the region: \([0-9]*\)$/\1/p' <<<"$out")
    [ -n "$calls" ] || die "gdb did not report the count:"$'\n'"$out"
}

$CC -std=c11 -D_GNU_SOURCE -I"$incdir" -o "$tmp/tls_count" tests/packaging/abi/tls_count.c -L"$libdir" -llfmap ||
    die "cannot build tests/packaging/abi/tls_count.c"
so=$libdir/liblfmap.so.$version

count_calls "$libdir"
if readelf -rW "$so" | grep -q 'R_X86_64_TLSDESC'; then
    [ "$calls" -eq 0 ] || die "$so uses TLS descriptors, yet $ops operations called __tls_get_addr $calls times"
    ! nm -D --undefined-only "$so" | grep -q '__tls_get_addr' ||
        die "$so uses TLS descriptors but still imports __tls_get_addr"
    vec=$(objdump -d --no-show-raw-insn "$so" | grep -cE '%[xyz]mm[0-9]|%st\(|%k[0-7]')
    [ "$vec" -eq 0 ] || die "$so uses TLS descriptors and $vec instructions touch vector or x87 registers"
    echo "ok: liblfmap.so (TLS descriptors): $ops operations, 0 calls of __tls_get_addr, no vector register"
    # The descriptors themselves: in a program linked at start-up each one
    # resolves to glibc's static resolver, _dl_tlsdesc_return; at most one
    # call per operation (the count above is 0 whatever their number).
    count_calls "$libdir" _dl_tlsdesc_return
    [ "$calls" -ge 1 ] || die "no call of _dl_tlsdesc_return counted: the descriptor count counts nothing"
    [ "$calls" -le "$ops" ] ||
        die "liblfmap.so (TLS descriptors): $ops operations made $calls descriptor calls (more than one each)"
    echo "ok: liblfmap.so (TLS descriptors): $ops operations, $calls descriptor calls"
else
    [ "$calls" -le "$ops" ] || die "liblfmap.so: $ops operations called __tls_get_addr $calls times (more than one each)"
    echo "ok: liblfmap.so (no TLS descriptors): $ops operations, $calls calls of __tls_get_addr"
fi

# The default model, built here from the same sources (no LTO, to be quick).
gd=$tmp/gd
# Without the calling make's MAKEFLAGS: under `make perturb` they carry
# EXTRA_CFLAGS, whose hooks make thread-local accesses of their own.
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
    make -s BUILD="$gd" CC="$CC" SHARED_TLS_DIALECT= LTO= EXTRA_CFLAGS= "$gd/liblfmap.so" >"$tmp/gd.log" 2>&1 ||
    die "cannot build the global-dynamic variant:"$'\n'"$(tail -n 20 "$tmp/gd.log")"
! readelf -rW "$gd/liblfmap.so" | grep -q 'R_X86_64_TLSDESC' || die "SHARED_TLS_DIALECT= still built TLS descriptors"
count_calls "$gd"
[ "$calls" -ge 1 ] || die "the global-dynamic build made no __tls_get_addr call: the test counts nothing"
[ "$calls" -le "$ops" ] ||
    die "global-dynamic liblfmap.so: $ops operations called __tls_get_addr $calls times (more than one each)"
echo "ok: global-dynamic build: $ops operations, $calls calls of __tls_get_addr"
