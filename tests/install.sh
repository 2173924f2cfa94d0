#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `make install` gives a usable package, laid out by the usual conventions:
#   - staged with DESTDIR, it installs exactly the header, liblfmap.a,
#     liblfmap.so.X.Y.Z with the links liblfmap.so.X and liblfmap.so, and
#     lfmap.pc (whose paths and version are right), under PREFIX, or under
#     LIBDIR, INCLUDEDIR and PKGCONFIGDIR when they are given;
#   - a program that includes <lfmap.h> and links through pkg-config builds
#     and runs against the shared library, and with --static (and
#     -Wl,-Bstatic around -llfmap, as the README says) against the static one;
#   - `make uninstall` removes exactly what install installed.
# Needs BUILD and CC.
set -u
. "$(dirname "$0")/support/stage.sh"

files_in() { (cd "$1" && find . \( -type f -o -type l \) | sort); }

cat >"$tmp/prog.c" <<'CEOF'
#include <lfmap.h>
#include <stdio.h>

int main(void)
{
    if (lfmap_thread_register() != 0)
        return 1;
    lfmap *m = lfmap_new(NULL);
    if (!m)
        return 1;
    uint64_t v = 0;
    int rc = lfmap_insert(m, 42, 4242);
    bool found = lfmap_get(m, 42, &v);
    printf("insert=%d found=%d value=%llu size=%zu\n", rc, found, (unsigned long long)v,
           lfmap_size(m));
    lfmap_free(m);
    lfmap_thread_unregister();
    return 0;
}
CEOF
want="insert=1 found=1 value=4242 size=1"

# 1. Layout under PREFIX.
stage_install PREFIX=/opt/lfmap-test
got=$(files_in "$stage")
expect=$(printf '%s\n' ./opt/lfmap-test/include/lfmap.h ./opt/lfmap-test/lib/liblfmap.a \
    ./opt/lfmap-test/lib/liblfmap.so ./opt/lfmap-test/lib/"$soname" \
    ./opt/lfmap-test/lib/liblfmap.so."$version" ./opt/lfmap-test/lib/pkgconfig/lfmap.pc | sort)
[ "$got" = "$expect" ] || die "installed files:"$'\n'"$got"$'\n'"want:"$'\n'"$expect"
[ "$(readlink "$libdir/$soname")" = "liblfmap.so.$version" ] || die "$soname does not point to liblfmap.so.$version"
[ "$(readlink "$libdir/liblfmap.so")" = "$soname" ] || die "liblfmap.so does not point to $soname"
[ -L "$libdir/liblfmap.so.$version" ] && die "liblfmap.so.$version is a link"
grep -qx "libdir=/opt/lfmap-test/lib" "$pcdir/lfmap.pc" || die "lfmap.pc libdir: $(grep libdir= "$pcdir/lfmap.pc")"
grep -qx "includedir=/opt/lfmap-test/include" "$pcdir/lfmap.pc" || die "lfmap.pc includedir is wrong"
[ "$(pc --modversion)" = "$version" ] || die "pkg-config --modversion says $(pc --modversion), VERSION says $version"
echo "ok: layout under PREFIX ($(echo "$got" | wc -l) files)"

# 2. Shared: the installed .so found through LD_LIBRARY_PATH (a prefix that
# is not in the loader's path: see the README).
flags=$(pc --cflags --libs) || die "pkg-config lfmap failed"
# shellcheck disable=SC2086 # $flags is a list of words on purpose
$CC -o "$tmp/prog_shared" "$tmp/prog.c" $flags || die "shared build failed: $CC prog.c $flags"
out=$(LD_LIBRARY_PATH="$libdir" "$tmp/prog_shared") || die "shared program failed"
[ "$out" = "$want" ] || die "shared program printed '$out', want '$want'"
LD_LIBRARY_PATH="$libdir" ldd "$tmp/prog_shared" | grep -q "$libdir/$soname" ||
    die "shared program is not linked to the installed $soname"
