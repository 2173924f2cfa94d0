#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The installed shared library, dlopen()ed into a process whose threads exist
# before the load and use it afterwards (tests/packaging/abi/dlopen_early_thread.c),
# once as is and once with glibc's optional static TLS turned off
# (GLIBC_TUNABLES=glibc.rtld.optional_static_tls=0): then liblfmap's TLS
# descriptors resolve to glibc's dynamic resolver, the path of glibc bug
# 31372 (vector registers not saved before 2.40), which a program linked
# with the library at start-up never takes (tests/packaging/tls_access.sh).  Where gdb
# is present, the run with the tunable must really go through
# _dl_tlsdesc_dynamic.  Needs BUILD, CC.
set -u
. "$(dirname "$0")/../support/stage.sh"
stage_install

$CC -std=c11 -D_GNU_SOURCE -O2 -I"$incdir" -o "$tmp/early" tests/packaging/abi/dlopen_early_thread.c -ldl -lpthread ||
    die "cannot build tests/packaging/abi/dlopen_early_thread.c"
out=$(LD_LIBRARY_PATH="$libdir" "$tmp/early" "$soname" 2>&1) || die "static TLS surplus: $out"
echo "ok (static TLS surplus): $out"
tun=glibc.rtld.optional_static_tls=0
out=$(GLIBC_TUNABLES=$tun LD_LIBRARY_PATH="$libdir" "$tmp/early" "$soname" 2>&1) || die "$tun: $out"
echo "ok ($tun): $out"

if readelf -rW "$libdir/$soname" | grep -q R_X86_64_TLSDESC && command -v gdb >/dev/null; then
    cat >"$tmp/dyn.gdb" <<'GDB'
set breakpoint pending on
set confirm off
set $hits = 0
tbreak _dl_tlsdesc_dynamic
commands 1
silent
set $hits = 1
continue
end
run
printf "dynamic resolver reached: %d\n", $hits
GDB
    g=$(GLIBC_TUNABLES=$tun LD_LIBRARY_PATH="$libdir" gdb -nx -batch -x "$tmp/dyn.gdb" \
        --args "$tmp/early" "$soname" 2>&1)
    hits=$(sed -n 's/^dynamic resolver reached: \([0-9]*\)$/\1/p' <<<"$g")
    if [ -z "$hits" ]; then
        echo "note: gdb could not count _dl_tlsdesc_dynamic (no symbol?)"
    else
        [ "$hits" -gt 0 ] || die "with $tun the descriptors never reached _dl_tlsdesc_dynamic: the run tests nothing"
        echo "ok: the descriptors went through _dl_tlsdesc_dynamic under $tun"
    fi
fi