echo "ok: shared ($flags)"

# 3. Static, with the shared library installed next to it: -Bstatic makes the
# linker take liblfmap.a; --static adds the private dependencies.
flags=$(pc --static --cflags --libs | sed 's/-llfmap/-Wl,-Bstatic -llfmap -Wl,-Bdynamic/') ||
    die "pkg-config --static lfmap failed"
# shellcheck disable=SC2086
$CC -o "$tmp/prog_static" "$tmp/prog.c" $flags || die "static build failed: $CC prog.c $flags"
! ldd "$tmp/prog_static" | grep -q liblfmap || die "static program still needs liblfmap.so"
out=$("$tmp/prog_static") || die "static program failed"
[ "$out" = "$want" ] || die "static program printed '$out', want '$want'"
echo "ok: static ($flags)"

# 4. uninstall removes exactly what install installed, and nothing else.
touch "$libdir/not-ours.so" "$stage/opt/lfmap-test/include/not-ours.h"
make -s BUILD="$BUILD" CC="$CC" DESTDIR="$stage" PREFIX=/opt/lfmap-test uninstall >"$tmp/uninstall.log" 2>&1 ||
    { cat "$tmp/uninstall.log"; die "make uninstall failed"; }
got=$(files_in "$stage")
expect=$(printf '%s\n' ./opt/lfmap-test/include/not-ours.h ./opt/lfmap-test/lib/not-ours.so)
[ "$got" = "$expect" ] || die "after uninstall:"$'\n'"$got"$'\n'"want only the two not-ours files"
echo "ok: uninstall"

# 5. LIBDIR, INCLUDEDIR and PKGCONFIGDIR, as a distribution sets them.
dirs=(PREFIX=/usr LIBDIR=/usr/lib/x86_64-linux-gnu INCLUDEDIR=/usr/include/lfmap-test
    PKGCONFIGDIR=/usr/share/pkgconfig)
stage_install "${dirs[@]}"
got=$(files_in "$stage")
expect=$(printf '%s\n' ./usr/include/lfmap-test/lfmap.h ./usr/lib/x86_64-linux-gnu/liblfmap.a \
    ./usr/lib/x86_64-linux-gnu/liblfmap.so ./usr/lib/x86_64-linux-gnu/"$soname" \
    ./usr/lib/x86_64-linux-gnu/liblfmap.so."$version" ./usr/share/pkgconfig/lfmap.pc | sort)
[ "$got" = "$expect" ] || die "installed files with LIBDIR etc.:"$'\n'"$got"$'\n'"want:"$'\n'"$expect"
[ "$(PKG_CONFIG_PATH="$pcdir" pkg-config --variable=libdir lfmap)" = /usr/lib/x86_64-linux-gnu ] ||
    die "lfmap.pc libdir does not follow LIBDIR"
[ "$(PKG_CONFIG_PATH="$pcdir" pkg-config --variable=includedir lfmap)" = /usr/include/lfmap-test ] ||
    die "lfmap.pc includedir does not follow INCLUDEDIR"
flags=$(pc --cflags --libs)
# shellcheck disable=SC2086
$CC -o "$tmp/prog_distro" "$tmp/prog.c" $flags || die "build against the LIBDIR install failed: $flags"
out=$(LD_LIBRARY_PATH="$libdir" "$tmp/prog_distro") && [ "$out" = "$want" ] ||
    die "program against the LIBDIR install printed '$out'"
make -s BUILD="$BUILD" CC="$CC" DESTDIR="$stage" "${dirs[@]}" uninstall >"$tmp/uninstall.log" 2>&1 ||
    { cat "$tmp/uninstall.log"; die "make uninstall (LIBDIR etc.) failed"; }
[ -z "$(files_in "$stage")" ] || die "uninstall with LIBDIR etc. left: $(files_in "$stage")"
echo "ok: LIBDIR, INCLUDEDIR, PKGCONFIGDIR honoured; uninstall left no file"
